// The QEMU 7.2 multi-process ("mpqemu") wire format: message header, command numbers, payload
// structs, and their strict decoding and encoding (spec/mpqemu.md sections 2 and 3).
//
// A message is a 16-byte header (cmd: i32 LE, 4 bytes padding, size: u64 LE) and `size` payload
// bytes, laid out as the x86-64 C structs: little-endian, natural alignment. Descriptors travel
// beside the bytes as SCM_RIGHTS; decoding takes them as a separate list and checks their count.
// The codec is pure: it never closes a descriptor (the reader does, on error).
import type { Fd } from '../../../native/addon.js';
import type { AccessSize, PciConfigOffset } from '../../../shared-mem/types.js';
import { ProtocolError } from './protocol-error.js';

export const HEADER_BYTES = 16;
/** Largest payload (SyncSysmem); QEMU rejects anything bigger ("Invalid size for message"). */
export const MAX_PAYLOAD_BYTES = 192;
/** SYNC_SYSMEM carries one descriptor per region, at most 8 (QEMU's REMOTE_MAX_FDS). */
export const MAX_MESSAGE_FDS = 8;

/** Command numbers (spec section 3). */
export const Command = {
  SYNC_SYSMEM: 0,
  RET: 1,
  PCI_CFGWRITE: 2,
  PCI_CFGREAD: 3,
  BAR_WRITE: 4,
  BAR_READ: 5,
  SET_IRQFD: 6,
  DEVICE_RESET: 7,
} as const;
export type Command = (typeof Command)[keyof typeof Command];

// Payload sizes per struct (spec section 2).
export const PCI_CONF_DATA_BYTES = 12;
export const BAR_ACCESS_BYTES = 24;
export const SYNC_SYSMEM_BYTES = 192;
export const RET_VALUE_BYTES = 8;

/** Conventional PCI configuration space: the proxy is a conventional device (spec 2). */
const PCI_CONFIG_SPACE_BYTES = 256;

export interface MessageHeader {
  command: Command;
  /** Payload bytes that follow, 0..192. */
  size: number;
}

/** Region i of a SYNC_SYSMEM: guest-physical [gpa, gpa + size) is file `fd` at `offset`.
 *  Values as sent (u64, u64, i64); sysmem.ts validates them. */
export interface SysmemEntry {
  gpa: bigint;
  size: bigint;
  offset: bigint;
  fd: Fd;
}

/** Width of a config access: PciConfData.len. */
export type PciConfigWidth = 1 | 2 | 4;
/** BarAccess.memory: which address space `addr` is in. */
export type BarSpace = 'memory' | 'io';

export type MpqemuMessage =
  /** The whole of guest RAM, replacing the previous list; no reply. */
  | { kind: 'sync-sysmem'; regions: SysmemEntry[] }
  /** The reply to PCI_CFG*, BAR_* and DEVICE_RESET; null value = empty payload (reads as 0). */
  | { kind: 'ret'; value: bigint | null }
  /** Config write; the low `width` bytes of `value` are significant. Reply: RET 0 (or ~0 = error). */
  | { kind: 'pci-cfgwrite'; offset: PciConfigOffset; width: PciConfigWidth; value: number }
  /** Config read. Reply: RET with the value in the low `width` bytes. */
  | { kind: 'pci-cfgread'; offset: PciConfigOffset; width: PciConfigWidth }
  /** BAR write at an absolute address (guest-physical, or an I/O port). Reply: RET (ignored). */
  | { kind: 'bar-write'; space: BarSpace; addr: bigint; size: AccessSize; value: bigint }
  /** BAR read at an absolute address. Reply: RET with the value in the low `size` bytes. */
  | { kind: 'bar-read'; space: BarSpace; addr: bigint; size: AccessSize }
  /** INTx wiring: irqfd to raise the line, resamplefd readable after the guest's EOI. No reply. */
  | { kind: 'set-irqfd'; irqfd: Fd; resamplefd: Fd }
  /** Device reset. Reply: RET (QEMU's remote sends it empty). */
  | { kind: 'device-reset' };

export type MessageKind = MpqemuMessage['kind'];

