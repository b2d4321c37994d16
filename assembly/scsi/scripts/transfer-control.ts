// Transfer control instructions (data manual 6.4): JUMP, CALL, RETURN, INT and INTFLY, each
// unconditional or conditional on the carry, on the SCSI phase (IF: the phase lines as they
// are; WHEN: after waiting for REQ) and on SFBR compared with data under a mask. All tests
// present must hold for "if true" (bit 19 set) to transfer; "if false" transfers when the
// combined test fails. With bit 23 the target is DSP-relative (signed 24 bits). CALL keeps
// the return address in TEMP; INT stops the processor with DSTAT SIR and the vector in DSPS;
// INTFLY sets ISTAT INTF and lets SCRIPTS run on.

import { ADDER, DSP, SFBR, SSTAT1, TEMP } from '../chip/register-map';
import { BUS_TIMEOUT, BUS_WAIT } from '../bus/scsi-bus';
import { DSTAT_SIR } from '../chip/register-map';
import {
  TC_CALL, TC_CARRY_TEST, TC_COMPARE_DATA, TC_COMPARE_PHASE, TC_IF_TRUE, TC_INT, TC_INT_ON_FLY, TC_JUMP,
  TC_RELATIVE, TC_RESERVED_22, TC_RETURN, TC_WAIT_PHASE, displace, opcodeOf, phaseOf, tcDataOf, tcMaskOf,
} from './instruction-fields';
import { OUT_NEXT, OUT_PARK, ScriptsProcessor } from './scripts-processor';

export function executeTransferControl(p: ScriptsProcessor, insn: u32, arg: u32): u32 {
  const opcode = opcodeOf(insn);
  // Illegal forms (data manual, DSTAT IID): opcodes 4-7, reserved bit 22, a carry test
  // combined with a data or phase comparison.
  if (opcode > TC_INT || (insn & TC_RESERVED_22) != 0) return p.illegal();
  if ((insn & TC_CARRY_TEST) != 0 && (insn & (TC_COMPARE_DATA | TC_COMPARE_PHASE)) != 0) return p.illegal();
  const regs = p.regs;
  if ((insn & TC_WAIT_PHASE) != 0) {
    const ready = p.bus.ready();
    if (ready == BUS_TIMEOUT) return p.selectionTimeout();
    if (ready == BUS_WAIT) return OUT_PARK;
    regs.set8(SSTAT1, p.bus.phase);
  }
  let holds = true;
  if ((insn & TC_CARRY_TEST) != 0) holds = p.carry;
  if ((insn & TC_COMPARE_PHASE) != 0) holds = holds && p.bus.phase == phaseOf(insn);
  if ((insn & TC_COMPARE_DATA) != 0) {
    const compared = ~tcMaskOf(insn) & 0xff;
    holds = holds && (regs.get8(SFBR) & compared) == (tcDataOf(insn) & compared);
  }
  if (holds != ((insn & TC_IF_TRUE) != 0)) return OUT_NEXT;
  let target = arg;
  if ((insn & TC_RELATIVE) != 0) {
    target = displace(regs.get32(DSP), arg);
    regs.set32(ADDER, target);
  }
  switch (opcode) {
    case TC_JUMP:
      regs.set32(DSP, target);
      break;
    case TC_CALL:
      regs.set32(TEMP, regs.get32(DSP));
      regs.set32(DSP, target);
      break;
    case TC_RETURN:
      regs.set32(DSP, regs.get32(TEMP));
      break;
    default: // TC_INT
      if ((insn & TC_INT_ON_FLY) != 0) p.irq.setIntf();
      else p.raiseDma(DSTAT_SIR);
      break;
  }
  return OUT_NEXT;
}
