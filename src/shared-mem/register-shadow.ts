// The register shadow of one device incarnation: the current values of the few registers its
// core declares side-effect free to read (assembly/common/abi.ts, "register shadow"), kept by
// the device worker in a SharedArrayBuffer so that the host thread can answer a guest read of
// one of them without waking the worker (src/host/shadow-reader.ts decides when it may).
//
// One writer (the device worker), any number of readers (the host thread). Layout, Int32 words:
//
//   0  SEQ           seqlock sequence: odd while the worker is changing the device (a core
//                    call is running or its results are not yet published), even otherwise;
//                    0 = never published (a fresh incarnation's shadow is invalid)
//   1  SERVED        ring requests taken and fully served when the values were published (the
//                    ring's free-running tail counter, compared with the host's head counter)
//   2  ASYNC_EVENTS  changes not caused by a ring request (block completions, timers, control
//                    resets), counted when they begin; lets a checker tell a race from a bug
//   3  COUNT         shadowed registers (written once, before the worker reports ready)
//   16..             COUNT descriptors of 4 words: space, offset, size, flags
//   16 + 4*MAX..     COUNT values (the register's bytes, little-endian, as io_read returns them)
//
// Every word is accessed with Atomics (sequentially consistent), so the classic seqlock needs no
// extra fences: a reader that sees the same even SEQ before and after reading SERVED and the
// values read one published state. The values are published together with SERVED: a reader
// comparing SERVED with what it submitted knows that no request it sent is still unserved.

import { SHADOW_MAX_REGISTERS } from '../workers/common/core-abi.js';

export const SHADOW_MAGIC = 0x5348_4457; // "SHDW"

const SEQ = 0;
const SERVED = 1;
const ASYNC_EVENTS = 2;
const COUNT = 3;
const MAGIC = 4;
const DESCRIPTORS = 16;
const DESCRIPTOR_WORDS = 4;
const VALUES = DESCRIPTORS + DESCRIPTOR_WORDS * SHADOW_MAX_REGISTERS;
export const REGISTER_SHADOW_BYTES = (VALUES + SHADOW_MAX_REGISTERS) * 4;

/** A register the core declared: its address space (SPACE_*), offset in it, width in bytes,
 *  SHADOW_* flags (core-abi.ts). */
export interface ShadowRegister {
  space: number;
  offset: number;
  size: 1 | 2 | 4;
  flags: number;
}

export class RegisterShadow {
  private readonly words: Int32Array;

  static create(): RegisterShadow {
    const sab = new SharedArrayBuffer(REGISTER_SHADOW_BYTES);
    Atomics.store(new Int32Array(sab), MAGIC, SHADOW_MAGIC);
    return new RegisterShadow(sab);
  }

  static attach(sab: SharedArrayBuffer): RegisterShadow {
    return new RegisterShadow(sab);
  }

  private constructor(readonly sab: SharedArrayBuffer) {
    if (!(sab instanceof SharedArrayBuffer) || sab.byteLength !== REGISTER_SHADOW_BYTES) throw new TypeError('not a register shadow');
    this.words = new Int32Array(sab);
    if (Atomics.load(this.words, MAGIC) !== SHADOW_MAGIC) throw new TypeError('not a register shadow (bad magic)');
  }

  // ---- writer (device worker) ---------------------------------------------------------------

  /** Declares the shadowed registers; once, before anything is published. */
  describe(registers: readonly ShadowRegister[]): void {
    if (Atomics.load(this.words, SEQ) !== 0) throw new Error('register shadow: describe() after publish()');
    if (registers.length > SHADOW_MAX_REGISTERS) throw new RangeError(`register shadow: ${registers.length} registers, at most ${SHADOW_MAX_REGISTERS}`);
    registers.forEach((r, i) => {
      if (!Number.isInteger(r.space) || r.space < 0 || !Number.isInteger(r.offset) || r.offset < 0 || r.offset > 0x7fff_ffff || ![1, 2, 4].includes(r.size) || r.offset % r.size !== 0) {
        throw new RangeError(`register shadow: bad register ${JSON.stringify(r)} (offset naturally aligned, size 1, 2 or 4)`);
      }
      const at = DESCRIPTORS + i * DESCRIPTOR_WORDS;
      Atomics.store(this.words, at, r.space);
      Atomics.store(this.words, at + 1, r.offset);
      Atomics.store(this.words, at + 2, r.size);
      Atomics.store(this.words, at + 3, r.flags);
    });
    Atomics.store(this.words, COUNT, registers.length);
  }

  /** The device is about to change (a core call follows): readers must not use the values
   *  until publish(). `async`: the change is not the serving of a ring request. Idempotent
   *  while a change is open. */
  beginChange(async: boolean): void {
    if (async) Atomics.add(this.words, ASYNC_EVENTS, 1);
    const seq = Atomics.load(this.words, SEQ);
    if ((seq & 1) === 0) Atomics.store(this.words, SEQ, (seq + 1) | 0);
  }

  /** Publishes the registers' current values (`read(i)` for register i) and how many ring
   *  requests are served; closes the change (valid from here on). */
  publish(served: number, read: (index: number) => number): void {
    let seq = Atomics.load(this.words, SEQ);
    if ((seq & 1) === 0) {
      seq = (seq + 1) | 0;
      Atomics.store(this.words, SEQ, seq);
    }
    const count = Atomics.load(this.words, COUNT);
    for (let i = 0; i < count; i++) Atomics.store(this.words, VALUES + i, read(i) | 0);
    Atomics.store(this.words, SERVED, served | 0);
    // Never back to 0 (which means "never published") after a wrap.
    const next = (seq + 1) | 0;
    Atomics.store(this.words, SEQ, next === 0 ? 2 : next);
  }

  // ---- reader (host) ------------------------------------------------------------------------

  /** The declared registers (valid once the worker reported ready). */
  registers(): ShadowRegister[] {
    const count = Math.min(Atomics.load(this.words, COUNT), SHADOW_MAX_REGISTERS);
    const out: ShadowRegister[] = [];
    for (let i = 0; i < count; i++) {
      const at = DESCRIPTORS + i * DESCRIPTOR_WORDS;
      out.push({
        space: Atomics.load(this.words, at),
        offset: Atomics.load(this.words, at + 1),
        size: Atomics.load(this.words, at + 2) as 1 | 2 | 4,
        flags: Atomics.load(this.words, at + 3),
      });
    }
    return out;
  }

  /** Starts a consistent read: the sequence to hand to readEnd, or -1 if the values are not
   *  usable now (never published, or a change is open). */
  readBegin(): number {
    const seq = Atomics.load(this.words, SEQ);
    return seq === 0 || (seq & 1) !== 0 ? -1 : seq;
  }

  /** True if nothing was published or begun since readBegin returned `seq`: whatever was read
   *  in between belongs to one published state. */
  readEnd(seq: number): boolean {
    return Atomics.load(this.words, SEQ) === seq;
  }

  served(): number {
    return Atomics.load(this.words, SERVED);
  }

  /** Register `index`'s published value as an unsigned 32-bit number. */
  value(index: number): number {
    return Atomics.load(this.words, VALUES + index) >>> 0;
  }

  asyncEvents(): number {
    return Atomics.load(this.words, ASYNC_EVENTS);
  }
}
