// The LSI SCSI device configuration the worker writes at config_ptr() before init
// (little-endian; the TypeScript writer is src/workers/scsi/config.ts):
//   0 u32 magic 'LSI1' (0x4C534931), 4 u32 target slots (16), 8 u32 flags, 12 u32 chip
//   flags bit 0: FLAG_FIRMWARE_QUIRKS (see below); other bits must be 0
//   chip: 0 the 53C895A, 1 the 53C875 (chip/chip-variant.ts)
//   16 + id*80: the target at SCSI ID `id` (0..15; ID 7 is the host adapter's and must be empty):
//     +0 u8 kind (0 none, 1 disk, 2 test target), +1 u8 read-only, +2 u16 logical block size,
//     +4 u32 drive (the block_submit drive number), +8 u64 capacity in 512-byte sectors
//     (0 only for a disk: a unit without usable medium, target/disk-medium.ts),
//     +16 8 bytes vendor, +24 16 bytes product, +40 4 bytes revision, +44 20 bytes serial
//     (ASCII, space padded; blank vendor/product/revision: the disk's defaults),
//     +64 u64 worldwide name (0: derived from serial and drive), +72..79 reserved (0).

import { CONFIG_MAX } from '../common/abi';
import { copyPrintableAscii } from '../common/byte-order';
import { CHIP_53C875, CHIP_53C895A } from './chip/chip-variant';

export const CONFIG_MAGIC: u32 = 0x4c534931;
export const TARGET_SLOTS: u32 = 16;
export const CONFIG_HEADER_SIZE: u32 = 16;
export const TARGET_ENTRY_SIZE: u32 = 80;
export const CONFIG_SIZE: u32 = CONFIG_HEADER_SIZE + TARGET_SLOTS * TARGET_ENTRY_SIZE;
export const HOST_ADAPTER_ID: u32 = 7;

/** Behave like QEMU's lsi53c895a model where SeaBIOS's lsi-scsi driver, which claims
 *  1000:0012 whenever it runs on QEMU, depends on it instead of on the SCSI standard:
 *  a SELECT without ATN still gets a MESSAGE OUT phase, a COMMAND move of up to 16 bytes is
 *  taken whole whatever the CDB's length, an all-zero instruction dword is skipped, and the
 *  target leaves the bus as soon as COMMAND COMPLETE has been moved. Without these SeaBIOS
 *  ends a failed probe connected to the target and its next SELECT jumps to address 0.
 *  sym53c8xx is unaffected either way (it selects with ATN, moves exact CDBs, and clears ACK
 *  before it waits for the disconnect). */
export const FLAG_FIRMWARE_QUIRKS: u32 = 1;

export const KIND_NONE: u32 = 0;
export const KIND_DISK: u32 = 1;
/** The controller's own test target (assembly/scsi/testing/mock-target.ts). */
export const KIND_TEST: u32 = 2;

export const VENDOR_LENGTH: u32 = 8;
export const PRODUCT_LENGTH: u32 = 16;
export const REVISION_LENGTH: u32 = 4;
export const SERIAL_LENGTH: u32 = 20;

// ---- init() results
export const INIT_OK: i32 = 0;
export const INIT_BAD_SIZE: i32 = 1;
export const INIT_BAD_MAGIC: i32 = 2;
export const INIT_BAD_SLOTS: i32 = 3;
export const INIT_BAD_TARGET: i32 = 4;
export const INIT_BAD_FLAGS: i32 = 5;
export const INIT_BAD_CHIP: i32 = 6;

/** One configured target. Strings are copied out of the config buffer. */
export class TargetConfig {
  kind: u32 = KIND_NONE;
  readOnly: bool = false;
  blockSize: u32 = 512;
  drive: u32 = 0;
  sectors: u64 = 0;
  readonly vendor: usize = heap.alloc(VENDOR_LENGTH);
  readonly product: usize = heap.alloc(PRODUCT_LENGTH);
  readonly revision: usize = heap.alloc(REVISION_LENGTH);
  readonly serial: usize = heap.alloc(SERIAL_LENGTH);
  /** Serial length without trailing spaces. */
  serialLength: u32 = 0;
  worldwideName: u64 = 0;
}