const U64_MAX = (1n << 64n) - 1n;
const U32_MAX = 0xffff_ffff;
const EMPTY = new Uint8Array(0);

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function isCommand(n: number): n is Command {
  return Number.isInteger(n) && n >= Command.SYNC_SYSMEM && n <= Command.DEVICE_RESET;
}

/** Decodes the 16-byte header: cmd must be 0..7 and size at most 192 (padding is ignored). */
export function decodeHeader(bytes: Uint8Array): MessageHeader {
  if (bytes.length !== HEADER_BYTES) {
    throw new ProtocolError('truncated', `header is ${bytes.length} bytes, not ${HEADER_BYTES}`);
  }
  const v = view(bytes);
  const cmd = v.getInt32(0, true);
  const size = v.getBigUint64(8, true);
  if (!isCommand(cmd)) throw new ProtocolError('bad-command', `unknown command ${cmd}`);
  if (size > BigInt(MAX_PAYLOAD_BYTES)) {
    throw new ProtocolError('bad-size', `payload size ${size} exceeds ${MAX_PAYLOAD_BYTES} (cmd ${cmd})`);
  }
  return { command: cmd, size: Number(size) };
}

const COMMAND_NAMES: Record<Command, string> = {
  [Command.SYNC_SYSMEM]: 'SYNC_SYSMEM',
  [Command.RET]: 'RET',
  [Command.PCI_CFGWRITE]: 'PCI_CFGWRITE',
  [Command.PCI_CFGREAD]: 'PCI_CFGREAD',
  [Command.BAR_WRITE]: 'BAR_WRITE',
  [Command.BAR_READ]: 'BAR_READ',
  [Command.SET_IRQFD]: 'SET_IRQFD',
  [Command.DEVICE_RESET]: 'DEVICE_RESET',
};

export function commandName(command: Command): string {
  return COMMAND_NAMES[command];
}

function requireSize(header: MessageHeader, allowed: readonly number[]): void {
  if (!allowed.includes(header.size)) {
    throw new ProtocolError(
      'bad-size',
      `${commandName(header.command)} payload is ${header.size} bytes, expected ${allowed.join(' or ')}`,
    );
  }
}

function requireFdCount(header: MessageHeader, fds: readonly Fd[], min: number, max: number): void {
  if (fds.length < min || fds.length > max) {
    const expected = min === max ? `${min}` : `${min}..${max}`;
    throw new ProtocolError(
      'bad-fds',
      `${commandName(header.command)} came with ${fds.length} descriptors, expected ${expected}`,
    );
  }
}

function decodePciConfData(
  payload: Uint8Array,
): { offset: PciConfigOffset; width: PciConfigWidth; value: number } {
  const v = view(payload);
  const addr = v.getUint32(0, true);
  const value = v.getUint32(4, true);
  const len = v.getInt32(8, true);
  if (len !== 1 && len !== 2 && len !== 4) throw new ProtocolError('bad-field', `config access width ${len}`);
  if (addr >= PCI_CONFIG_SPACE_BYTES || len > PCI_CONFIG_SPACE_BYTES - addr) {
    throw new ProtocolError('bad-field', `config access at 0x${addr.toString(16)}/${len} is outside 256 bytes`);
  }
  return { offset: addr as PciConfigOffset, width: len, value };
}

function decodeBarAccess(payload: Uint8Array): { space: BarSpace; addr: bigint; size: AccessSize; value: bigint } {
  const v = view(payload);
  const addr = v.getBigUint64(0, true);
  const value = v.getBigUint64(8, true);
  const size = v.getUint32(16, true);
  const memory = v.getUint8(20);
  if (size !== 1 && size !== 2 && size !== 4 && size !== 8) {
    throw new ProtocolError('bad-field', `BAR access width ${size}`);
  }
  if (memory > 1) throw new ProtocolError('bad-field', `BAR access 'memory' flag is ${memory}, not a bool`);
  return { space: memory === 1 ? 'memory' : 'io', addr, size, value };
}

function decodeSyncSysmem(payload: Uint8Array, fds: readonly Fd[]): SysmemEntry[] {
  const v = view(payload);
  // Three parallel arrays of 8; entry i is meaningful only for i < number of descriptors.
  return fds.map((fd, i) => ({
    gpa: v.getBigUint64(i * 8, true),
    size: v.getBigUint64(64 + i * 8, true),
    offset: v.getBigInt64(128 + i * 8, true),
    fd,
  }));
}

