// Xen's ioreq_t: the 32-byte record a trapped guest access travels in, from the hypervisor (or
// one of our transports) through the host bridge to a device worker and back.
// Layout: xen/include/public/hvm/ioreq.h, summarised in /work/shared/spec/xen-ioreq.md section 2.
//
//   off size field
//     0    8 addr       port (PIO), guest-physical address (COPY = MMIO), SBDF<<32 | reg (PCI_CONFIG)
//     8    8 data       value, or guest-physical address of a buffer when data_is_ptr
//    16    4 count      repetitions of a rep string instruction; 1 for a plain access
//    20    4 size       bytes per access: 1, 2, 4 or 8
//    24    4 vp_eport   Xen: event channel of the vCPU. HVMIO RE-USES IT AS `space`, see below
//    28    2 _pad0      free (the request ring keeps its own per-slot flags here, request-ring.ts)
//    30    1 bitfield   bits 0-3 state, 4 data_is_ptr, 5 dir (1 = read), 6 df, 7 pad
//    31    1 type       IOREQ_TYPE_*
//
// `space`: once the host bridge has decoded an address to a device, the device needs to know
// WHICH of its windows was hit (BAR n, ROM, legacy ports, legacy memory); see SPACE_* in
// src/workers/common/core-abi.ts. Inside our process the event channel port means nothing
// (transports talk to Xen's event channels themselves), so those 4 bytes carry the space and
// `addr` becomes the offset inside that space. A page mapped from a real Xen keeps vp_eport
// untouched: only the sim transport's and the request ring's copies carry a space.
//
// All multi-byte fields are little-endian (x86 ABI). JS typed arrays use the host's byte order,
// so the state helpers below, which go through an Int32Array for Atomics, assume a little-endian
// host (every platform Node and browsers ship on); the module refuses to load elsewhere.

/** One ioreq_t is 32 bytes. */
export const IOREQ_BYTES = 32;

export const IOREQ_OFFSET_ADDR = 0;
export const IOREQ_OFFSET_DATA = 8;
export const IOREQ_OFFSET_COUNT = 16;
export const IOREQ_OFFSET_SIZE = 20;
/** Xen's vp_eport; in hvmio the decoded address space (SPACE_*), see the file comment. */
export const IOREQ_OFFSET_VP_EPORT = 24;
export const IOREQ_OFFSET_SPACE = IOREQ_OFFSET_VP_EPORT;
export const IOREQ_OFFSET_PAD0 = 28;
/** The bitfield byte: state, data_is_ptr, dir, df. */
export const IOREQ_OFFSET_FLAGS = 30;
export const IOREQ_OFFSET_TYPE = 31;

// Masks on the bitfield byte (offset 30), spec section 2.
export const IOREQ_STATE_MASK = 0x0f;
export const IOREQ_DATA_IS_PTR = 0x10;
/** Set: read (IOREQ_READ = 1); clear: write. */
export const IOREQ_DIR_READ = 0x20;
export const IOREQ_DF = 0x40;

// ioreq types (spec section 2.1).
export const IOREQ_TYPE_PIO = 0;
/** MMIO ("copy" for historical reasons). */
export const IOREQ_TYPE_COPY = 1;
export const IOREQ_TYPE_PCI_CONFIG = 2;
export const IOREQ_TYPE_TIMEOFFSET = 7;
export const IOREQ_TYPE_INVALIDATE = 8;

// Slot states (spec section 3). Only forward moves READY -> INPROCESS -> IORESP_READY are legal
// for a device model; the side that sent the request returns the slot to NONE.
export const STATE_NONE = 0;
export const IOREQ_READY = 1;
export const IOREQ_INPROCESS = 2;
export const IORESP_READY = 3;

/** A decoded ioreq (everything except the state, which is owned by the handshake). */
export interface Ioreq {
  addr: bigint;
  data: bigint;
  count: number;
  size: number;
  /** SPACE_* of core-abi.ts (hvmio's use of vp_eport). */
  space: number;
  dataIsPtr: boolean;
  dir: 'read' | 'write';
  df: boolean;
  type: number;
}

const hostIsLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
if (!hostIsLittleEndian) {
  throw new Error('hvmio shared memory needs a little-endian host: ioreq_t state bits are read through Int32 Atomics');
}

/** True for the types Xen sends to a device model (spec 2.1). */
export function isKnownIoreqType(type: number): boolean {
  return (
    type === IOREQ_TYPE_PIO ||
    type === IOREQ_TYPE_COPY ||
    type === IOREQ_TYPE_PCI_CONFIG ||
    type === IOREQ_TYPE_TIMEOFFSET ||
    type === IOREQ_TYPE_INVALIDATE
  );
}

