// pollIn: the one wait of a synchronous remote loop over the protocol socket, the resamplefd
// and a wake-up descriptor.
import { closeSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';

import { type Fd, pollIn, sendMsg, socketpair } from '../../src/native/addon.js';

const opened: Fd[] = [];
afterEach(() => {
  for (const fd of opened.splice(0)) {
    try {
      closeSync(fd);
    } catch {
      // closed by the test itself
    }
  }
});
function pair(): [Fd, Fd] {
  const p = socketpair();
  opened.push(...p);
  return p;
}

describe('pollIn', () => {
  it('returns nothing when no descriptor is readable and the timeout passes', () => {
    const [, b] = pair();
    expect(pollIn([b], 0)).toEqual([]);
    expect(pollIn([b], 1)).toEqual([]);
  });

  it('returns exactly the readable descriptors, in the order given', () => {
    const [a1, b1] = pair();
    const [a2, b2] = pair();
    const [, b3] = pair();
    sendMsg(a2, Buffer.from('x'));
    sendMsg(a1, Buffer.from('y'));
    expect(pollIn([b3, b2, b1], -1)).toEqual([b2, b1]);
  });

  it('counts a hung-up peer as ready, so the reader gets to see the end of stream', () => {
    const [a, b] = pair();
    closeSync(a);
    expect(pollIn([b], -1)).toEqual([b]);
  });

  it('throws EBADF for a descriptor that is not open', () => {
    const [a, b] = pair();
    closeSync(b);
    expect(() => pollIn([a, b], 0)).toThrow(expect.objectContaining({ code: 'EBADF' }));
  });

  it('rejects a timeout below -1 or a non-integer', () => {
    const [a] = pair();
    expect(() => pollIn([a], -2)).toThrow(RangeError);
    expect(() => pollIn([a], 1.5)).toThrow(RangeError);
  });
});
