// One device's command block registers (ATA/ATAPI-6 section 7). Both devices on a cable
// latch every register write; each keeps its own copy because command results (status,
// error, signature, returned LBA) are per device. For 48-bit commands each of features,
// sector count and LBA low/mid/high is a two-deep FIFO: a write pushes the previous value
// into the "previous content" half, which the host reads back with HOB set (7.7, 6.20).

import { ATA_DEV_HEAD_MASK, ATA_DEV_LBA } from './ata-defs';

export class TaskFile {
  feature: u32 = 0;
  featurePrev: u32 = 0;
  count: u32 = 0;
  countPrev: u32 = 0;
  lbaLow: u32 = 0;
  lbaLowPrev: u32 = 0;
  lbaMid: u32 = 0;
  lbaMidPrev: u32 = 0;
  lbaHigh: u32 = 0;
  lbaHighPrev: u32 = 0;
  device: u32 = 0;
  status: u32 = 0;
  error: u32 = 0;

  clear(): void {
    this.feature = 0; this.featurePrev = 0;
    this.count = 0; this.countPrev = 0;
    this.lbaLow = 0; this.lbaLowPrev = 0;
    this.lbaMid = 0; this.lbaMidPrev = 0;
    this.lbaHigh = 0; this.lbaHighPrev = 0;
    this.device = 0;
    this.status = 0;
    this.error = 0;
  }

  /** Host write to register 1..5 (features, count, LBA low, mid, high). */
  writeFifo(reg: u32, value: u32): void {
    const v = value & 0xff;
    switch (reg) {
      case 1: this.featurePrev = this.feature; this.feature = v; break;
      case 2: this.countPrev = this.count; this.count = v; break;
      case 3: this.lbaLowPrev = this.lbaLow; this.lbaLow = v; break;
      case 4: this.lbaMidPrev = this.lbaMid; this.lbaMid = v; break;
      case 5: this.lbaHighPrev = this.lbaHigh; this.lbaHigh = v; break;
      default: break;
    }
  }

  /** Host read of register 2..5; `hob` selects the previous content. */
  readFifo(reg: u32, hob: bool): u32 {
    switch (reg) {
      case 2: return hob ? this.countPrev : this.count;
      case 3: return hob ? this.lbaLowPrev : this.lbaLow;
      case 4: return hob ? this.lbaMidPrev : this.lbaMid;
      case 5: return hob ? this.lbaHighPrev : this.lbaHigh;
      default: return 0;
    }
  }

  get usesLba(): bool {
    return (this.device & ATA_DEV_LBA) != 0;
  }

  /** 28-bit LBA: device[3:0], LBA high, mid, low. */
  lba28(): u64 {
    return (<u64>(this.device & ATA_DEV_HEAD_MASK) << 24) | (<u64>this.lbaHigh << 16) |
      (<u64>this.lbaMid << 8) | <u64>this.lbaLow;
  }

  /** 48-bit LBA: previous high/mid/low, then current high/mid/low. */
  lba48(): u64 {
    return (<u64>this.lbaHighPrev << 40) | (<u64>this.lbaMidPrev << 32) | (<u64>this.lbaLowPrev << 24) |
      (<u64>this.lbaHigh << 16) | (<u64>this.lbaMid << 8) | <u64>this.lbaLow;
  }

  /** Sector count of a 28-bit command: 0 means 256. */
  count28(): u32 {
    return this.count == 0 ? 256 : this.count;
  }

  /** Sector count of a 48-bit command: 0 means 65536. */
  count48(): u32 {
    const n = (this.countPrev << 8) | this.count;
    return n == 0 ? 65536 : n;
  }

  /** Places a 28-bit address as a command's output (READ NATIVE MAX ADDRESS). */
  setLba28(lba: u64): void {
    this.lbaLow = <u32>(lba & 0xff);
    this.lbaMid = <u32>((lba >> 8) & 0xff);
    this.lbaHigh = <u32>((lba >> 16) & 0xff);
    this.device = (this.device & ~ATA_DEV_HEAD_MASK) | <u32>((lba >> 24) & ATA_DEV_HEAD_MASK);
  }

  /** Places a 48-bit address as a command's output (READ NATIVE MAX ADDRESS EXT). */
  setLba48(lba: u64): void {
    this.lbaLow = <u32>(lba & 0xff);
    this.lbaMid = <u32>((lba >> 8) & 0xff);
    this.lbaHigh = <u32>((lba >> 16) & 0xff);
    this.lbaLowPrev = <u32>((lba >> 24) & 0xff);
    this.lbaMidPrev = <u32>((lba >> 32) & 0xff);
    this.lbaHighPrev = <u32>((lba >> 40) & 0xff);
  }
}