/** True for a legal access size. */
export function isValidAccessSize(size: number): size is 1 | 2 | 4 | 8 {
  return size === 1 || size === 2 || size === 4 || size === 8;
}

/** All-ones of `size` bytes: what an absent device or a refused read returns. Any size that is
 *  not 1/2/4/8 gets the full 64 bits. */
export function allOnes(size: number): bigint {
  return isValidAccessSize(size) ? (1n << BigInt(size * 8)) - 1n : 0xffff_ffff_ffff_ffffn;
}

/** Decodes the ioreq at `byteOffset` of `view`. Plain reads: call it only after an acquiring
 *  `loadState` showed the slot is yours. */
export function readIoreq(view: DataView, byteOffset: number): Ioreq {
  const flags = view.getUint8(byteOffset + IOREQ_OFFSET_FLAGS);
  return {
    addr: view.getBigUint64(byteOffset + IOREQ_OFFSET_ADDR, true),
    data: view.getBigUint64(byteOffset + IOREQ_OFFSET_DATA, true),
    count: view.getUint32(byteOffset + IOREQ_OFFSET_COUNT, true),
    size: view.getUint32(byteOffset + IOREQ_OFFSET_SIZE, true),
    space: view.getUint32(byteOffset + IOREQ_OFFSET_SPACE, true),
    dataIsPtr: (flags & IOREQ_DATA_IS_PTR) !== 0,
    dir: (flags & IOREQ_DIR_READ) !== 0 ? 'read' : 'write',
    df: (flags & IOREQ_DF) !== 0,
    type: view.getUint8(byteOffset + IOREQ_OFFSET_TYPE),
  };
}

/** Writes every field of `req` at `byteOffset`, keeping the slot's current state bits (the state
 *  is published separately, with `storeState`, after these plain writes). _pad0 is left alone. */
export function writeIoreq(view: DataView, byteOffset: number, req: Ioreq): void {
  view.setBigUint64(byteOffset + IOREQ_OFFSET_ADDR, BigInt.asUintN(64, req.addr), true);
  view.setBigUint64(byteOffset + IOREQ_OFFSET_DATA, BigInt.asUintN(64, req.data), true);
  view.setUint32(byteOffset + IOREQ_OFFSET_COUNT, req.count >>> 0, true);
  view.setUint32(byteOffset + IOREQ_OFFSET_SIZE, req.size >>> 0, true);
  view.setUint32(byteOffset + IOREQ_OFFSET_SPACE, req.space >>> 0, true);
  const state = view.getUint8(byteOffset + IOREQ_OFFSET_FLAGS) & IOREQ_STATE_MASK;
  view.setUint8(
    byteOffset + IOREQ_OFFSET_FLAGS,
    state |
      (req.dataIsPtr ? IOREQ_DATA_IS_PTR : 0) |
      (req.dir === 'read' ? IOREQ_DIR_READ : 0) |
      (req.df ? IOREQ_DF : 0),
  );
  view.setUint8(byteOffset + IOREQ_OFFSET_TYPE, req.type & 0xff);
}

// The state lives in bits 0-3 of byte 30, i.e. bits 16-19 of the little-endian 32-bit word at
// offset 28 (bytes 28..31: _pad0, flags, type).
const STATE_WORD_OFFSET = 28;
const STATE_SHIFT = 16;

/** Where an ioreq's state word can be reached: an Int32Array, or a DataView (the state helpers
 *  then use an Int32Array over the same bytes, made once per DataView). */
export type IoreqMemory = Int32Array | DataView;

const wordsOfView = new WeakMap<DataView, Int32Array>();

function wordsOf(mem: IoreqMemory): Int32Array {
  if (mem instanceof Int32Array) return mem;
  let words = wordsOfView.get(mem);
  if (words === undefined) {
    if (mem.byteOffset % 4 !== 0) throw new RangeError('ioreq memory must start 4-byte aligned for Atomics');
    words = new Int32Array(mem.buffer, mem.byteOffset, mem.byteLength >> 2);
    wordsOfView.set(mem, words);
  }
  return words;
}

function stateWordIndex(words: Int32Array, byteOffset: number): number {
  const index = (byteOffset + STATE_WORD_OFFSET) >> 2;
  if ((byteOffset & 3) !== 0 || index < 0 || index >= words.length) {
    throw new RangeError(`ioreq slot at byte ${byteOffset} is not inside the Int32 view`);
  }
  return index;
}