/**
 * Decodes one message from its header, its payload (exactly header.size bytes) and the
 * descriptors that came with it, enforcing the rules QEMU's remote enforces (spec section 3):
 * per-command payload size, descriptor count (SYNC_SYSMEM 1..8, SET_IRQFD exactly 2, others
 * none), plus the field ranges the proxy can produce. Throws only ProtocolError.
 */
export function decodeMessage(header: MessageHeader, payload: Uint8Array, fds: readonly Fd[]): MpqemuMessage {
  if (payload.length !== header.size) {
    throw new ProtocolError('truncated', `payload is ${payload.length} bytes, header says ${header.size}`);
  }
  switch (header.command) {
    case Command.SYNC_SYSMEM:
      requireSize(header, [SYNC_SYSMEM_BYTES]);
      requireFdCount(header, fds, 1, MAX_MESSAGE_FDS);
      return { kind: 'sync-sysmem', regions: decodeSyncSysmem(payload, fds) };
    case Command.RET:
      requireSize(header, [0, RET_VALUE_BYTES]);
      requireFdCount(header, fds, 0, 0);
      return { kind: 'ret', value: header.size === 0 ? null : view(payload).getBigUint64(0, true) };
    case Command.PCI_CFGWRITE: {
      requireSize(header, [PCI_CONF_DATA_BYTES]);
      requireFdCount(header, fds, 0, 0);
      const { offset, width, value } = decodePciConfData(payload);
      return { kind: 'pci-cfgwrite', offset, width, value };
    }
    case Command.PCI_CFGREAD: {
      requireSize(header, [PCI_CONF_DATA_BYTES]);
      requireFdCount(header, fds, 0, 0);
      const { offset, width } = decodePciConfData(payload);
      return { kind: 'pci-cfgread', offset, width };
    }
    case Command.BAR_WRITE: {
      requireSize(header, [BAR_ACCESS_BYTES]);
      requireFdCount(header, fds, 0, 0);
      const { space, addr, size, value } = decodeBarAccess(payload);
      return { kind: 'bar-write', space, addr, size, value };
    }
    case Command.BAR_READ: {
      requireSize(header, [BAR_ACCESS_BYTES]);
      requireFdCount(header, fds, 0, 0);
      const { space, addr, size } = decodeBarAccess(payload);
      return { kind: 'bar-read', space, addr, size };
    }
    case Command.SET_IRQFD:
      requireSize(header, [0]);
      requireFdCount(header, fds, 2, 2);
      return { kind: 'set-irqfd', irqfd: fds[0]!, resamplefd: fds[1]! };
    case Command.DEVICE_RESET:
      requireSize(header, [0]);
      requireFdCount(header, fds, 0, 0);
      return { kind: 'device-reset' };
  }
}

/** Decodes a whole message held in one buffer (header + payload, nothing more). */
export function decodeMessageBytes(bytes: Uint8Array, fds: readonly Fd[] = []): MpqemuMessage {
  if (bytes.length < HEADER_BYTES) {
    throw new ProtocolError('truncated', `message is ${bytes.length} bytes, shorter than its header`);
  }
  const header = decodeHeader(bytes.subarray(0, HEADER_BYTES));
  const payload = bytes.subarray(HEADER_BYTES);
  if (payload.length !== header.size) {
    throw new ProtocolError('truncated', `message has ${payload.length} payload bytes, header says ${header.size}`);
  }
  return decodeMessage(header, payload, fds);
}

/** An encoded message: the bytes to send and the descriptors to attach to them. */
export interface EncodedMessage {
  bytes: Buffer;
  fds: Fd[];
}

function frame(command: Command, payload: Uint8Array): Buffer {
  const out = Buffer.alloc(HEADER_BYTES + payload.length); // zero padding, as QEMU sends
  out.writeInt32LE(command, 0);
  out.writeBigUInt64LE(BigInt(payload.length), 8);
  out.set(payload, HEADER_BYTES);
  return out;
}

