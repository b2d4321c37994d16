// Block move instructions (MOVE / CHMOV; data manual 6.2 "Block Move Instructions"): moves
// bytes between memory and the SCSI bus in the phase the instruction names, with the address
// and count given directly, indirectly (DSPS points at the address) or by table indirection
// (DSA + signed 24-bit offset points at a {count, address} entry).
//
// 64-bit addressing (CCNTL1, 895A/896 manuals "64-bit addressing"): with EXTIBMV|XTIMOD
// (Linux's sym53c8xx DMA addressing mode 1, used whenever the platform can do DAC) the table
// entry's count dword carries address bits 39:32 in its top byte; with EXTIBMV alone that
// byte selects the register that holds bits 63:32; with EXDBMV a direct move has a third
// dword with bits 63:32 (kept in DBMS). Other moves take bits 63:32 from SBMS.
//
// The instruction waits for REQ; if the target's phase is not the instruction's, or the
// target changes phase before the count is exhausted, that is a phase mismatch: with CCNTL0
// ENPMJ (and, for non-data phases, ENNDJ) the processor jumps to PMJAD1/PMJAD2 — what
// sym53c8xx uses on this chip (FE_NOPM) — otherwise it stops with SIST0 MA. Either way DBC,
// DNAD, RBC and UA hold the remaining count and the next address, and IA the address of the
// interrupted move, for the driver to build its residual from.

import {
  CCNTL0, CCNTL0_ENNDJ, CCNTL0_ENPMJ, CCNTL0_PMJCTL, CCNTL1, CCNTL1_EXDBMV, CCNTL1_EXTIBMV, CCNTL1_XTIMOD, CSBC,
  DBC, DBMS, DNAD, DNAD64, DRS, DSA, DSP, ESA, IA, MMRS, MMWS, PMJAD1, PMJAD2, RBC, SBC, SBMS, SCNTL0,
  SCNTL0_TRG, SCNTL2, SCNTL2_WSR, SCRATCHC, SFS, SIST0_MA, SIST0_UDC, SSTAT1, UA,
} from '../chip/register-map';
import { BUS_TIMEOUT, BUS_WAIT } from '../bus/scsi-bus';
import { PHASE_DATA_IN, PHASE_DATA_OUT } from '../bus/message-codes';
import {
  BM_INDIRECT, BM_TABLE_INDIRECT, byteCountOf, displace, phaseOf,
} from './instruction-fields';
import { OUT_NEXT, OUT_PARK, ScriptsProcessor } from './scripts-processor';

/** The {count, address} table entry, read in one access. */
const tableEntry: usize = heap.alloc(8);

export function executeBlockMove(p: ScriptsProcessor, insn: u32, arg: u32): u32 {
  const regs = p.regs;
  const phase = phaseOf(insn);
  let count = byteCountOf(insn);
  let addr: u64 = 0;
  regs.set32(IA, p.instructionAddress);
  if ((insn & BM_INDIRECT) != 0) {
    const low = p.mem.read32(<u64>arg);
    if (!p.mem.ok) return p.busFault();
    addr = (<u64>regs.get32(SBMS) << 32) | <u64>low;
  } else if ((insn & BM_TABLE_INDIRECT) != 0) {
    const entry = displace(regs.get32(DSA), arg);
    regs.set32(ESA, entry);
    if (!p.mem.read(<u64>entry, 8, tableEntry)) return p.busFault();
    const countWord = load<u32>(tableEntry);
    const low = load<u32>(tableEntry, 4);
    count = countWord & 0xffffff;
    addr = (<u64>tableHighBits(p, countWord >>> 24) << 32) | <u64>low;
    regs.set24(DBC, count);
  } else if (regs.testBits(CCNTL1, CCNTL1_EXDBMV)) {
    const high = p.fetchExtraDword();
    if (!p.mem.ok) return p.busFault();
    regs.set32(DBMS, high);
    addr = (<u64>high << 32) | <u64>arg;
  } else {
    addr = (<u64>regs.get32(SBMS) << 32) | <u64>arg;
  }
  regs.set32(DNAD, <u32>addr);
  regs.set32(DNAD64, <u32>(addr >> 32));
  // A zero byte count and target-role moves are illegal here (data manual, DSTAT IID).
  if (count == 0 || regs.testBits(SCNTL0, SCNTL0_TRG)) return p.illegal();

  const ready = p.bus.ready();
  if (ready == BUS_TIMEOUT) return p.selectionTimeout();
  if (ready == BUS_WAIT) return OUT_PARK;
  regs.set8(SSTAT1, p.bus.phase);
  if (p.bus.phase != phase) {
    recordProgress(p, addr, count, 0);
    return phaseMismatch(p, phase);
  }
  const moved = p.bus.transfer(addr, count);
  recordProgress(p, addr, count, moved);
  if (p.bus.fault) return p.busFault();
  if (moved < count) {
    if (p.bus.droppedConnection) {
      p.raiseScsi(SIST0_UDC, 0);
      return OUT_NEXT;
    }
    return phaseMismatch(p, phase);
  }
  return OUT_NEXT;
}

