// A tiny SCRIPTS assembler for the LSI controller tests: builds instruction dwords with the
// encodings of the LSI53C895A data manual chapter 6 (the same ones Linux's sym_defs.h
// macros produce), with labels resolved at assemble() time.

export const PHASE = { DATA_OUT: 0, DATA_IN: 1, COMMAND: 2, STATUS: 3, MSG_OUT: 6, MSG_IN: 7 } as const;
export type Phase = (typeof PHASE)[keyof typeof PHASE];

export const OP = { MOVE: 0, SHL: 1, OR: 2, XOR: 3, AND: 4, SHR: 5, ADD: 6, ADDC: 7 } as const;
export type AluOp = (typeof OP)[keyof typeof OP];

export type Target = string | number;

/** Condition of a transfer control instruction. All tests given must hold ("if true"), or
 *  with `ifFalse` the jump is taken when they do not. */
export interface Condition {
  /** Compare the phase after waiting for REQ. */
  when?: Phase;
  /** Compare the phase lines as they are. */
  if?: Phase;
  /** Compare SFBR with `value` on the bits set in `mask` (default all). */
  data?: { value: number; mask?: number };
  carry?: boolean;
  ifFalse?: boolean;
  /** Target is DSP-relative. */
  relative?: boolean;
}

interface Fixup {
  index: number;
  target: string;
  relative: boolean;
  /** Address of the instruction following the one being fixed (for relative targets). */
  next: number;
}

const u32 = (n: number): number => n >>> 0;

export class Script {
  readonly words: number[] = [];
  private readonly labels = new Map<string, number>();
  private readonly fixups: Fixup[] = [];

  constructor(readonly base: number) {}

  /** Bus address of the next instruction. */
  get here(): number {
    return this.base + this.words.length * 4;
  }

  label(name: string): this {
    if (this.labels.has(name)) throw new Error(`label ${name} defined twice`);
    this.labels.set(name, this.here);
    return this;
  }

  addressOf(name: string): number {
    const a = this.labels.get(name);
    if (a === undefined) throw new Error(`no label ${name}`);
    return a;
  }

  raw(...dwords: number[]): this {
    for (const d of dwords) this.words.push(u32(d));
    return this;
  }

  // ---- block moves
  move(phase: Phase, count: number, addr: number): this {
    return this.raw(0x08000000 | (phase << 24) | count, addr);
  }

  chmov(phase: Phase, count: number, addr: number): this {
    return this.raw((phase << 24) | count, addr);
  }

  moveIndirect(phase: Phase, count: number, pointer: number): this {
    return this.raw(0x28000000 | (phase << 24) | count, pointer);
  }

  /** MOVE/CHMOV with the {count, address} entry at DSA + offset. */
  moveTable(phase: Phase, offset: number, chained = false): this {
    return this.raw((chained ? 0x10000000 : 0x18000000) | (phase << 24), offset & 0xffffff);
  }

  chmovTable(phase: Phase, offset: number): this {
    return this.moveTable(phase, offset, true);
  }

  // ---- I/O
  select(id: number, opts: { atn?: boolean; alt: Target; relative?: boolean }): this {
    const w0 = 0x40000000 | (opts.atn ? 1 << 24 : 0) | (opts.relative ? 1 << 26 : 0) | (id << 16);
    return this.withTarget(w0, opts.alt, !!opts.relative);
  }

  /** SELECT with SCNTL3/ID/SXFER from DSA + offset. */
  selectTable(offset: number, opts: { atn?: boolean; alt: Target }): this {
    const w0 = 0x42000000 | (opts.atn ? 1 << 24 : 0) | (offset & 0xffffff);
    return this.withTarget(w0, opts.alt, false);
  }

  waitDisconnect(): this {
    return this.raw(0x48000000, 0);
  }

  waitReselect(alt: Target, relative = false): this {
    return this.withTarget(0x50000000 | (relative ? 1 << 26 : 0), alt, relative);
  }

  set(flags: { atn?: boolean; ack?: boolean; carry?: boolean; target?: boolean }): this {
    return this.raw(0x58000000 | ioFlags(flags), 0);
  }

  clear(flags: { atn?: boolean; ack?: boolean; carry?: boolean; target?: boolean }): this {
    return this.raw(0x60000000 | ioFlags(flags), 0);
  }

