// I/O instructions (data manual 6.3 "I/O Instructions"), initiator role: SELECT [ATN],
// WAIT DISCONNECT, WAIT RESELECT, SET and CLEAR of ACK / ATN / TARGET / CARRY. The same
// instruction type with opcodes 5..7 is the read/modify/write group (register-instruction.ts).
//
// SELECT and WAIT RESELECT jump to the alternate address (DSPS, or DSP-relative with bit 26)
// when the chip is already connected / when ISTAT SIGP is set: that is how sym53c8xx's
// scheduler leaves its idle WAIT RESELECT when the driver queues a new command.

import {
  DNAD, DSA, DSP, ISTAT, ISTAT_SIGP, SCNTL0, SCNTL0_TRG, SCNTL1, SCNTL1_IARB, SCNTL3, SDID, SSTAT0, SSTAT0_WOA,
  SXFER,
} from '../chip/register-map';
import { SELECT_ALREADY_CONNECTED } from '../bus/scsi-bus';
import {
  IO_ACK, IO_ATN, IO_CARRY, IO_CLEAR, IO_RELATIVE, IO_SELECT, IO_SELECT_ATN, IO_SET, IO_TABLE_INDIRECT,
  IO_TARGET_MODE, IO_WAIT_DISCONNECT, IO_WAIT_RESELECT, RW_FROM_SFBR, displace, opcodeOf, selectIdOf,
} from './instruction-fields';
import { executeRegisterInstruction } from './register-instruction';
import { OUT_NEXT, OUT_PARK, ScriptsProcessor } from './scripts-processor';

export function executeIo(p: ScriptsProcessor, insn: u32, arg: u32): u32 {
  const opcode = opcodeOf(insn);
  if (opcode >= RW_FROM_SFBR) return executeRegisterInstruction(p, insn);
  const regs = p.regs;
  const alternate = (insn & IO_RELATIVE) != 0 ? displace(regs.get32(DSP), arg) : arg;
  regs.set32(DNAD, alternate);
  switch (opcode) {
    case IO_SELECT: return select(p, insn, alternate);
    case IO_WAIT_DISCONNECT: return waitDisconnect(p);
    case IO_WAIT_RESELECT: return waitReselect(p, alternate);
    case IO_SET: return setClear(p, insn, true);
    case IO_CLEAR: return setClear(p, insn, false);
    default: return p.illegal();
  }
}

function select(p: ScriptsProcessor, insn: u32, alternate: u32): u32 {
  const regs = p.regs;
  if (regs.testBits(SCNTL0, SCNTL0_TRG)) return p.illegal(); // target role is not modelled
  if (p.bus.selectionTimingOut) return p.selectionTimeout();
  let idWord = insn;
  if ((insn & IO_TABLE_INDIRECT) != 0) {
    // Table entry: SCNTL3 in bits 31:24, the ID in 19:16, SXFER in 15:8.
    idWord = p.mem.read32(<u64>displace(regs.get32(DSA), insn));
    if (!p.mem.ok) return p.busFault();
    regs.set8(SCNTL3, idWord >>> 24);
    regs.set8(SXFER, (idWord >>> 8) & 0xff);
  }
  const id = selectIdOf(idWord);
  regs.set8(SDID, id);
  if (p.bus.select(id, (insn & IO_SELECT_ATN) != 0) == SELECT_ALREADY_CONNECTED) {
    regs.set32(DSP, alternate);
    return OUT_NEXT;
  }
  regs.setBits(SSTAT0, SSTAT0_WOA);
  regs.clearBits(SCNTL1, SCNTL1_IARB);
  return OUT_NEXT;
}

function waitDisconnect(p: ScriptsProcessor): u32 {
  const bus = p.bus;
  if (bus.selectionTimingOut) return p.selectionTimeout();
  if (!bus.connected) return OUT_NEXT;
  // The target can only finish once ACK of its last message byte is negated.
  if (bus.ackHeld) bus.clearAck();
  if (!bus.connected) return OUT_NEXT;
  // The target asserted REQ for another phase instead of disconnecting (data manual, IID).
  if (bus.req) return p.illegal();
  return OUT_PARK;
}

function waitReselect(p: ScriptsProcessor, alternate: u32): u32 {
  const bus = p.bus;
  if (bus.selectionTimingOut) return p.selectionTimeout();
  if (p.regs.testBits(ISTAT, ISTAT_SIGP)) {
    p.regs.set32(DSP, alternate);
    return OUT_NEXT;
  }
  if (bus.connected || bus.tryReselect()) return OUT_NEXT;
  return OUT_PARK;
}

function setClear(p: ScriptsProcessor, insn: u32, set: bool): u32 {
  const bus = p.bus;
  if ((insn & IO_ATN) != 0) {
    if (set) bus.setAtn();
    else bus.clearAtn();
  }
  if ((insn & IO_ACK) != 0) {
    if (set) bus.setAck();
    else bus.clearAck();
  }
  if ((insn & IO_TARGET_MODE) != 0) {
    if (set) p.regs.setBits(SCNTL0, SCNTL0_TRG);
    else p.regs.clearBits(SCNTL0, SCNTL0_TRG);
  }
  if ((insn & IO_CARRY) != 0) p.carry = set;
  return OUT_NEXT;
}
