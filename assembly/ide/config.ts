// The IDE device configuration the worker writes at config_ptr() before init
// (little-endian; the TypeScript writer is src/workers/ide/config.ts):
//   0 u32 magic 'IDE1' (0x49444531), 4 u32 mode (0 legacy, 1 native), 8 u32 drive count (4),
//   16 + i*80: drive i = channel*2 + unit:
//     +0 u8 present, +1 u8 media (0 disk, 1 cdrom), +2 u8 read-only, +8 u64 sectors (512 B),
//     +16 20 bytes serial, +36 40 bytes model (ASCII, space padded).

import { CONFIG_MAX } from '../common/abi';
import { copyPrintableAscii } from '../common/byte-order';
import { LBA48_LIMIT, SECTORS_PER_CD_BLOCK } from './ata-defs';

export const CONFIG_MAGIC: u32 = 0x49444531;
export const CONFIG_DRIVE_COUNT: u32 = 4;
export const CONFIG_HEADER_SIZE: u32 = 16;
export const CONFIG_DRIVE_ENTRY_SIZE: u32 = 80;
export const CONFIG_SIZE: u32 = CONFIG_HEADER_SIZE + CONFIG_DRIVE_COUNT * CONFIG_DRIVE_ENTRY_SIZE;
export const SERIAL_LENGTH: u32 = 20;
export const MODEL_LENGTH: u32 = 40;

export const MODE_LEGACY: u32 = 0;
export const MODE_NATIVE: u32 = 1;

// ---- init() results
export const INIT_OK: i32 = 0;
export const INIT_BAD_SIZE: i32 = 1;
export const INIT_BAD_MAGIC: i32 = 2;
export const INIT_BAD_MODE: i32 = 3;
export const INIT_BAD_DRIVE_COUNT: i32 = 4;
export const INIT_BAD_DRIVE: i32 = 5;

/** What one drive slot holds, as configured. Identity strings are copied out of the config
 *  buffer so that a later (possibly rejected) config cannot change a running drive. */
export class DriveConfig {
  present: bool = false;
  isAtapi: bool = false;
  readOnly: bool = false;
  /** Capacity in 512-byte sectors. */
  sectors: u64 = 0;
  readonly serial: usize = heap.alloc(SERIAL_LENGTH);
  readonly model: usize = heap.alloc(MODEL_LENGTH);

  copyFrom(other: DriveConfig): void {
    this.present = other.present;
    this.isAtapi = other.isAtapi;
    this.readOnly = other.readOnly;
    this.sectors = other.sectors;
    memory.copy(this.serial, other.serial, SERIAL_LENGTH);
    memory.copy(this.model, other.model, MODEL_LENGTH);
  }
}

/** A parsed configuration. */
export class IdeConfig {
  mode: u32 = MODE_LEGACY;
  readonly drives: StaticArray<DriveConfig> = [new DriveConfig(), new DriveConfig(), new DriveConfig(), new DriveConfig()];
}

/** The buffer config_ptr() returns. */
export const configBuffer: usize = heap.alloc(CONFIG_MAX);

/** Parses `len` bytes of the config buffer into `out`. Returns INIT_OK or the reason it was
 *  refused; `out` is only meaningful on INIT_OK. */
export function parseConfig(len: u32, out: IdeConfig): i32 {
  if (len < CONFIG_SIZE || len > CONFIG_MAX) return INIT_BAD_SIZE;
  if (load<u32>(configBuffer) != CONFIG_MAGIC) return INIT_BAD_MAGIC;
  const mode = load<u32>(configBuffer, 4);
  if (mode != MODE_LEGACY && mode != MODE_NATIVE) return INIT_BAD_MODE;
  if (load<u32>(configBuffer, 8) != CONFIG_DRIVE_COUNT) return INIT_BAD_DRIVE_COUNT;
  out.mode = mode;
  for (let i: u32 = 0; i < CONFIG_DRIVE_COUNT; i++) {
    const entry = configBuffer + CONFIG_HEADER_SIZE + i * CONFIG_DRIVE_ENTRY_SIZE;
    const present = load<u8>(entry);
    const media = load<u8>(entry, 1);
    const readOnly = load<u8>(entry, 2);
    const sectors = load<u64>(entry, 8);
    if (present > 1 || media > 1 || readOnly > 1) return INIT_BAD_DRIVE;
    const drive = unchecked(out.drives[i]);
    drive.present = present == 1;
    drive.isAtapi = media == 1;
    // A CD-ROM is read-only whatever the flag says: the ATAPI model has no write path.
    drive.readOnly = readOnly == 1 || media == 1;
    drive.sectors = drive.present ? sectors : 0;
    // LBA48 bounds a disk; READ CAPACITY's 32-bit block address bounds a CD.
    if (drive.present && !drive.isAtapi && sectors > LBA48_LIMIT) return INIT_BAD_DRIVE;
    if (drive.present && drive.isAtapi && sectors / SECTORS_PER_CD_BLOCK > <u64>u32.MAX_VALUE) return INIT_BAD_DRIVE;
    copyPrintableAscii(drive.serial, entry + 16, SERIAL_LENGTH);
    copyPrintableAscii(drive.model, entry + 36, MODEL_LENGTH);
  }
  return INIT_OK;
}
