// Statistics registers CRCERRS..TSCTFC (SDM 13.7). Every counter clears when read; 32-bit
// counters stick at their maximum; the 64-bit octet counters (GORC, GOTC, TOR, TOT) are
// low/high pairs where reading the high dword clears both (drivers read low, then high).

import { REG_STATS_FIRST, REG_STATS_LAST } from './registers';

export const STAT_CRCERRS: u32 = 0x4000;
export const STAT_MPC: u32 = 0x4010;
export const STAT_COLC: u32 = 0x4028;
export const STAT_PRC64: u32 = 0x405c;
export const STAT_GPRC: u32 = 0x4074;
export const STAT_BPRC: u32 = 0x4078;
export const STAT_MPRC: u32 = 0x407c;
export const STAT_GPTC: u32 = 0x4080;
export const STAT_GORCL: u32 = 0x4088;
export const STAT_GORCH: u32 = 0x408c;
export const STAT_GOTCL: u32 = 0x4090;
export const STAT_GOTCH: u32 = 0x4094;
export const STAT_RNBC: u32 = 0x40a0;
export const STAT_RUC: u32 = 0x40a4;
export const STAT_ROC: u32 = 0x40ac;
export const STAT_TORL: u32 = 0x40c0;
export const STAT_TORH: u32 = 0x40c4;
export const STAT_TOTL: u32 = 0x40c8;
export const STAT_TOTH: u32 = 0x40cc;
export const STAT_TPR: u32 = 0x40d0;
export const STAT_TPT: u32 = 0x40d4;
export const STAT_PTC64: u32 = 0x40d8;
export const STAT_MPTC: u32 = 0x40f0;
export const STAT_BPTC: u32 = 0x40f4;
export const STAT_TSCTC: u32 = 0x40f8;
export const STAT_TSCTFC: u32 = 0x40fc;

const COUNTERS: u32 = (REG_STATS_LAST - REG_STATS_FIRST) / 4 + 1;

function isHighOctetHalf(reg: u32): bool {
  return reg == STAT_GORCH || reg == STAT_GOTCH || reg == STAT_TORH || reg == STAT_TOTH;
}

/** The size-bucket counter (PRC64..PRC1522 or PTC64..PTC1522) for a frame of `bytes`
 *  (counted with the 4-byte FCS, as the hardware sees it on the wire). */
function sizeBucket(first: u32, bytes: u32): u32 {
  let bucket: u32;
  if (bytes <= 64) bucket = 0;
  else if (bytes <= 127) bucket = 1;
  else if (bytes <= 255) bucket = 2;
  else if (bytes <= 511) bucket = 3;
  else if (bytes <= 1023) bucket = 4;
  else bucket = 5;
  return first + bucket * 4;
}

export class Statistics {
  private readonly counters: StaticArray<u32> = new StaticArray<u32>(COUNTERS);

  reset(): void {
    for (let i: u32 = 0; i < COUNTERS; i++) unchecked(this.counters[i] = 0);
  }

  static covers(reg: u32): bool {
    return reg >= REG_STATS_FIRST && reg <= REG_STATS_LAST;
  }

  /** Register read: the value, then cleared. */
  read(reg: u32): u32 {
    const i = (reg - REG_STATS_FIRST) >> 2;
    const value = unchecked(this.counters[i]);
    if (isHighOctetHalf(reg)) {
      unchecked(this.counters[i] = 0);
      unchecked(this.counters[i - 1] = 0);
    } else if (!isLowOctetHalf(reg)) {
      unchecked(this.counters[i] = 0);
    }
    return value;
  }

  /** Current value without the read side effect (tests, byte-wide access merges). */
  peek(reg: u32): u32 {
    return unchecked(this.counters[(reg - REG_STATS_FIRST) >> 2]);
  }

  count(reg: u32): void {
    const i = (reg - REG_STATS_FIRST) >> 2;
    const v = unchecked(this.counters[i]);
    if (v != u32.MAX_VALUE) unchecked(this.counters[i] = v + 1);
  }

  addOctets(lowReg: u32, bytes: u32): void {
    const i = (lowReg - REG_STATS_FIRST) >> 2;
    const total = (<u64>unchecked(this.counters[i + 1]) << 32 | <u64>unchecked(this.counters[i])) + <u64>bytes;
    unchecked(this.counters[i] = <u32>total);
    unchecked(this.counters[i + 1] = <u32>(total >> 32));
  }

  /** A frame of `wireBytes` (with FCS) accepted into the receive ring. */
  goodReceive(wireBytes: u32, broadcast: bool, multicast: bool): void {
    this.count(STAT_GPRC);
    if (broadcast) this.count(STAT_BPRC);
    else if (multicast) this.count(STAT_MPRC);
    this.addOctets(STAT_GORCL, wireBytes);
    this.count(sizeBucket(STAT_PRC64, wireBytes));
  }

  /** Any frame seen by the receiver, accepted or not (TPR/TOR). */
  anyReceive(wireBytes: u32): void {
    this.count(STAT_TPR);
    this.addOctets(STAT_TORL, wireBytes);
  }

  goodTransmit(wireBytes: u32, broadcast: bool, multicast: bool): void {
    this.count(STAT_GPTC);
    this.count(STAT_TPT);
    if (broadcast) this.count(STAT_BPTC);
    else if (multicast) this.count(STAT_MPTC);
    this.addOctets(STAT_GOTCL, wireBytes);
    this.addOctets(STAT_TOTL, wireBytes);
    this.count(sizeBucket(STAT_PTC64, wireBytes));
  }
}

function isLowOctetHalf(reg: u32): bool {
  return reg == STAT_GORCL || reg == STAT_GOTCL || reg == STAT_TORL || reg == STAT_TOTL;
}
