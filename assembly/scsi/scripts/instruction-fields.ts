// Bit fields of SCRIPTS instructions (LSI53C895A data manual, chapter 6 "Instruction Set of
// the I/O Processor"; the encodings Linux builds in sym_defs.h). Every instruction is two
// dwords (DCMD|DBC, then DSPS); a memory move and a 64-bit direct block move have a third.
//
//   31:30 type   00 block move · 01 I/O or read/modify/write · 10 transfer control ·
//                11 memory move (bit 29 = 0) or load/store (bit 29 = 1)

export const TYPE_BLOCK_MOVE: u32 = 0;
export const TYPE_IO: u32 = 1;
export const TYPE_TRANSFER_CONTROL: u32 = 2;
export const TYPE_MEMORY: u32 = 3;

export function instructionType(insn: u32): u32 {
  return insn >>> 30;
}

/** Sign-extends a 24-bit field (table indirect offsets, relative jumps, DSA-relative). */
export function signExtend24(value: u32): i32 {
  return (<i32>(value << 8)) >> 8;
}

/** Adds a signed 24-bit displacement to a 32-bit bus address, wrapping like the chip's adder. */
export function displace(base: u32, field: u32): u32 {
  return base + <u32>signExtend24(field & 0xffffff);
}

// ---- block move
export const BM_INDIRECT: u32 = 1 << 29;
export const BM_TABLE_INDIRECT: u32 = 1 << 28;
/** Set: MOVE; clear: CHMOV (chained move: a wide transfer may leave a residue byte). */
export const BM_OPCODE_MOVE: u32 = 1 << 27;

export function phaseOf(insn: u32): u32 {
  return (insn >>> 24) & 7;
}

export function byteCountOf(insn: u32): u32 {
  return insn & 0xffffff;
}

// ---- I/O instructions (type 01, opcode in 29:27)
export const IO_SELECT: u32 = 0;
export const IO_WAIT_DISCONNECT: u32 = 1;
export const IO_WAIT_RESELECT: u32 = 2;
export const IO_SET: u32 = 3;
export const IO_CLEAR: u32 = 4;
export const RW_FROM_SFBR: u32 = 5; // register = SFBR <op> data
export const RW_TO_SFBR: u32 = 6; // SFBR = register <op> data
export const RW_MODIFY: u32 = 7; // register = register <op> data (or SFBR)

export function opcodeOf(insn: u32): u32 {
  return (insn >>> 27) & 7;
}

export const IO_RELATIVE: u32 = 1 << 26;
export const IO_TABLE_INDIRECT: u32 = 1 << 25;
export const IO_SELECT_ATN: u32 = 1 << 24;
export const IO_CARRY: u32 = 1 << 10;
export const IO_TARGET_MODE: u32 = 1 << 9;
export const IO_ACK: u32 = 1 << 6;
export const IO_ATN: u32 = 1 << 3;

export function selectIdOf(word: u32): u32 {
  return (word >>> 16) & 0xf;
}

// ---- read/modify/write (type 01, opcodes 5..7)
export const RW_USE_SFBR: u32 = 1 << 23;

export function rwOperatorOf(insn: u32): u32 {
  return (insn >>> 24) & 7;
}

/** Register address: bits 22:16 plus A7 in bit 7. */
export function rwRegisterOf(insn: u32): u32 {
  return ((insn >>> 16) & 0x7f) | (insn & 0x80);
}

export function rwDataOf(insn: u32): u32 {
  return (insn >>> 8) & 0xff;
}

export const OP_MOVE: u32 = 0;
export const OP_SHL: u32 = 1;
export const OP_OR: u32 = 2;
export const OP_XOR: u32 = 3;
export const OP_AND: u32 = 4;
export const OP_SHR: u32 = 5;
export const OP_ADD: u32 = 6;
export const OP_ADDC: u32 = 7;

// ---- transfer control (type 10, opcode in 29:27)
export const TC_JUMP: u32 = 0;
export const TC_CALL: u32 = 1;
export const TC_RETURN: u32 = 2;
export const TC_INT: u32 = 3;

export const TC_RELATIVE: u32 = 1 << 23;
export const TC_RESERVED_22: u32 = 1 << 22;
export const TC_CARRY_TEST: u32 = 1 << 21;
export const TC_INT_ON_FLY: u32 = 1 << 20;
export const TC_IF_TRUE: u32 = 1 << 19;
export const TC_COMPARE_DATA: u32 = 1 << 18;
export const TC_COMPARE_PHASE: u32 = 1 << 17;
export const TC_WAIT_PHASE: u32 = 1 << 16;

/** Bits set in the mask field exclude the SFBR bit from the data comparison. */
export function tcMaskOf(insn: u32): u32 {
  return (insn >>> 8) & 0xff;
}

export function tcDataOf(insn: u32): u32 {
  return insn & 0xff;
}

// ---- memory move / load-store (type 11)
export const MEM_LOAD_STORE: u32 = 1 << 29;
export const LS_DSA_RELATIVE: u32 = 1 << 28;
export const LS_LOAD: u32 = 1 << 24;
/** DCMD bits 3:2 (instruction bits 27:26) must be zero in LOAD/STORE. */
export const LS_RESERVED: u32 = (1 << 27) | (1 << 26);
/** DCMD bits 4:1 (instruction bits 28:25) are reserved in a memory move. */
export const MM_RESERVED: u32 = (1 << 28) | (1 << 27) | (1 << 26) | (1 << 25);

export function lsRegisterOf(insn: u32): u32 {
  return (insn >>> 16) & 0xff;
}

export function lsCountOf(insn: u32): u32 {
  return insn & 0x7;
}
