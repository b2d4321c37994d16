// The mpqemu codec against the wire layout of spec/mpqemu.md sections 2-3: byte-exact layouts
// built by hand here (not by the encoder), round trips of every message, and every rule a
// malformed message can break.
import { describe, expect, it } from 'vitest';

import {
  Command,
  HEADER_BYTES,
  type MpqemuMessage,
  decodeHeader,
  decodeMessage,
  decodeMessageBytes,
  encodeMessage,
  encodeRet,
} from '../../src/host/transports/mpqemu/messages.js';
import { ProtocolError, type ProtocolErrorKind } from '../../src/host/transports/mpqemu/protocol-error.js';
import { type PciConfigOffset, cfgOffset } from '../../src/shared-mem/types.js';

/** A message as QEMU lays it out: cmd i32, 4 padding bytes, size u64, payload. */
function wire(cmd: number, payload: Uint8Array, size: bigint = BigInt(payload.length)): Buffer {
  const b = Buffer.alloc(HEADER_BYTES + payload.length);
  b.writeInt32LE(cmd, 0);
  b.writeBigUInt64LE(size, 8);
  b.set(payload, HEADER_BYTES);
  return b;
}

function pciConfData(addr: number, val: number, len: number): Buffer {
  const p = Buffer.alloc(12);
  p.writeUInt32LE(addr, 0);
  p.writeUInt32LE(val, 4);
  p.writeInt32LE(len, 8);
  return p;
}

function barAccess(addr: bigint, val: bigint, size: number, memory: number): Buffer {
  const p = Buffer.alloc(24);
  p.writeBigUInt64LE(addr, 0);
  p.writeBigUInt64LE(val, 8);
  p.writeUInt32LE(size, 16);
  p.writeUInt8(memory, 20);
  return p;
}

function syncSysmem(regions: { gpa: bigint; size: bigint; offset: bigint }[]): Buffer {
  const p = Buffer.alloc(192);
  regions.forEach((r, i) => {
    p.writeBigUInt64LE(r.gpa, i * 8);
    p.writeBigUInt64LE(r.size, 64 + i * 8);
    p.writeBigInt64LE(r.offset, 128 + i * 8);
  });
  return p;
}

function protocolError(fn: () => unknown): ProtocolError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ProtocolError);
    return err as ProtocolError;
  }
  throw new Error('expected a ProtocolError, nothing was thrown');
}

function expectRejected(kind: ProtocolErrorKind, fn: () => unknown, reason?: RegExp): void {
  const err = protocolError(fn);
  expect(err.kind).toBe(kind);
  expect(err.message).not.toContain('\n'); // one line
  if (reason) expect(err.message).toMatch(reason);
}

