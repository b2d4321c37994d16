// Interrupt line levels of one device, shared between its worker (which drives them from the
// core's set_irq import) and the host (which forwards them to the platform: the sim's interrupt
// controller, Xen's set_isa_irq_level / set_pci_intx_level, spec section 7).
//
// Lines are level-triggered wires, so what is shared is the level, not edges: the host reads
// the current level of a line whenever it likes, and a change counter tells it that something
// moved since it last looked (so it can forward every change, also a short pulse that was
// raised and lowered again before the host ran). The worker notifies only when the host sleeps
// on the counter.
//
// Line numbers (core-abi.ts): ISA IRQ 0..15, and 0x100 + n for PCI INTA#..INTD# (n = 0..3).

import { IRQ_PCI_INTA } from '../workers/common/core-abi.js';
import { waitAsync } from './wait-async.js';

const WORDS_PER_LINE = 16;
const MAGIC = 0;
const CHANGES = 1 * WORDS_PER_LINE;
const WAITERS = 2 * WORDS_PER_LINE;
const LEVELS = 3 * WORDS_PER_LINE; // ISA 0..15 at LEVELS+0..15, INTA#..INTD# at LEVELS+16..19

export const IRQ_LINES_MAGIC = 0x4952_514c; // "IRQL"
// Header lines plus the 20 level words, rounded up to whole 64-byte lines.
export const IRQ_LINES_BYTES = 4 * 5 * WORDS_PER_LINE;
export const ISA_IRQ_COUNT = 16;
export const PCI_INTX_COUNT = 4;

/** Index of `line` among the level words, or -1 if it is no line we model. */
function levelIndex(line: number): number {
  if (Number.isInteger(line) && line >= 0 && line < ISA_IRQ_COUNT) return LEVELS + line;
  if (Number.isInteger(line) && line >= IRQ_PCI_INTA && line < IRQ_PCI_INTA + PCI_INTX_COUNT) {
    return LEVELS + ISA_IRQ_COUNT + (line - IRQ_PCI_INTA);
  }
  return -1;
}

/** Every line number this table holds. */
export const IRQ_LINE_NUMBERS: readonly number[] = Object.freeze([
  ...Array.from({ length: ISA_IRQ_COUNT }, (_, i) => i),
  ...Array.from({ length: PCI_INTX_COUNT }, (_, i) => IRQ_PCI_INTA + i),
]);

export class IrqLines {
  private readonly buffer: SharedArrayBuffer;
  private readonly words: Int32Array;

  static create(): IrqLines {
    const sab = new SharedArrayBuffer(IRQ_LINES_BYTES);
    Atomics.store(new Int32Array(sab), MAGIC, IRQ_LINES_MAGIC);
    return new IrqLines(sab);
  }

  static attach(sab: SharedArrayBuffer): IrqLines {
    return new IrqLines(sab);
  }

  private constructor(sab: SharedArrayBuffer) {
    if (!(sab instanceof SharedArrayBuffer) || sab.byteLength !== IRQ_LINES_BYTES) throw new TypeError('not an IRQ line table');
    const words = new Int32Array(sab);
    if (Atomics.load(words, MAGIC) !== IRQ_LINES_MAGIC) throw new TypeError('not an IRQ line table (bad magic)');
    this.buffer = sab;
    this.words = words;
  }

  get sab(): SharedArrayBuffer {
    return this.buffer;
  }

  /** Worker side: drive `line` to `level` (any non-zero level is asserted). Returns false for a
   *  line number that does not exist (the call is then ignored: a core's bug must not kill the
   *  worker). Setting the level a line already has is not a change. `wake` false counts the
   *  change without waking a waiter: for a caller that knows the host samples the lines soon
   *  anyway (see DeviceWorker's set_irq), saving the waiter a thread wake-up. */
  set(line: number, level: number | boolean, wake = true): boolean {
    const index = levelIndex(line);
    if (index < 0) return false;
    const value = level ? 1 : 0;
    if (Atomics.exchange(this.words, index, value) !== value) {
      Atomics.add(this.words, CHANGES, 1);
      if (wake && Atomics.load(this.words, WAITERS) !== 0) Atomics.notify(this.words, CHANGES);
    }
    return true;
  }

  /** Host side: the current level (false for a line that does not exist). */
  level(line: number): boolean {
    const index = levelIndex(line);
    return index >= 0 && Atomics.load(this.words, index) !== 0;
  }

  /** Number of level changes so far (wraps at 2^32; compare for inequality only). */
  changeCount(): number {
    return Atomics.load(this.words, CHANGES);
  }

  /** Resolves with the change count once it differs from `seenCount`, or with the unchanged
   *  count after `timeoutMs`. Never blocks the event loop. */
  async waitChangeAsync(seenCount: number, timeoutMs: number): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const now = Atomics.load(this.words, CHANGES);
      if (now !== (seenCount | 0)) return now;
      const remaining = deadline - performance.now();
      if (remaining <= 0) return now;
      Atomics.add(this.words, WAITERS, 1);
      try {
        await waitAsync(this.words, CHANGES, now, remaining);
      } finally {
        Atomics.sub(this.words, WAITERS, 1);
      }
    }
  }

  /** Blocking variant for threads that may block. */
  waitChange(seenCount: number, timeoutMs: number): number {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const now = Atomics.load(this.words, CHANGES);
      if (now !== (seenCount | 0)) return now;
      const remaining = deadline - performance.now();
      if (remaining <= 0) return now;
      Atomics.add(this.words, WAITERS, 1);
      try {
        Atomics.wait(this.words, CHANGES, now, remaining);
      } finally {
        Atomics.sub(this.words, WAITERS, 1);
      }
    }
  }
}
