// Receive address filtering (SDM 3.2.1 and 13.5): the 16 exact receive addresses
// (RAL/RAH with Address Valid), the 4096-bit multicast table array hashed by RCTL.MO,
// unicast/multicast promiscuous modes, broadcast accept, and the VLAN filter table
// (VFTA, RCTL.VFE with the CFI check of RCTL.CFIEN).

import {
  MTA_WORDS, RAH_AV, RAH_ASEL_MASK, RA_ENTRIES, RCTL_BAM, RCTL_CFI, RCTL_CFIEN, RCTL_MO_SHIFT,
  RCTL_MPE, RCTL_UPE, RCTL_VFE, VFTA_WORDS,
} from './registers';

export const FILTER_REJECT: u32 = 0;
export const FILTER_UNICAST: u32 = 1;
export const FILTER_MULTICAST: u32 = 2;
export const FILTER_BROADCAST: u32 = 3;

const VLAN_CFI: u32 = 0x1000;
const VLAN_ID_MASK: u32 = 0x0fff;

export class ReceiveFilter {
  readonly multicastTable: StaticArray<u32> = new StaticArray<u32>(MTA_WORDS);
  readonly vlanTable: StaticArray<u32> = new StaticArray<u32>(VFTA_WORDS);
  /** RAL0, RAH0, RAL1, RAH1, ... */
  readonly addresses: StaticArray<u32> = new StaticArray<u32>(RA_ENTRIES * 2);

  /** Power-on values: only RAL0/RAH0 (from the EEPROM, valid) are set; MTA and VFTA are
   *  undefined after reset on the hardware and cleared here (SDM 13.5). */
  reset(mac: usize): void {
    for (let i: u32 = 0; i < MTA_WORDS; i++) unchecked(this.multicastTable[i] = 0);
    for (let i: u32 = 0; i < VFTA_WORDS; i++) unchecked(this.vlanTable[i] = 0);
    for (let i: u32 = 0; i < RA_ENTRIES * 2; i++) unchecked(this.addresses[i] = 0);
    unchecked(this.addresses[0] = load<u32>(mac));
    unchecked(this.addresses[1] = <u32>load<u16>(mac, 4) | RAH_AV);
  }

  /** Classifies the destination address at `dst` (6 bytes); FILTER_REJECT drops it. */
  classify(dst: usize, rctl: u32): u32 {
    const first = load<u8>(dst);
    const low = load<u32>(dst);
    const high = <u32>load<u16>(dst, 4);
    if (low == 0xffffffff && high == 0xffff) {
      return (rctl & (RCTL_BAM | RCTL_MPE)) != 0 || this.exactMatch(low, high) ? FILTER_BROADCAST : FILTER_REJECT;
    }
    if ((first & 1) != 0) {
      if ((rctl & RCTL_MPE) != 0 || this.exactMatch(low, high) || this.hashMatch(dst, rctl)) return FILTER_MULTICAST;
      return FILTER_REJECT;
    }
    if ((rctl & RCTL_UPE) != 0 || this.exactMatch(low, high)) return FILTER_UNICAST;
    return FILTER_REJECT;
  }

  /** VLAN filter for a tagged frame with tag control `tci`: true when it passes. */
  vlanAccepts(tci: u32, rctl: u32): bool {
    if ((rctl & RCTL_CFIEN) != 0 && ((tci & VLAN_CFI) != 0) != ((rctl & RCTL_CFI) != 0)) return false;
    if ((rctl & RCTL_VFE) == 0) return true;
    const vid = tci & VLAN_ID_MASK;
    return ((unchecked(this.vlanTable[vid >> 5]) >> (vid & 31)) & 1) != 0;
  }

  /** Only destination-address entries (address select 00) take part. */
  private exactMatch(low: u32, high: u32): bool {
    for (let i: u32 = 0; i < RA_ENTRIES; i++) {
      const rah = unchecked(this.addresses[i * 2 + 1]);
      if ((rah & RAH_AV) == 0 || (rah & RAH_ASEL_MASK) != 0) continue;
      if (unchecked(this.addresses[i * 2]) == low && (rah & 0xffff) == high) return true;
    }
    return false;
  }

  /** 12 bits of the address select the MTA bit; RCTL.MO picks which 12 (SDM 13.5.1):
   *  MO 0 bits 47:36, 1 bits 46:35, 2 bits 45:34, 3 bits 43:32. */
  private hashMatch(dst: usize, rctl: u32): bool {
    const b4 = <u32>load<u8>(dst, 4);
    const b5 = <u32>load<u8>(dst, 5);
    let hash: u32;
    switch ((rctl >> RCTL_MO_SHIFT) & 3) {
      case 0: hash = (b4 >> 4) | (b5 << 4); break;
      case 1: hash = (b4 >> 3) | (b5 << 5); break;
      case 2: hash = (b4 >> 2) | (b5 << 6); break;
      default: hash = b4 | (b5 << 8); break;
    }
    hash &= 0xfff;
    return ((unchecked(this.multicastTable[hash >> 5]) >> (hash & 31)) & 1) != 0;
  }
}