describe('decoding QEMU-layout bytes', () => {
  it('reads the header and ignores its padding', () => {
    const b = wire(Command.BAR_READ, barAccess(0xc00cn, 0n, 4, 0));
    b.fill(0xaa, 4, 8); // padding is not looked at
    expect(decodeHeader(b.subarray(0, 16))).toEqual({ command: 5, size: 24 });
  });

  it('PCI config read and write (PciConfData: addr u32, val u32, len i32)', () => {
    expect(decodeMessageBytes(wire(3, pciConfData(0x10, 0, 4)))).toEqual({ kind: 'pci-cfgread', offset: 0x10, width: 4 });
    expect(decodeMessageBytes(wire(2, pciConfData(0x3c, 0x0a, 1)))).toEqual({
      kind: 'pci-cfgwrite',
      offset: 0x3c,
      width: 1,
      value: 0x0a,
    });
    expect(decodeMessageBytes(wire(2, pciConfData(0x10, 0xffffffff, 4)))).toMatchObject({ value: 0xffffffff });
  });

  it('BAR read and write (BarAccess: addr u64, val u64, size u32, memory bool)', () => {
    // spec 6.2: BAR_WRITE mem addr=0xfebff010 size=4 val=0xcafebabe; BAR_WRITE io addr=0xc004
    expect(decodeMessageBytes(wire(4, barAccess(0xfebff010n, 0xcafebaben, 4, 1)))).toEqual({
      kind: 'bar-write',
      space: 'memory',
      addr: 0xfebff010n,
      size: 4,
      value: 0xcafebaben,
    });
    expect(decodeMessageBytes(wire(5, barAccess(0xc004n, 0n, 1, 0)))).toEqual({
      kind: 'bar-read',
      space: 'io',
      addr: 0xc004n,
      size: 1,
    });
    expect(decodeMessageBytes(wire(4, barAccess(0xffff_ffff_ffff_fff8n, 0xffff_ffff_ffff_ffffn, 8, 1)))).toMatchObject({
      addr: 0xffff_ffff_ffff_fff8n,
      value: 0xffff_ffff_ffff_ffffn,
    });
  });

  it('SYNC_SYSMEM: entry i for each of the descriptors, the rest of the arrays ignored', () => {
    const payload = syncSysmem([
      { gpa: 0n, size: 0xc0000n, offset: 0n },
      { gpa: 0x100000n, size: 0xff00000n, offset: 0x100000n },
      { gpa: 0xdeadn, size: 1n, offset: -1n }, // no descriptor for it: not an entry
    ]);
    expect(decodeMessageBytes(wire(0, payload), [11, 12])).toEqual({
      kind: 'sync-sysmem',
      regions: [
        { gpa: 0n, size: 0xc0000n, offset: 0n, fd: 11 },
        { gpa: 0x100000n, size: 0xff00000n, offset: 0x100000n, fd: 12 },
      ],
    });
    // offsets are off_t: signed
    const negative = syncSysmem([{ gpa: 0n, size: 4096n, offset: -4096n }]);
    expect(decodeMessageBytes(wire(0, negative), [5])).toMatchObject({ regions: [{ offset: -4096n }] });
  });

  it('SET_IRQFD: irqfd first, resamplefd second', () => {
    expect(decodeMessageBytes(wire(6, Buffer.alloc(0)), [9, 10])).toEqual({ kind: 'set-irqfd', irqfd: 9, resamplefd: 10 });
  });

  it('DEVICE_RESET, and RET with 8 bytes or with none', () => {
    expect(decodeMessageBytes(wire(7, Buffer.alloc(0)))).toEqual({ kind: 'device-reset' });
    const v = Buffer.alloc(8);
    v.writeBigUInt64LE(0x90n);
    expect(decodeMessageBytes(wire(1, v))).toEqual({ kind: 'ret', value: 0x90n });
    expect(decodeMessageBytes(wire(1, Buffer.alloc(0)))).toEqual({ kind: 'ret', value: null });
  });
});

