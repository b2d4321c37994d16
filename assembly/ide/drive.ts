// One device position on a channel (master or slave): its configured identity, its task
// file, and the settings a host can change (multiple count, transfer mode, write cache,
// power mode, CHS translation) plus, for an ATAPI device, its sense and event state.

import { DriveConfig } from './config';
import {
  ATA_DIAG_PASSED, ATA_DRDY, ATA_DSC, MAX_MULTIPLE_SECTORS, SECTORS_PER_CD_BLOCK,
  SIGNATURE_ATAPI_HIGH, SIGNATURE_ATAPI_MID, SIGNATURE_ATA_HIGH, SIGNATURE_ATA_MID, SIGNATURE_NONE,
} from './ata-defs';
import { TaskFile } from './task-file';

/** Default translation a BIOS-era disk reports: 16 heads, 63 sectors per track. */
const DEFAULT_HEADS: u32 = 16;
const DEFAULT_SECTORS_PER_TRACK: u32 = 63;
const MAX_CHS_CYLINDERS: u64 = 16383;
/** No multiword DMA mode selected (SET FEATURES has not chosen one yet). */
export const MWDMA_NONE: i32 = -1;

export class Drive {
  readonly config: DriveConfig = new DriveConfig();
  readonly tf: TaskFile = new TaskFile();
  /** The device has an interrupt pending (INTRQ asserted when selected and nIEN=0). */
  intrqPending: bool = false;

  // Settings a host changes with SET MULTIPLE / SET FEATURES / INITIALIZE DEVICE PARAMETERS.
  multipleCount: u32 = MAX_MULTIPLE_SECTORS;
  mwdmaMode: i32 = MWDMA_NONE;
  pioMode: u32 = 0;
  writeCacheEnabled: bool = true;
  standby: bool = false;
  heads: u32 = DEFAULT_HEADS;
  sectorsPerTrack: u32 = DEFAULT_SECTORS_PER_TRACK;

  // ATAPI state (SPC-3 sense data; MMC-5 event and lock state).
  senseKey: u32 = 0;
  senseAsc: u32 = 0;
  senseAscq: u32 = 0;
  unitAttention: bool = false;
  mediaEventPending: bool = false;
  mediumLocked: bool = false;

  /** `index` = channel * 2 + unit: the drive number block_submit names. */
  constructor(readonly index: u32) {}

  get unit(): u32 {
    return this.index & 1;
  }

  get present(): bool {
    return this.config.present;
  }

  get isAtapi(): bool {
    return this.config.present && this.config.isAtapi;
  }

  get isAta(): bool {
    return this.config.present && !this.config.isAtapi;
  }

  get sectors(): u64 {
    return this.config.sectors;
  }

  /** Capacity of a CD in 2048-byte blocks. */
  get cdBlocks(): u64 {
    return this.config.sectors / SECTORS_PER_CD_BLOCK;
  }

  /** Cylinders of the default translation, as IDENTIFY word 1 reports them. */
  get defaultCylinders(): u32 {
    const c = this.config.sectors / <u64>(DEFAULT_HEADS * DEFAULT_SECTORS_PER_TRACK);
    return c == 0 ? 1 : <u32>(c > MAX_CHS_CYLINDERS ? MAX_CHS_CYLINDERS : c);
  }

  /** Cylinders of the current translation (IDENTIFY word 54), at most 65535. */
  get currentCylinders(): u32 {
    const perCylinder = <u64>(this.heads * this.sectorsPerTrack);
    if (perCylinder == 0) return 0;
    const c = this.config.sectors / perCylinder;
    return c > 65535 ? 65535 : <u32>c;
  }

  /** Converts the task file's CHS address to an LBA; returns u64.MAX_VALUE when it names a
   *  head or sector outside the current translation (the command then fails with IDNF). */
  chsToLba(): u64 {
    const tf = this.tf;
    const cylinder = <u64>((tf.lbaHigh << 8) | tf.lbaMid);
    const head = <u64>(tf.device & 0x0f);
    const sector = <u64>tf.lbaLow;
    const heads = <u64>this.heads;
    const spt = <u64>this.sectorsPerTrack;
    if (sector == 0 || sector > spt || head >= heads) return u64.MAX_VALUE;
    return (cylinder * heads + head) * spt + sector - 1;
  }

  /** Power-on / PCI reset: settings back to their defaults (the channel then applies the
   *  reset outputs, resetOutputs()). */
  powerOnDefaults(): void {
    this.multipleCount = MAX_MULTIPLE_SECTORS;
    this.mwdmaMode = MWDMA_NONE;
    this.pioMode = 0;
    this.writeCacheEnabled = true;
    this.standby = false;
    this.heads = DEFAULT_HEADS;
    this.sectorsPerTrack = DEFAULT_SECTORS_PER_TRACK;
    this.senseKey = 0;
    this.senseAsc = 0;
    this.senseAscq = 0;
    this.mediumLocked = false;
    // A drive that has just powered up with a disc reports it once, as real drives do:
    // UNIT ATTENTION "medium may have changed" and a NewMedia event.
    this.unitAttention = this.isAtapi;
    this.mediaEventPending = this.isAtapi;
  }

  /** Task file after a reset (SRST, DEVICE RESET, power-on; ATA/ATAPI-6 9.12): signature in
   *  count/LBA, diagnostic code in error, DRDY set only for an ATA device. Settings such as
   *  the multiple count survive, as after a software reset on real drives. */
  resetOutputs(): void {
    this.tf.clear();
    this.intrqPending = false;
    this.setSignature();
    this.tf.error = ATA_DIAG_PASSED;
    this.tf.status = this.isAta ? ATA_DRDY | ATA_DSC : 0;
  }

  /** The signature that tells a host what kind of device this is. */
  setSignature(): void {
    const tf = this.tf;
    tf.device &= 0xf0;
    tf.count = 1;
    tf.lbaLow = 1;
    if (!this.present) {
      tf.lbaMid = SIGNATURE_NONE;
      tf.lbaHigh = SIGNATURE_NONE;
    } else if (this.isAtapi) {
      tf.lbaMid = SIGNATURE_ATAPI_MID;
      tf.lbaHigh = SIGNATURE_ATAPI_HIGH;
    } else {
      tf.lbaMid = SIGNATURE_ATA_MID;
      tf.lbaHigh = SIGNATURE_ATA_HIGH;
    }
  }

  setSense(key: u32, asc: u32, ascq: u32): void {
    this.senseKey = key;
    this.senseAsc = asc;
    this.senseAscq = ascq;
  }
}
