// Read/modify/write instructions (data manual 6.3, "Read/Write Instructions"): one register
// byte combined with immediate data, or with SFBR, through the SCRIPTS ALU.
//   opcode 5  register = SFBR <op> data       (Move from SFBR)
//   opcode 6  SFBR = register <op> data       (Move to SFBR)
//   opcode 7  register = register <op> data   (read-modify-write; bit 23: SFBR instead of data)
// Operators: move (the operand alone), SHL / SHR (rotate through carry), OR, XOR, AND, ADD
// (carry out) and ADD with carry. Register reads and writes have the same side effects as
// host accesses (reading CTEST2 clears SIGP, which sym53c8xx's START relies on).

import { SFBR } from '../chip/register-map';
import {
  OP_ADD, OP_ADDC, OP_AND, OP_MOVE, OP_OR, OP_SHL, OP_SHR, OP_XOR, RW_FROM_SFBR, RW_MODIFY, RW_TO_SFBR,
  RW_USE_SFBR, opcodeOf, rwDataOf, rwOperatorOf, rwRegisterOf,
} from './instruction-fields';
import { OUT_NEXT, ScriptsProcessor } from './scripts-processor';

export function executeRegisterInstruction(p: ScriptsProcessor, insn: u32): u32 {
  const opcode = opcodeOf(insn);
  const operator = rwOperatorOf(insn);
  const reg = rwRegisterOf(insn);
  let a: u32 = 0;
  let b: u32 = rwDataOf(insn);
  if (opcode == RW_FROM_SFBR) {
    a = p.regs.get8(SFBR);
  } else {
    if (operator != OP_MOVE) a = p.readRegister(reg);
    if (opcode == RW_MODIFY && (insn & RW_USE_SFBR) != 0) b = p.regs.get8(SFBR);
  }
  const result = alu(p, operator, a, b);
  if (opcode == RW_TO_SFBR) p.regs.set8(SFBR, result);
  else p.writeRegister(reg, result);
  return OUT_NEXT;
}

/** The SCRIPTS ALU on bytes; updates the carry for shifts and additions. */
export function alu(p: ScriptsProcessor, operator: u32, a: u32, b: u32): u32 {
  const carryIn: u32 = p.carry ? 1 : 0;
  switch (operator) {
    case OP_MOVE: return b & 0xff;
    case OP_SHL:
      p.carry = (a & 0x80) != 0;
      return ((a << 1) | carryIn) & 0xff;
    case OP_OR: return (a | b) & 0xff;
    case OP_XOR: return (a ^ b) & 0xff;
    case OP_AND: return a & b & 0xff;
    case OP_SHR:
      p.carry = (a & 1) != 0;
      return ((a >> 1) | (carryIn << 7)) & 0xff;
    case OP_ADD: {
      const sum = (a & 0xff) + (b & 0xff);
      p.carry = sum > 0xff;
      return sum & 0xff;
    }
    default: { // OP_ADDC
      const sum = (a & 0xff) + (b & 0xff) + carryIn;
      p.carry = sum > 0xff;
      return sum & 0xff;
    }
  }
}