/** Acquire-load of the state of the ioreq at `byteOffset` (relative to the start of `mem`). */
export function loadState(mem: IoreqMemory, byteOffset: number): number {
  const words = wordsOf(mem);
  return (Atomics.load(words, stateWordIndex(words, byteOffset)) >>> STATE_SHIFT) & IOREQ_STATE_MASK;
}

/** Release-store of the state: replaces bits 0-3 of byte 30 and nothing else, so dir/df/
 *  data_is_ptr (same byte), type (byte 31) and _pad0 survive. A compare-exchange on the containing
 *  word: every other field of the slot is written by whoever owns it before it publishes a state,
 *  so a retry only happens if another thread touched the word in between, and it then made
 *  progress: the loop is lock-free and ends after at most a few rounds. */
export function storeState(mem: IoreqMemory, byteOffset: number, state: number): void {
  const words = wordsOf(mem);
  const index = stateWordIndex(words, byteOffset);
  const bits = (state & IOREQ_STATE_MASK) << STATE_SHIFT;
  const clear = ~(IOREQ_STATE_MASK << STATE_SHIFT);
  for (;;) {
    const old = Atomics.load(words, index);
    if (Atomics.compareExchange(words, index, old, (old & clear) | bits) === old) return;
  }
}

/**
 * Xen's synchronous ioreq page (`shared_iopage`): one ioreq_t per vCPU, slot n at byte 32*n,
 * 128 slots in one 4 KiB page. The sim transport plays Xen's part on it (fills a slot, sets
 * IOREQ_READY, waits for IORESP_READY, sets NONE); the host bridge plays the device model's.
 */
export class SharedIopage {
  static readonly BYTES = 4096;
  static readonly MAX_VCPUS = SharedIopage.BYTES / IOREQ_BYTES;

  readonly buffer: SharedArrayBuffer;
  readonly byteOffset: number;
  readonly vcpus: number;
  private readonly view: DataView;
  private readonly words: Int32Array;

  static create(vcpus: number = SharedIopage.MAX_VCPUS): SharedIopage {
    return new SharedIopage(new SharedArrayBuffer(SharedIopage.BYTES), 0, vcpus);
  }

  constructor(buffer: SharedArrayBuffer, byteOffset = 0, vcpus: number = SharedIopage.MAX_VCPUS) {
    if (!Number.isInteger(vcpus) || vcpus < 1 || vcpus > SharedIopage.MAX_VCPUS) {
      throw new RangeError(`a shared_iopage holds 1..${SharedIopage.MAX_VCPUS} vCPUs, not ${vcpus}`);
    }
    if ((byteOffset & 7) !== 0 || byteOffset < 0 || byteOffset + vcpus * IOREQ_BYTES > buffer.byteLength) {
      throw new RangeError('shared_iopage does not fit the buffer at that (8-byte aligned) offset');
    }
    this.buffer = buffer;
    this.byteOffset = byteOffset;
    this.vcpus = vcpus;
    this.view = new DataView(buffer, byteOffset, vcpus * IOREQ_BYTES);
    this.words = new Int32Array(buffer, byteOffset, (vcpus * IOREQ_BYTES) / 4);
  }

  /** Byte offset of vCPU `vcpu`'s slot inside the page. */
  slotOffset(vcpu: number): number {
    if (!Number.isInteger(vcpu) || vcpu < 0 || vcpu >= this.vcpus) {
      throw new RangeError(`vCPU ${vcpu} has no slot (page has ${this.vcpus})`);
    }
    return vcpu * IOREQ_BYTES;
  }

  read(vcpu: number): Ioreq {
    return readIoreq(this.view, this.slotOffset(vcpu));
  }

  write(vcpu: number, req: Ioreq): void {
    writeIoreq(this.view, this.slotOffset(vcpu), req);
  }

  state(vcpu: number): number {
    return loadState(this.words, this.slotOffset(vcpu));
  }

  setState(vcpu: number, state: number): void {
    storeState(this.words, this.slotOffset(vcpu), state);
  }

  /** Only `data` travels back in an answer (spec 2.2). */
  readData(vcpu: number): bigint {
    return this.view.getBigUint64(this.slotOffset(vcpu) + IOREQ_OFFSET_DATA, true);
  }

  writeData(vcpu: number, data: bigint): void {
    this.view.setBigUint64(this.slotOffset(vcpu) + IOREQ_OFFSET_DATA, BigInt.asUintN(64, data), true);
  }
}