function checkU64(value: bigint, what: string): void {
  if (value < 0n || value > U64_MAX) throw new RangeError(`${what} ${value} is not a u64`);
}

function encodePciConfData(offset: number, width: PciConfigWidth, value: number): Buffer {
  if (!Number.isInteger(value) || value < 0 || value > U32_MAX) throw new RangeError(`config value ${value} is not a u32`);
  if (!Number.isInteger(offset) || offset < 0 || offset > U32_MAX) throw new RangeError(`config offset ${offset} is not a u32`);
  const p = Buffer.alloc(PCI_CONF_DATA_BYTES);
  p.writeUInt32LE(offset, 0);
  p.writeUInt32LE(value, 4);
  p.writeInt32LE(width, 8);
  return p;
}

function encodeBarAccess(space: BarSpace, addr: bigint, size: AccessSize, value: bigint): Buffer {
  checkU64(addr, 'BAR address');
  checkU64(value, 'BAR value');
  const p = Buffer.alloc(BAR_ACCESS_BYTES);
  p.writeBigUInt64LE(addr, 0);
  p.writeBigUInt64LE(value, 8);
  p.writeUInt32LE(size, 16);
  p.writeUInt8(space === 'memory' ? 1 : 0, 20);
  return p;
}

function encodeSyncSysmem(regions: readonly SysmemEntry[]): Buffer {
  if (regions.length < 1 || regions.length > MAX_MESSAGE_FDS) {
    throw new RangeError(`SYNC_SYSMEM needs 1..${MAX_MESSAGE_FDS} regions, got ${regions.length}`);
  }
  const p = Buffer.alloc(SYNC_SYSMEM_BYTES);
  regions.forEach((r, i) => {
    checkU64(r.gpa, 'region gpa');
    checkU64(r.size, 'region size');
    if (r.offset < -(1n << 63n) || r.offset >= 1n << 63n) throw new RangeError(`region offset ${r.offset} is not an i64`);
    p.writeBigUInt64LE(r.gpa, i * 8);
    p.writeBigUInt64LE(r.size, 64 + i * 8);
    p.writeBigInt64LE(r.offset, 128 + i * 8);
  });
  return p;
}

/**
 * Encodes any message (the remote itself only ever sends RET; the others serve tests that play
 * the proxy, and a relay). Our own bad values are programming errors: RangeError.
 */
export function encodeMessage(message: MpqemuMessage): EncodedMessage {
  switch (message.kind) {
    case 'sync-sysmem': {
      const payload = encodeSyncSysmem(message.regions);
      return { bytes: frame(Command.SYNC_SYSMEM, payload), fds: message.regions.map((r) => r.fd) };
    }
    case 'ret':
      return { bytes: encodeRet(message.value), fds: [] };
    case 'pci-cfgwrite': {
      const payload = encodePciConfData(message.offset, message.width, message.value);
      return { bytes: frame(Command.PCI_CFGWRITE, payload), fds: [] };
    }
    case 'pci-cfgread': {
      const payload = encodePciConfData(message.offset, message.width, 0);
      return { bytes: frame(Command.PCI_CFGREAD, payload), fds: [] };
    }
    case 'bar-write': {
      const payload = encodeBarAccess(message.space, message.addr, message.size, message.value);
      return { bytes: frame(Command.BAR_WRITE, payload), fds: [] };
    }
    case 'bar-read': {
      const payload = encodeBarAccess(message.space, message.addr, message.size, 0n);
      return { bytes: frame(Command.BAR_READ, payload), fds: [] };
    }
    case 'set-irqfd':
      return { bytes: frame(Command.SET_IRQFD, EMPTY), fds: [message.irqfd, message.resamplefd] };
    case 'device-reset':
      return { bytes: frame(Command.DEVICE_RESET, EMPTY), fds: [] };
  }
}

/** RET with a u64 result (8-byte payload), or with an empty payload when `value` is null. */
export function encodeRet(value: bigint | null): Buffer {
  if (value === null) return frame(Command.RET, EMPTY);
  checkU64(value, 'RET value');
  const p = Buffer.alloc(RET_VALUE_BYTES);
  p.writeBigUInt64LE(value, 0);
  return frame(Command.RET, p);
}
