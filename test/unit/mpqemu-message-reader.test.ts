// The synchronous mpqemu reader over a real socketpair, with this test playing QEMU's proxy:
// exact header/payload reads, descriptors kept with their message, and every descriptor that
// arrives where it does not belong closed (spec/mpqemu.md section 4).
import { closeSync, fstatSync, readdirSync, writeSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';

import { type MpqemuMessage, encodeMessage, encodeRet } from '../../src/host/transports/mpqemu/messages.js';
import { MessageReader, writeRet } from '../../src/host/transports/mpqemu/message-reader.js';
import { ProtocolError, type ProtocolErrorKind } from '../../src/host/transports/mpqemu/protocol-error.js';
import { type Fd, memfdCreate, recvMsg, sendMsg, socketpair } from '../../src/native/addon.js';
import { cfgOffset } from '../../src/shared-mem/types.js';

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

/** proxy end (the test writes), remote end (the reader reads). */
function connection(): { proxy: Fd; remote: Fd; reader: MessageReader } {
  const [proxy, remote] = track(socketpair());
  return { proxy, remote, reader: new MessageReader(remote) };
}

function send(fd: Fd, message: MpqemuMessage): void {
  const { bytes, fds } = encodeMessage(message);
  sendMsg(fd, bytes, fds);
}

/** The process's open descriptors, from /proc (less the one the listing itself used). */
function openFds(): Set<number> {
  const isOpen = (fd: number): boolean => {
    try {
      fstatSync(fd);
      return true;
    } catch {
      return false;
    }
  };
  return new Set(readdirSync('/proc/self/fd').map(Number).filter(isOpen));
}

function readError(reader: MessageReader): ProtocolError {
  try {
    reader.read();
  } catch (err) {
    expect(err).toBeInstanceOf(ProtocolError);
    return err as ProtocolError;
  }
  throw new Error('expected a ProtocolError');
}

/** Sends `bytes` with `fds`, reads, and checks the rejection and that no descriptor leaked. */
function expectRejectedWithoutLeak(bytes: Buffer, fds: Fd[], kind: ProtocolErrorKind): ProtocolError {
  const { proxy, reader } = connection();
  const before = openFds();
  sendMsg(proxy, bytes, fds);
  const err = readError(reader);
  expect(err.kind).toBe(kind);
  expect(openFds()).toEqual(before);
  return err;
}

describe('MessageReader', () => {
  it('reads a sequence of messages in order and returns null at a clean end of stream', () => {
    const { proxy, reader } = connection();
    const sequence: MpqemuMessage[] = [
      { kind: 'pci-cfgread', offset: cfgOffset(0), width: 2 },
      { kind: 'pci-cfgwrite', offset: cfgOffset(0x10), width: 4, value: 0xffffffff },
      { kind: 'bar-write', space: 'io', addr: 0xc00cn, size: 4, value: 1n },
      { kind: 'bar-read', space: 'memory', addr: 0xfebff010n, size: 4 },
      { kind: 'device-reset' },
    ];
    // All in one write: the reader must split them by their headers.
    sendMsg(proxy, Buffer.concat(sequence.map((m) => encodeMessage(m).bytes)));
    closeSync(proxy);
    for (const expected of sequence) expect(reader.read()).toEqual(expected);
    expect(reader.read()).toBeNull();
  });

  it('keeps each message’s descriptors with that message when two arrive back to back', () => {
    const { proxy, reader } = connection();
    const ram1 = track(memfdCreate('ram1', 0x10000));
    const ram2 = track(memfdCreate('ram2', 0x10000));
    const irq = track(memfdCreate('irq', 0)); // stand-ins: only identity matters here
    const resample = track(memfdCreate('resample', 0));
    send(proxy, { kind: 'sync-sysmem', regions: [{ gpa: 0n, size: 0x10000n, offset: 0n, fd: ram1 }] });
    send(proxy, {
      kind: 'sync-sysmem',
      regions: [
        { gpa: 0n, size: 0x8000n, offset: 0n, fd: ram2 },
        { gpa: 0x100000n, size: 0x8000n, offset: 0x8000n, fd: ram2 },
      ],
    });
    send(proxy, { kind: 'set-irqfd', irqfd: irq, resamplefd: resample });

    const ino = (fd: Fd) => fstatSync(fd).ino;
    const first = reader.read();
    const second = reader.read();
    const third = reader.read();
    if (first?.kind !== 'sync-sysmem' || second?.kind !== 'sync-sysmem' || third?.kind !== 'set-irqfd') {
      throw new Error(`unexpected messages ${first?.kind} ${second?.kind} ${third?.kind}`);
    }
    track(first.regions.map((r) => r.fd));
    track(second.regions.map((r) => r.fd));
    track([third.irqfd, third.resamplefd]);
    expect(first.regions.map((r) => ino(r.fd))).toEqual([ino(ram1)]);
    expect(second.regions.map((r) => ino(r.fd))).toEqual([ino(ram2), ino(ram2)]);
    expect(second.regions.map((r) => [r.gpa, r.size, r.offset])).toEqual([
      [0n, 0x8000n, 0n],
      [0x100000n, 0x8000n, 0x8000n],
    ]);
    expect([ino(third.irqfd), ino(third.resamplefd)]).toEqual([ino(irq), ino(resample)]);
  });

  it('assembles a message that arrives in pieces (partial header and payload reads loop)', async () => {
    const { proxy, reader } = connection();
    const bytes = encodeMessage({ kind: 'bar-write', space: 'memory', addr: 0xfebff010n, size: 4, value: 0xcafebaben }).bytes;
    // Another thread writes 5 + 6 + 29 bytes with pauses while this one blocks in read().
    const writer = new Worker(
      `const { workerData: { fd, bytes } } = require('node:worker_threads');
       const { writeSync } = require('node:fs');
       const pause = new Int32Array(new SharedArrayBuffer(4));
       for (const [from, to] of [[0, 5], [5, 11], [11, bytes.length]]) {
         writeSync(fd, bytes, from, to - from);
         Atomics.wait(pause, 0, 0, 20);
       }`,
      { eval: true, workerData: { fd: proxy, bytes } },
    );
    const done = new Promise<number>((resolve) => writer.once('exit', resolve));
    expect(reader.read()).toEqual({ kind: 'bar-write', space: 'memory', addr: 0xfebff010n, size: 4, value: 0xcafebaben });
    expect(await done).toBe(0);
  });

  it('rejects the end of stream inside a header or a payload as truncated', () => {
    const bar = encodeMessage({ kind: 'bar-read', space: 'io', addr: 0xc000n, size: 1 }).bytes;
    for (const cut of [1, 15, 16, 39]) {
      const { proxy, reader } = connection();
      writeSync(proxy, bar, 0, cut);
      closeSync(proxy);
      expect(readError(reader).kind).toBe('truncated');
    }
  });

  it('closes descriptors of a SYNC_SYSMEM cut short by the end of stream', () => {
    const { proxy, reader } = connection();
    const ram = track(memfdCreate('cut', 4096));
    const bytes = encodeMessage({ kind: 'sync-sysmem', regions: [{ gpa: 0n, size: 4096n, offset: 0n, fd: ram }] }).bytes;
    const before = openFds();
    sendMsg(proxy, bytes.subarray(0, 100), [ram]);
    closeSync(proxy);
    before.delete(proxy);
    expect(readError(reader).kind).toBe('truncated');
    expect(openFds()).toEqual(before);
  });

  it('rejects descriptors on a BAR message, and closes them', () => {
    const memfd = track(memfdCreate('intruder', 4096));
    const bytes = encodeMessage({ kind: 'bar-write', space: 'io', addr: 0xc000n, size: 4, value: 0n }).bytes;
    const err = expectRejectedWithoutLeak(bytes, [memfd, memfd], 'bad-fds');
    expect(err.message).toMatch(/BAR_WRITE/);
  });

  it('rejects SET_IRQFD without exactly 2 descriptors, and closes what came', () => {
    const efd = track(memfdCreate('efd', 0));
    const bytes = encodeMessage({ kind: 'device-reset' }).bytes;
    bytes.writeInt32LE(6, 0); // SET_IRQFD, size 0
    expectRejectedWithoutLeak(bytes, [efd], 'bad-fds');
    expectRejectedWithoutLeak(bytes, [efd, efd, efd], 'bad-fds');
  });

  it('rejects descriptors that ride on payload bytes instead of the header, closing all of them', () => {
    const { proxy, reader } = connection();
    const a = track(memfdCreate('hdr', 4096));
    const b = track(memfdCreate('payload', 4096));
    const bytes = encodeMessage({ kind: 'sync-sysmem', regions: [{ gpa: 0n, size: 4096n, offset: 0n, fd: a }] }).bytes;
    const before = openFds();
    sendMsg(proxy, bytes.subarray(0, 16), [a]);
    sendMsg(proxy, bytes.subarray(16), [b]);
    expect(readError(reader).kind).toBe('bad-fds');
    expect(openFds()).toEqual(before);
  });

  it('rejects more descriptors than the receive buffer holds (ctrunc), closing those received', () => {
    const memfd = track(memfdCreate('flood', 4096));
    const bytes = encodeMessage({ kind: 'sync-sysmem', regions: [{ gpa: 0n, size: 4096n, offset: 0n, fd: memfd }] }).bytes;
    expectRejectedWithoutLeak(bytes, new Array<Fd>(40).fill(memfd), 'ctrunc');
  });

  it('rejects an unknown command or an oversized payload from the header alone', () => {
    const bad = Buffer.alloc(16);
    bad.writeInt32LE(8, 0);
    expectRejectedWithoutLeak(bad, [], 'bad-command');
    const huge = Buffer.alloc(16);
    huge.writeInt32LE(2, 0);
    huge.writeBigUInt64LE(1n << 40n, 8);
    expectRejectedWithoutLeak(huge, [], 'bad-size');
  });

  it('rejects a RET from the proxy: only the remote sends RET', () => {
    expectRejectedWithoutLeak(encodeRet(0n), [], 'bad-command');
  });

  it('reads the remote’s RET replies when playing the proxy', () => {
    const [proxy, remote] = track(socketpair());
    writeRet(remote, 0x1b36n);
    writeRet(remote, null);
    const replies = new MessageReader(proxy, 'remote');
    expect(replies.read()).toEqual({ kind: 'ret', value: 0x1b36n });
    expect(replies.read()).toEqual({ kind: 'ret', value: null });
    // A remote never sends a request.
    send(remote, { kind: 'device-reset' });
    expect(readError(replies).kind).toBe('bad-command');
  });

  it('writeRet sends exactly one 24-byte message (or 16 for an empty RET)', () => {
    const [proxy, remote] = track(socketpair());
    writeRet(remote, 0xffff_ffff_ffff_ffffn);
    const got = recvMsg(proxy, 100)!;
    expect(got.data).toEqual(encodeRet(0xffff_ffff_ffff_ffffn));
    expect(got.data.length).toBe(24);
    writeRet(remote, null);
    expect(recvMsg(proxy, 100)!.data.length).toBe(16);
  });
});