/** Address bits 63:32 for a table indirect move. */
function tableHighBits(p: ScriptsProcessor, selector: u32): u32 {
  const regs = p.regs;
  if (!regs.testBits(CCNTL1, CCNTL1_EXTIBMV)) return regs.get32(SBMS);
  if (regs.testBits(CCNTL1, CCNTL1_XTIMOD)) return selector; // bits 39:32 in the entry
  const s = selector & 0x1f;
  if (s < 0x10) return regs.get32(SCRATCHC + s * 4);
  switch (s) {
    case 0x10: return regs.get32(MMRS);
    case 0x11: return regs.get32(MMWS);
    case 0x12: return regs.get32(SFS);
    case 0x13: return regs.get32(DRS);
    case 0x14: return regs.get32(SBMS);
    case 0x15: return regs.get32(DBMS);
    default: return 0;
  }
}

/** DBC/DNAD and the phase mismatch context after `moved` of `count` bytes went. */
function recordProgress(p: ScriptsProcessor, addr: u64, count: u32, moved: u32): void {
  const regs = p.regs;
  const next = addr + <u64>moved;
  const left = count - moved;
  regs.set24(DBC, left);
  regs.set32(DNAD, <u32>next);
  regs.set32(DNAD64, <u32>(next >> 32));
  regs.set32(UA, <u32>next);
  // RBC: remaining count, with address bits 39:32 in its top byte (sym53c8xx pm_wsr_handle
  // copies RBC3 into a table entry's high-address byte).
  regs.set32(RBC, left | (<u32>((next >> 32) & 0xff) << 24));
  regs.set32(SBC, moved & 0xffffff);
  regs.set32(CSBC, regs.get32(CSBC) + moved);
}

function phaseMismatch(p: ScriptsProcessor, movePhase: u32): u32 {
  const regs = p.regs;
  const ccntl0 = regs.get8(CCNTL0);
  const dataMove = movePhase == PHASE_DATA_OUT || movePhase == PHASE_DATA_IN;
  if ((ccntl0 & CCNTL0_ENPMJ) != 0 && (dataMove || (ccntl0 & CCNTL0_ENNDJ) != 0)) {
    let target: u32;
    if ((ccntl0 & CCNTL0_PMJCTL) != 0) target = movePhase == PHASE_DATA_OUT ? regs.get32(PMJAD1) : regs.get32(PMJAD2);
    else target = regs.testBits(SCNTL2, SCNTL2_WSR) ? regs.get32(PMJAD2) : regs.get32(PMJAD1);
    regs.set32(DSP, target);
    return OUT_NEXT;
  }
  p.raiseScsi(SIST0_MA, 0);
  return OUT_NEXT;
}