  // ---- read/modify/write
  /** register = SFBR <op> data */
  fromSfbr(reg: number, op: AluOp, data = 0): this {
    return this.raw(0x68000000 | rw(reg, op, data), 0);
  }

  /** SFBR = register <op> data */
  toSfbr(reg: number, op: AluOp, data = 0): this {
    return this.raw(0x70000000 | rw(reg, op, data), 0);
  }

  /** register = register <op> data (or SFBR) */
  modify(reg: number, op: AluOp, data = 0, useSfbr = false): this {
    return this.raw(0x78000000 | rw(reg, op, data) | (useSfbr ? 1 << 23 : 0), 0);
  }

  // ---- transfer control
  jump(target: Target, cond: Condition = {}): this {
    return this.transfer(0, target, cond);
  }

  call(target: Target, cond: Condition = {}): this {
    return this.transfer(1, target, cond);
  }

  ret(cond: Condition = {}): this {
    return this.transfer(2, 0, cond);
  }

  int(vector: number, cond: Condition = {}): this {
    return this.transfer(3, vector, cond);
  }

  intFly(vector: number, cond: Condition = {}): this {
    const w0 = tcWord(3, cond) | (1 << 20);
    return this.raw(w0, vector);
  }

  nop(): this {
    return this.raw(0x80000000, 0); // JUMP if false with no test: never taken
  }

  // ---- memory
  memoryMove(count: number, source: number, dest: number): this {
    return this.raw(0xc0000000 | count, source, dest);
  }

  load(reg: number, count: number, addr: number, dsaRelative = false): this {
    return this.raw(0xe1000000 | (dsaRelative ? 1 << 28 : 0) | (reg << 16) | count, addr);
  }

  store(reg: number, count: number, addr: number, dsaRelative = false): this {
    return this.raw(0xe0000000 | (dsaRelative ? 1 << 28 : 0) | (reg << 16) | count, addr);
  }

  /** Resolves labels; returns the program as bytes (little-endian dwords). */
  assemble(): Uint8Array {
    for (const f of this.fixups) {
      const addr = this.addressOf(f.target);
      if (f.relative) this.words[f.index] = u32((addr - f.next) & 0xffffff);
      else this.words[f.index] = u32(addr);
    }
    const out = new Uint8Array(this.words.length * 4);
    const view = new DataView(out.buffer);
    this.words.forEach((w, i) => view.setUint32(i * 4, w, true));
    return out;
  }

  private transfer(opcode: number, target: Target, cond: Condition): this {
    return this.withTarget(tcWord(opcode, cond), target, !!cond.relative);
  }

  private withTarget(w0: number, target: Target, relative: boolean): this {
    this.words.push(u32(w0));
    const next = this.here + 4;
    if (typeof target === 'number') {
      this.words.push(u32(relative ? (target - next) & 0xffffff : target));
    } else {
      this.fixups.push({ index: this.words.length, target, relative, next });
      this.words.push(0);
    }
    return this;
  }
}

function ioFlags(f: { atn?: boolean; ack?: boolean; carry?: boolean; target?: boolean }): number {
  return (f.atn ? 1 << 3 : 0) | (f.ack ? 1 << 6 : 0) | (f.target ? 1 << 9 : 0) | (f.carry ? 1 << 10 : 0);
}

function rw(reg: number, op: AluOp, data: number): number {
  return (op << 24) | ((reg & 0x7f) << 16) | (reg & 0x80) | ((data & 0xff) << 8);
}

function tcWord(opcode: number, cond: Condition): number {
  let w = 0x80000000 | (opcode << 27);
  // "If true" of no test at all is unconditional; "if false" of none is a no-op.
  if (!cond.ifFalse) w |= 1 << 19;
  const phase = cond.when ?? cond.if;
  if (phase !== undefined) w |= (1 << 17) | (phase << 24);
  if (cond.when !== undefined) w |= 1 << 16;
  if (cond.data) {
    const mask = cond.data.mask ?? 0xff;
    w |= (1 << 18) | (((~mask) & 0xff) << 8) | (cond.data.value & 0xff);
  }
  if (cond.carry) w |= 1 << 21;
  if (cond.relative) w |= 1 << 23;
  return w >>> 0;
}