export class ScsiConfig {
  firmwareQuirks: bool = false;
  /** CHIP_53C895A or CHIP_53C875. */
  chip: u32 = CHIP_53C895A;
  readonly targets: StaticArray<TargetConfig> = new StaticArray<TargetConfig>(TARGET_SLOTS);

  constructor() {
    for (let i: u32 = 0; i < TARGET_SLOTS; i++) unchecked(this.targets[i] = new TargetConfig());
  }
}

/** The buffer config_ptr() returns. */
export const configBuffer: usize = heap.alloc(CONFIG_MAX);

/** Parses `len` bytes of the config buffer into `out`. Returns INIT_OK or why it was refused;
 *  `out` is only meaningful on INIT_OK. */
export function parseConfig(len: u32, out: ScsiConfig): i32 {
  if (len < CONFIG_SIZE || len > CONFIG_MAX) return INIT_BAD_SIZE;
  if (load<u32>(configBuffer) != CONFIG_MAGIC) return INIT_BAD_MAGIC;
  if (load<u32>(configBuffer, 4) != TARGET_SLOTS) return INIT_BAD_SLOTS;
  const flags = load<u32>(configBuffer, 8);
  if ((flags & ~FLAG_FIRMWARE_QUIRKS) != 0) return INIT_BAD_FLAGS;
  out.firmwareQuirks = (flags & FLAG_FIRMWARE_QUIRKS) != 0;
  const chip = load<u32>(configBuffer, 12);
  if (chip != CHIP_53C895A && chip != CHIP_53C875) return INIT_BAD_CHIP;
  out.chip = chip;
  for (let id: u32 = 0; id < TARGET_SLOTS; id++) {
    const entry = configBuffer + CONFIG_HEADER_SIZE + id * TARGET_ENTRY_SIZE;
    const kind = <u32>load<u8>(entry);
    const readOnly = <u32>load<u8>(entry, 1);
    const blockSize = <u32>load<u16>(entry, 2);
    const sectors = load<u64>(entry, 8);
    const target = unchecked(out.targets[id]);
    target.kind = kind;
    if (kind == KIND_NONE) continue;
    if (kind > KIND_TEST || id == HOST_ADAPTER_ID || readOnly > 1) return INIT_BAD_TARGET;
    // 512..4096 bytes, a power of two; the capacity a whole number of blocks that READ
    // CAPACITY (16) can describe.
    if (blockSize < 512 || blockSize > 4096 || (blockSize & (blockSize - 1)) != 0) return INIT_BAD_TARGET;
    const sectorsPerBlock = <u64>(blockSize / 512);
    // A disk may have none: it then has no usable medium and says so (NOT READY).
    if ((sectors == 0 && kind != KIND_DISK) || sectors % sectorsPerBlock != 0 || sectors > (<u64>1 << 48)) return INIT_BAD_TARGET;
    target.readOnly = readOnly == 1;
    target.blockSize = blockSize;
    target.drive = load<u32>(entry, 4);
    target.sectors = sectors;
    copyPrintableAscii(target.vendor, entry + 16, VENDOR_LENGTH);
    copyPrintableAscii(target.product, entry + 24, PRODUCT_LENGTH);
    copyPrintableAscii(target.revision, entry + 40, REVISION_LENGTH);
    copyPrintableAscii(target.serial, entry + 44, SERIAL_LENGTH);
    let serialLength = SERIAL_LENGTH;
    while (serialLength > 0 && load<u8>(target.serial + <usize>(serialLength - 1)) == 0x20) serialLength--;
    target.serialLength = serialLength;
    target.worldwideName = load<u64>(entry, 64);
  }
  return INIT_OK;
}
