// The addon's socket functions: byte streams with SCM_RIGHTS descriptors over a socketpair,
// exactly as the mpqemu reader uses them (spec/mpqemu.md section 4).
import { spawnSync } from 'node:child_process';
import { closeSync, fstatSync, readSync, writeSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';

import { type Fd, mapShared, memfdCreate, recvMsg, sendMsg, socketpair } from '../../src/native/addon.js';

const opened: Fd[] = [];
function track<T extends Fd | Fd[]>(fds: T): T {
  opened.push(...(Array.isArray(fds) ? fds : [fds]));
  return fds;
}
afterEach(() => {
  for (const fd of opened.splice(0)) {
    try {
      closeSync(fd);
    } catch {
      // closed by the test itself
    }
  }
});

function isOpen(fd: Fd): boolean {
  try {
    fstatSync(fd);
    return true;
  } catch {
    return false;
  }
}

/** Sets O_NONBLOCK on `fd`'s open file description. Node has no fcntl; a child process that
 *  inherits the descriptor shares that description, so its fcntl changes ours. */
function setNonBlocking(fd: Fd): void {
  const script = 'import fcntl, os; fcntl.fcntl(3, fcntl.F_SETFL, fcntl.fcntl(3, fcntl.F_GETFL) | os.O_NONBLOCK)';
  const result = spawnSync('python3', ['-c', script], { stdio: ['ignore', 'inherit', 'inherit', fd] });
  if (result.status !== 0) throw new Error('python3 could not set O_NONBLOCK');
}

describe('socketpair', () => {
  it('gives two distinct connected stream ends, close-on-exec', () => {
    const [a, b] = track(socketpair());
    expect(a).not.toBe(b);
    expect(fstatSync(a).isSocket()).toBe(true);
    writeSync(a, Buffer.from('ping'));
    const got = Buffer.alloc(4);
    expect(readSync(b, got, 0, 4, null)).toBe(4);
    expect(got.toString()).toBe('ping');
    // Close-on-exec: a child started without mapping the descriptor does not inherit it.
    const child = spawnSync('sh', ['-c', `test -e /proc/self/fd/${a} && echo open || echo closed`], { encoding: 'utf8' });
    expect(child.stdout.trim()).toBe('closed');
  });
});

describe('sendMsg / recvMsg', () => {
  it('never returns more than maxBytes, so a message boundary is respected', () => {
    const [a, b] = track(socketpair());
    sendMsg(a, Buffer.from('0123456789'));
    expect(recvMsg(b, 4)?.data.toString()).toBe('0123');
    expect(recvMsg(b, 100)?.data.toString()).toBe('456789');
  });

  it('passes descriptors with the first bytes; the receiver maps the memfd and sees its contents', () => {
    const [a, b] = track(socketpair());
    const memfd = track(memfdCreate('passed', 8192));
    writeSync(memfd, Buffer.from('GUEST-WROTE-THIS'), 0, 16, 4096);
    sendMsg(a, Buffer.from('HDR-and-payload'), [memfd]);

    const first = recvMsg(b, 3);
    expect(first).not.toBeNull();
    expect(first!.data.toString()).toBe('HDR');
    expect(first!.fds).toHaveLength(1);
    expect(first!.ctrunc).toBe(false);
    const received = track(first!.fds[0]!);
    expect(received).not.toBe(memfd); // a new descriptor for the same file
    expect(fstatSync(received).ino).toBe(fstatSync(memfd).ino);

    const rest = recvMsg(b, 100);
    expect(rest!.data.toString()).toBe('-and-payload');
    expect(rest!.fds).toEqual([]);

    const ram = new Uint8Array(mapShared(received, 8192, 0));
    expect(Buffer.from(ram.subarray(4096, 4096 + 16)).toString()).toBe('GUEST-WROTE-THIS');
  });

  it('a message with descriptors does not hand them to a read of the previous message', () => {
    const [a, b] = track(socketpair());
    const m1 = track(memfdCreate('one', 4096));
    const m2 = track(memfdCreate('two', 4096));
    sendMsg(a, Buffer.from('AAAA'), [m1]);
    sendMsg(a, Buffer.from('BBBB'), [m2]);
    const r1 = recvMsg(b, 4)!;
    const r2 = recvMsg(b, 4)!;
    track(r1.fds);
    track(r2.fds);
    expect(r1.data.toString()).toBe('AAAA');
    expect(r2.data.toString()).toBe('BBBB');
    expect(r1.fds.map((fd) => fstatSync(fd).ino)).toEqual([fstatSync(m1).ino]);
    expect(r2.fds.map((fd) => fstatSync(fd).ino)).toEqual([fstatSync(m2).ino]);
  });

  it('reports ctrunc when a sender attaches more descriptors than 16; the excess is not installed', () => {
    const [a, b] = track(socketpair());
    const memfd = track(memfdCreate('many', 4096));
    sendMsg(a, Buffer.from('X'), new Array<Fd>(20).fill(memfd));
    const r = recvMsg(b, 1)!;
    track(r.fds);
    expect(r.ctrunc).toBe(true);
    expect(r.fds).toHaveLength(16);
    for (const fd of r.fds) expect(isOpen(fd)).toBe(true);
  });

  it('returns null at end of stream, after the last bytes', () => {
    const [a, b] = track(socketpair());
    sendMsg(a, Buffer.from('last'));
    closeSync(a);
    expect(recvMsg(b, 16)?.data.toString()).toBe('last');
    expect(recvMsg(b, 16)).toBeNull();
    expect(recvMsg(b, 16)).toBeNull();
  });

  it('on a non-blocking socket with nothing to read, returns again instead of blocking', () => {
    const [a, b] = track(socketpair());
    setNonBlocking(b);
    const r = recvMsg(b, 16);
    expect(r).toEqual({ data: Buffer.alloc(0), fds: [], ctrunc: false, again: true });
    sendMsg(a, Buffer.from('now'));
    expect(recvMsg(b, 16)?.data.toString()).toBe('now');
  });

  it('a send to a vanished peer throws EPIPE instead of killing the process with SIGPIPE', () => {
    const [a, b] = track(socketpair());
    closeSync(b);
    expect(() => sendMsg(a, Buffer.from('anyone?'))).toThrow(expect.objectContaining({ code: 'EPIPE', syscall: 'sendmsg' }));
  });

  it('system errors carry Node-style code, errno and syscall', () => {
    const memfd = track(memfdCreate('not-a-socket', 0));
    expect(() => recvMsg(memfd, 4)).toThrow(expect.objectContaining({ code: 'ENOTSOCK', syscall: 'recvmsg' }));
    expect(() => recvMsg(memfd, 0)).toThrow(RangeError);
    expect(() => recvMsg(-1, 4)).toThrow(RangeError);
  });

  it('refuses descriptors without a byte to carry them', () => {
    const [a] = track(socketpair());
    expect(() => sendMsg(a, Buffer.alloc(0), [a])).toThrow(RangeError);
  });
});