describe('encoding', () => {
  const off = (n: number): PciConfigOffset => cfgOffset(n);
  const messages: { message: MpqemuMessage; fds: number[] }[] = [
    {
      message: {
        kind: 'sync-sysmem',
        regions: [
          { gpa: 0n, size: 0xc0000000n, offset: 0n, fd: 3 },
          { gpa: 0x100000000n, size: 0x80000000n, offset: 0xc0000000n, fd: 4 },
        ],
      },
      fds: [3, 4],
    },
    {
      message: {
        kind: 'sync-sysmem',
        regions: Array.from({ length: 8 }, (_, i) => ({ gpa: BigInt(i) << 32n, size: 4096n, offset: BigInt(i * 4096), fd: 20 + i })),
      },
      fds: [20, 21, 22, 23, 24, 25, 26, 27],
    },
    { message: { kind: 'ret', value: 0n }, fds: [] },
    { message: { kind: 'ret', value: 0xffff_ffff_ffff_ffffn }, fds: [] },
    { message: { kind: 'ret', value: null }, fds: [] },
    { message: { kind: 'pci-cfgwrite', offset: off(0x04), width: 2, value: 0x103 }, fds: [] },
    { message: { kind: 'pci-cfgwrite', offset: off(0xfc), width: 4, value: 0xffffffff }, fds: [] },
    { message: { kind: 'pci-cfgread', offset: off(0xff), width: 1 }, fds: [] },
    { message: { kind: 'bar-write', space: 'io', addr: 0xc00cn, size: 4, value: 1n }, fds: [] },
    { message: { kind: 'bar-write', space: 'memory', addr: 0xfebff000n, size: 8, value: 0x0123456789abcdefn }, fds: [] },
    { message: { kind: 'bar-read', space: 'memory', addr: 0xfebff010n, size: 2 }, fds: [] },
    { message: { kind: 'set-irqfd', irqfd: 9, resamplefd: 10 }, fds: [9, 10] },
    { message: { kind: 'device-reset' }, fds: [] },
  ];

  it.each(messages.map((m) => [m.message.kind, m] as const))('round-trips %s', (_kind, { message, fds }) => {
    const encoded = encodeMessage(message);
    expect(encoded.fds).toEqual(fds);
    expect(decodeMessageBytes(encoded.bytes, encoded.fds)).toEqual(message);
  });

  it('lays out bytes exactly as QEMU does', () => {
    expect(encodeMessage({ kind: 'pci-cfgwrite', offset: off(0x3c), width: 1, value: 0xa }).bytes).toEqual(
      wire(2, pciConfData(0x3c, 0xa, 1)),
    );
    expect(encodeMessage({ kind: 'bar-read', space: 'io', addr: 0xc00cn, size: 1 }).bytes).toEqual(
      wire(5, barAccess(0xc00cn, 0n, 1, 0)),
    );
    const ret = encodeRet(0x1b36n);
    expect(ret.length).toBe(24);
    expect(ret.readInt32LE(0)).toBe(1);
    expect(ret.readBigUInt64LE(8)).toBe(8n);
    expect(ret.readBigUInt64LE(16)).toBe(0x1b36n);
    expect(encodeRet(null)).toEqual(wire(1, Buffer.alloc(0)));
  });

  it('refuses values that do not fit their fields', () => {
    expect(() => encodeRet(-1n)).toThrow(RangeError);
    expect(() => encodeRet(1n << 64n)).toThrow(RangeError);
    expect(() => encodeMessage({ kind: 'sync-sysmem', regions: [] })).toThrow(RangeError);
  });
});

