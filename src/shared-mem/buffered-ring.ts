// Xen's buffered ioreq page (`buffered_iopage`): a one-page ring of fire-and-forget writes, for
// accesses whose completion nobody waits for (VGA window writes, the RTC time offset).
// Layout and protocol: /work/shared/spec/xen-ioreq.md section 4 (from Xen's
// ioreq_send_buffered and QEMU's handle_buffered_iopage; this is our own implementation).
//
//   0      u32 read_pointer   advanced by the consumer (the device model), atomically
//   4      u32 write_pointer  advanced by the producer (Xen, or our sim transport)
//   8      511 slots of 8 bytes: u32 header, u32 data
//
// Header bits: 0-7 type, 8 pad, 9 dir, 10-11 size code (0:1, 1:2, 2:4, 3:8 bytes), 12-31 addr.
// Pointers are free-running 32-bit counters, slot = pointer mod 511 (not a power of two, so a
// plain 2^32 wrap would skip slots). Xen's ATOMIC mode therefore "canonicalises": after a push,
// while read_pointer >= 511 it subtracts the same multiple of 511 from both pointers with one
// 64-bit compare-exchange of the pair. The consumer must cope with that happening between its
// loads: it re-reads read_pointer and restarts if it moved, and it advances read_pointer with an
// atomic add (never a store), so a concurrent canonicalisation is never undone.
//
// One producer and one consumer (Xen serialises producers with a lock; we have exactly one).

import type { AccessSize } from './types.js';
import { IOREQ_TYPE_COPY, IOREQ_TYPE_PIO, IOREQ_TYPE_TIMEOFFSET } from './ioreq.js';

export const BUFFERED_PAGE_BYTES = 4096;
export const BUFFERED_SLOT_COUNT = 511;
export const BUFFERED_SLOT_BYTES = 8;
/** Only addresses that fit the header's 20-bit field can be buffered. */
export const BUFFERED_MAX_ADDR = 0xf_ffff;

const READ_POINTER = 0; // u32 index
const WRITE_POINTER = 1;
const SLOTS_U32 = 2; // first slot's u32 index

const HDR_TYPE_MASK = 0xff;
const HDR_DIR_READ = 1 << 9;
const HDR_SIZE_SHIFT = 10;
const HDR_ADDR_SHIFT = 12;

// Xen retries its canonicalising compare-exchange at most this many times per push.
const CANONICALISE_ATTEMPTS = BUFFERED_SLOT_COUNT;

/** Receives one buffered write: its ioreq type (PIO, COPY or TIMEOFFSET), address (< 1 MiB),
 *  size and value (8-byte values already joined from their two slots). */
export type BufferedWriteHandler = (type: number, addr: number, size: AccessSize, value: bigint) => void;

function sizeCode(size: AccessSize): number {
  return size === 1 ? 0 : size === 2 ? 1 : size === 4 ? 2 : 3;
}

const SIZE_OF_CODE: readonly AccessSize[] = [1, 2, 4, 8];

export class BufferedRing {
  readonly buffer: SharedArrayBuffer;
  readonly byteOffset: number;
  private readonly u32: Uint32Array;
  private readonly pair: BigUint64Array;
  private corrupt = 0;

  static create(): BufferedRing {
    return new BufferedRing(new SharedArrayBuffer(BUFFERED_PAGE_BYTES));
  }

  constructor(buffer: SharedArrayBuffer, byteOffset = 0) {
    if (byteOffset < 0 || byteOffset % 8 !== 0 || byteOffset + BUFFERED_PAGE_BYTES > buffer.byteLength) {
      throw new RangeError('a buffered ioreq page needs 4096 bytes at an 8-byte aligned offset');
    }
    this.buffer = buffer;
    this.byteOffset = byteOffset;
    this.u32 = new Uint32Array(buffer, byteOffset, BUFFERED_PAGE_BYTES / 4);
    this.pair = new BigUint64Array(buffer, byteOffset, 1);
  }

  /** Slots written but not yet consumed (0..511 for a sane page). */
  pending(): number {
    return (Atomics.load(this.u32, WRITE_POINTER) - Atomics.load(this.u32, READ_POINTER)) >>> 0;
  }

  /** Slots (or slot pairs) the consumer skipped because they could not be a valid write. */
  get corruptSlots(): number {
    return this.corrupt;
  }

  // ---- producer ---------------------------------------------------------------------------

