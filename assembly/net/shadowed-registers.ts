// The registers of the e1000 the host may answer from the register shadow
// (assembly/common/abi.ts, "register shadow"). Under QEMU's proxy the guest's tick poll runs
// Linux's e1000_intr, which reads ICR first and finds it empty more often than not, and the
// watchdog reads STATUS; each read through the ring costs a worker wake-up.
//
//   STATUS (BAR0 08h): read-only, reading changes nothing (SDM 13.4.2).
//   ICR (BAR0 C0h): read-to-clear (SDM 13.4.17), so declared SHADOW_ZERO_ONLY: with no cause
//     pending a read clears nothing and the interrupt line is already low, so the host may
//     answer 0 from the shadow; a pending cause takes the ring and is cleared there.
// Only the dword reads Linux makes, through the memory BAR; the I/O window (IOADDR/IODATA) is
// stateful and always goes through the ring.

import { SHADOW_ZERO_ONLY, SPACE_BAR0, shadowRegister } from '../common/abi';
import { REG_ICR, REG_STATUS } from './registers';

const SHADOWED: StaticArray<u32> = [REG_STATUS, REG_ICR];

export function shadowedRegisterCount(): u32 {
  return <u32>SHADOWED.length;
}

/** Descriptor `index`; 0 past the end. */
export function shadowedRegister(index: u32): u64 {
  if (index >= <u32>SHADOWED.length) return 0;
  const reg = unchecked(SHADOWED[index]);
  return shadowRegister(SPACE_BAR0, reg, 4, reg == REG_ICR ? SHADOW_ZERO_ONLY : 0);
}

/** The MMIO register behind descriptor `index` (for shadow_peek); past the end, none. */
export function shadowedRegisterOffset(index: u32): u32 {
  return index < <u32>SHADOWED.length ? unchecked(SHADOWED[index]) : 0xffff_ffff;
}