describe('malformed messages', () => {
  it('rejects a command outside 0..7', () => {
    for (const cmd of [-1, 8, 0x7fffffff]) {
      expectRejected('bad-command', () => decodeMessageBytes(wire(cmd, Buffer.alloc(0))), new RegExp(`${cmd}`));
    }
  });

  it('rejects a size above 192, including sizes that do not fit a JS number', () => {
    const header = (size: bigint) => wire(Command.DEVICE_RESET, Buffer.alloc(0), size).subarray(0, 16);
    expectRejected('bad-size', () => decodeHeader(header(193n)));
    expectRejected('bad-size', () => decodeHeader(header(1n << 63n)));
    expectRejected('bad-size', () => decodeHeader(header((1n << 64n) - 1n)));
    expect(decodeHeader(header(192n)).size).toBe(192);
  });

  it.each([
    ['SYNC_SYSMEM', Command.SYNC_SYSMEM, [0, 12, 191], [7]],
    ['RET', Command.RET, [4, 12], []],
    ['PCI_CFGWRITE', Command.PCI_CFGWRITE, [0, 8, 24], []],
    ['PCI_CFGREAD', Command.PCI_CFGREAD, [0, 11, 13], []],
    ['BAR_WRITE', Command.BAR_WRITE, [0, 12, 192], []],
    ['BAR_READ', Command.BAR_READ, [8, 23], []],
    ['SET_IRQFD', Command.SET_IRQFD, [8], [1, 2]],
    ['DEVICE_RESET', Command.DEVICE_RESET, [8, 12], []],
  ] as const)('rejects a %s payload of the wrong size', (name, cmd, sizes, fds) => {
    for (const size of sizes) {
      expectRejected('bad-size', () => decodeMessageBytes(wire(cmd, Buffer.alloc(size)), fds), new RegExp(name));
    }
  });

  it('rejects descriptors on messages that carry none (BAR, config, reset, RET)', () => {
    expectRejected('bad-fds', () => decodeMessageBytes(wire(4, barAccess(0xc000n, 1n, 4, 0)), [7]), /BAR_WRITE.*1 descriptors/);
    expectRejected('bad-fds', () => decodeMessageBytes(wire(5, barAccess(0xc000n, 0n, 4, 0)), [7, 8]));
    expectRejected('bad-fds', () => decodeMessageBytes(wire(3, pciConfData(0, 0, 4)), [7]));
    expectRejected('bad-fds', () => decodeMessageBytes(wire(7, Buffer.alloc(0)), [7]));
    expectRejected('bad-fds', () => decodeMessageBytes(wire(1, Buffer.alloc(8)), [7]));
  });

  it('rejects SET_IRQFD without exactly 2 descriptors', () => {
    for (const fds of [[], [9], [9, 10, 11]]) {
      expectRejected('bad-fds', () => decodeMessageBytes(wire(6, Buffer.alloc(0)), fds), /SET_IRQFD/);
    }
  });

  it('rejects SYNC_SYSMEM with no descriptor or more than 8 (8 is accepted)', () => {
    const payload = syncSysmem([]);
    expectRejected('bad-fds', () => decodeMessageBytes(wire(0, payload), []));
    expectRejected('bad-fds', () => decodeMessageBytes(wire(0, payload), [1, 2, 3, 4, 5, 6, 7, 8, 9]));
    expect(decodeMessageBytes(wire(0, payload), [1, 2, 3, 4, 5, 6, 7, 8])).toMatchObject({ kind: 'sync-sysmem' });
  });

  it('rejects config accesses of a width other than 1, 2, 4 or outside the 256-byte space', () => {
    for (const len of [0, 3, 8, -1]) expectRejected('bad-field', () => decodeMessageBytes(wire(3, pciConfData(0, 0, len))));
    expectRejected('bad-field', () => decodeMessageBytes(wire(3, pciConfData(0x100, 0, 1))));
    expectRejected('bad-field', () => decodeMessageBytes(wire(2, pciConfData(0xfe, 0, 4))));
    expectRejected('bad-field', () => decodeMessageBytes(wire(2, pciConfData(0xffffffff, 0, 1))));
  });

  it('rejects BAR accesses of a width other than 1, 2, 4, 8 or a memory flag that is not a bool', () => {
    for (const size of [0, 3, 16, 0xffffffff]) expectRejected('bad-field', () => decodeMessageBytes(wire(5, barAccess(0n, 0n, size, 1))));
    expectRejected('bad-field', () => decodeMessageBytes(wire(4, barAccess(0n, 0n, 4, 2))));
  });

  it('rejects a buffer that is not one whole message', () => {
    const whole = encodeMessage({ kind: 'device-reset' }).bytes;
    expectRejected('truncated', () => decodeMessageBytes(whole.subarray(0, 15)));
    expectRejected('truncated', () => decodeHeader(whole.subarray(0, 8)));
    const bar = encodeMessage({ kind: 'bar-read', space: 'io', addr: 0n, size: 1 }).bytes;
    expectRejected('truncated', () => decodeMessageBytes(bar.subarray(0, 30)));
    expectRejected('truncated', () => decodeMessageBytes(Buffer.concat([bar, Buffer.alloc(1)])));
    expectRejected('truncated', () => decodeMessage({ command: Command.BAR_READ, size: 24 }, Buffer.alloc(20), []));
  });
});