  /**
   * Queues one write. False when Xen would not buffer it: the ring is full by Xen's rule
   * (`write - read >= 511`, or `>= 510` for an 8-byte value, which takes two slots), or the
   * access is not bufferable (addr above 20 bits, size not 1/2/4/8, type not a byte). The caller
   * then sends it synchronously instead, as Xen does.
   */
  tryPush(type: number, addr: number, size: AccessSize, value: bigint | number): boolean {
    if (!Number.isInteger(type) || type < 0 || type > HDR_TYPE_MASK) return false;
    if (!Number.isInteger(addr) || addr < 0 || addr > BUFFERED_MAX_ADDR) return false;
    if (size !== 1 && size !== 2 && size !== 4 && size !== 8) return false;
    const wide = size === 8;
    const read = Atomics.load(this.u32, READ_POINTER);
    const write = Atomics.load(this.u32, WRITE_POINTER);
    if (((write - read) >>> 0) >= BUFFERED_SLOT_COUNT - (wide ? 1 : 0)) return false;

    const v = BigInt.asUintN(64, typeof value === 'bigint' ? value : BigInt(Math.trunc(value)));
    const header = (type | (sizeCode(size) << HDR_SIZE_SHIFT) | (addr << HDR_ADDR_SHIFT)) >>> 0; // dir = write
    this.writeSlot(write, header, Number(v & 0xffff_ffffn));
    if (wide) this.writeSlot((write + 1) >>> 0, header, Number(v >> 32n));
    // The slots are plain writes; this sequentially consistent store publishes them.
    Atomics.store(this.u32, WRITE_POINTER, (write + (wide ? 2 : 1)) >>> 0);
    this.canonicalise();
    return true;
  }

  private writeSlot(pointer: number, header: number, data: number): void {
    const i = SLOTS_U32 + (pointer % BUFFERED_SLOT_COUNT) * 2;
    this.u32[i] = header;
    this.u32[i + 1] = data;
  }

  /** Keeps both pointers small (ATOMIC mode): subtract n*511 from the pair in one 64-bit CAS. */
  private canonicalise(): void {
    for (let attempt = 0; attempt < CANONICALISE_ATTEMPTS; attempt++) {
      const old = Atomics.load(this.pair, 0);
      const read = Number(old & 0xffff_ffffn);
      if (read < BUFFERED_SLOT_COUNT) return;
      const write = Number(old >> 32n);
      const drop = read - (read % BUFFERED_SLOT_COUNT);
      const next = BigInt(read - drop) | (BigInt((write - drop) >>> 0) << 32n);
      if (Atomics.compareExchange(this.pair, 0, old, next) === old) return;
    }
  }

  // ---- consumer ---------------------------------------------------------------------------

  /**
   * Hands every queued write to `handler`, oldest first, and returns how many it delivered.
   * Stops after `maxEntries` writes so a producer that never stops cannot keep the caller here.
   * A slot that cannot be a valid buffered write (a read, an unknown type, an 8-byte value
   * missing its second half, pointers further apart than the ring is long) is skipped and
   * counted in `corruptSlots`, never thrown on. The read pointer is advanced before `handler`
   * runs: if the handler throws, that write is consumed and the exception propagates.
   */
  drain(handler: BufferedWriteHandler, maxEntries: number = BUFFERED_SLOT_COUNT): number {
    let delivered = 0;
    // Every iteration consumes at least one slot or is a restart caused by the producer's
    // canonicalisation; both are bounded, so is the loop.
    const maxIterations = 4 * BUFFERED_SLOT_COUNT + maxEntries;
    for (let iteration = 0; iteration < maxIterations && delivered < maxEntries; iteration++) {
      const read = Atomics.load(this.u32, READ_POINTER);
      const write = Atomics.load(this.u32, WRITE_POINTER);
      if (Atomics.load(this.u32, READ_POINTER) !== read) continue; // canonicalised in between
      if (read === write) break;
      const available = (write - read) >>> 0;
      if (available > BUFFERED_SLOT_COUNT) {
        // The pointers cannot both be right; no slot between them can be trusted.
        this.corrupt++;
        Atomics.add(this.u32, READ_POINTER, available);
        break;
      }

      const first = SLOTS_U32 + (read % BUFFERED_SLOT_COUNT) * 2;
      const header = this.u32[first]!;
      const low = this.u32[first + 1]!;
      const type = header & HDR_TYPE_MASK;
      const size = SIZE_OF_CODE[(header >>> HDR_SIZE_SHIFT) & 3]!;
      let used = 1;
      let value = BigInt(low);
      if (size === 8) {
        if (available < 2) {
          // Xen publishes both halves with one pointer update; half a value is a broken page.
          this.corrupt++;
          Atomics.add(this.u32, READ_POINTER, 1);
          continue;
        }
        const second = SLOTS_U32 + (((read + 1) >>> 0) % BUFFERED_SLOT_COUNT) * 2;
        value |= BigInt(this.u32[second + 1]!) << 32n;
        used = 2;
      }
      const bufferable =
        (header & HDR_DIR_READ) === 0 &&
        (type === IOREQ_TYPE_PIO || type === IOREQ_TYPE_COPY || type === IOREQ_TYPE_TIMEOFFSET);
      Atomics.add(this.u32, READ_POINTER, used);
      if (!bufferable) {
        this.corrupt++;
        continue;
      }
      delivered++;
      handler(type, header >>> HDR_ADDR_SHIFT, size, value);
    }
    return delivered;
  }
}
