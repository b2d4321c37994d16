// The registers of this chip the host may answer from the register shadow
// (assembly/common/abi.ts, "register shadow"): those whose reads change nothing in any state.
// Linux's sym53c8xx reads ISTAT on every interrupt poll (sym_interrupt) and again around
// each INTF acknowledgement, so answering it without waking the worker is most of the cost of
// a polled controller.
//
// The dword at 14h: ISTAT (ISTAT0), ISTAT1, MBOX0, MBOX1 (LSI53C895A technical manual,
// S14028.B, chapter 4, registers 14h-17h). ISTAT is the one status register whose read
// clears nothing: DIP and SIP fall when DSTAT and SIST0/SIST1 are read (registers 0Ch, 42h,
// 43h), INTF when 1 is written to it, SIGP when it is written or CTEST2 is read (that read
// is not shadowed). ISTAT1 (FLSH, SRUN, SIRQD) and the two mailboxes are plain reads. Each
// byte is its own register, so narrower reads take their bytes. Shadowed at offset 14h of
// the I/O BAR and of the memory BAR (its mirrors at 114h, 214h, 314h go through the ring:
// drivers use the first copy).

import { SHADOW_NARROW_READS, SPACE_BAR0, shadowRegister } from '../../common/abi';
import { ISTAT } from './register-map';

const BAR_IO: u32 = SPACE_BAR0;
const BAR_MMIO: u32 = SPACE_BAR0 + 1;

export function shadowedRegisterCount(): u32 {
  return 2;
}

/** Descriptor `index`; 0 past the end. */
export function shadowedRegister(index: u32): u64 {
  if (index == 0) return shadowRegister(BAR_IO, ISTAT, 4, SHADOW_NARROW_READS);
  if (index == 1) return shadowRegister(BAR_MMIO, ISTAT, 4, SHADOW_NARROW_READS);
  return 0;
}
