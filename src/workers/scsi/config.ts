// Encodes the LSI53C895A SCSI core's configuration struct, which the worker writes at the
// core's config_ptr() before calling init(config.length). Layout (little-endian), mirrored by
// assembly/scsi/config.ts:
//   0 u32 magic 'LSI1' (0x4C534931), 4 u32 target slots (16), 8 u32 flags (bit 0: firmware
//   quirks), 12 u32 chip (0 the 53C895A, 1 the 53C875)
//   16 + id*80, the target at SCSI ID id (0..15; 7 is the host adapter's own ID):
//     +0 u8 kind (0 none, 1 disk, 2 test target), +1 u8 read-only, +2 u16 logical block size,
//     +4 u32 drive (block_submit drive number), +8 u64 capacity in 512-byte sectors,
//     +16 vendor (8), +24 product (16), +40 revision (4), +44 serial (20): ASCII, space padded,
//     +64 u64 worldwide name (0: derived by the disk), +72..79 reserved

export const SCSI_CONFIG_MAGIC = 0x4c534931;
export const SCSI_TARGET_SLOTS = 16;
export const SCSI_HOST_ADAPTER_ID = 7;
export const SCSI_CONFIG_HEADER_SIZE = 16;
export const SCSI_TARGET_ENTRY_SIZE = 80;
export const SCSI_CONFIG_SIZE = SCSI_CONFIG_HEADER_SIZE + SCSI_TARGET_SLOTS * SCSI_TARGET_ENTRY_SIZE;
/** Largest capacity the core accepts, in 512-byte sectors. */
export const SCSI_MAX_SECTORS = 2 ** 44;
export const SCSI_FLAG_FIRMWARE_QUIRKS = 1;

/** What init() returns for a config it refuses (0 = accepted). */
export const ScsiInitResult = {
  ok: 0,
  badSize: 1,
  badMagic: 2,
  badSlots: 3,
  badTarget: 4,
  badFlags: 5,
  badChip: 6,
} as const;

/** The family member the core presents (assembly/scsi/chip/chip-variant.ts). */
export type ScsiChip = 'lsi53c895a' | 'lsi53c875';
const CHIP_CODES: Record<ScsiChip, number> = { lsi53c895a: 0, lsi53c875: 1 };

export type ScsiTargetKind = 'disk' | 'test';

export interface ScsiTargetConfig {
  /** 'disk': the SCSI disk (assembly/scsi/target); 'test': the controller's test target. */
  kind: ScsiTargetKind;
  readOnly: boolean;
  /** Logical block size: 512, 1024, 2048 or 4096 (default 512). */
  blockSize?: number;
  /** The drive number the core passes to block_submit (index into the worker's drives). */
  drive: number;
  /** Capacity in 512-byte sectors (image size / 512), a whole number of logical blocks; 0 for
   *  a disk: no usable medium (its media commands answer NOT READY); the test target needs >0. */
  sectors: number;
  /** INQUIRY fields, printable ASCII; blank or absent: the disk's defaults. */
  vendor?: string;
  product?: string;
  revision?: string;
  serial: string;
  /** NAA worldwide name for VPD page 83h; absent or 0n: derived from serial and drive. */
  worldwideName?: bigint;
}

export interface ScsiConfig {
  /** Index = SCSI ID; null = nothing at that ID. At most 16 entries. */
  targets: (ScsiTargetConfig | null)[];
  /** Behave like QEMU's lsi53c895a where SeaBIOS's lsi-scsi driver needs it (it claims
   *  1000:0012 under QEMU and otherwise hangs the boot): SELECT without ATN still gets
   *  MESSAGE OUT, a 16-byte COMMAND move is taken whole, a zero instruction dword is
   *  skipped, the target leaves the bus right after COMMAND COMPLETE. Linux's sym53c8xx
   *  works either way. Default true; false gives the strict SPI behaviour. */
  firmwareQuirks?: boolean;
  /** Default lsi53c895a. */
  chip?: ScsiChip;
}

function putAscii(bytes: Uint8Array, offset: number, width: number, text: string, what: string): void {
  if (text.length > width) throw new RangeError(`${what} "${text}" is longer than ${width} characters`);
  for (let i = 0; i < width; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0x20;
    if (c < 0x20 || c > 0x7e) throw new RangeError(`${what} "${text}" is not printable ASCII`);
    bytes[offset + i] = c;
  }
}

/** Builds the config struct; throws RangeError for anything the core would refuse. */
export function encodeScsiConfig(cfg: ScsiConfig): Uint8Array {
  if (cfg.targets.length > SCSI_TARGET_SLOTS) {
    throw new RangeError(`SCSI config has ${cfg.targets.length} target positions, at most ${SCSI_TARGET_SLOTS}`);
  }
  const bytes = new Uint8Array(SCSI_CONFIG_SIZE);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, SCSI_CONFIG_MAGIC, true);
  view.setUint32(4, SCSI_TARGET_SLOTS, true);
  view.setUint32(8, cfg.firmwareQuirks === false ? 0 : SCSI_FLAG_FIRMWARE_QUIRKS, true);
  view.setUint32(12, CHIP_CODES[cfg.chip ?? 'lsi53c895a'], true);
  cfg.targets.forEach((t, id) => {
    if (!t) return;
    if (id === SCSI_HOST_ADAPTER_ID) throw new RangeError(`SCSI ID ${id} is the host adapter's own`);
    const blockSize = t.blockSize ?? 512;
    if (![512, 1024, 2048, 4096].includes(blockSize)) throw new RangeError(`target ${id}: block size ${blockSize}`);
    const perBlock = blockSize / 512;
    const least = t.kind === 'disk' ? 0 : 1;
    if (!Number.isSafeInteger(t.sectors) || t.sectors < least || t.sectors > SCSI_MAX_SECTORS || t.sectors % perBlock !== 0) {
      throw new RangeError(`target ${id}: sectors ${t.sectors} is not a whole number of ${blockSize}-byte blocks in ${least}..2^44`);
    }
    if (!Number.isInteger(t.drive) || t.drive < 0 || t.drive > 0xffffffff) throw new RangeError(`target ${id}: drive ${t.drive}`);
    const wwn = t.worldwideName ?? 0n;
    if (wwn < 0n || wwn >= 2n ** 64n) throw new RangeError(`target ${id}: worldwide name out of range`);
    const entry = SCSI_CONFIG_HEADER_SIZE + id * SCSI_TARGET_ENTRY_SIZE;
    bytes[entry] = t.kind === 'test' ? 2 : 1;
    bytes[entry + 1] = t.readOnly ? 1 : 0;
    view.setUint16(entry + 2, blockSize, true);
    view.setUint32(entry + 4, t.drive, true);
    view.setBigUint64(entry + 8, BigInt(t.sectors), true);
    putAscii(bytes, entry + 16, 8, t.vendor ?? '', `target ${id} vendor`);
    putAscii(bytes, entry + 24, 16, t.product ?? '', `target ${id} product`);
    putAscii(bytes, entry + 40, 4, t.revision ?? '', `target ${id} revision`);
    putAscii(bytes, entry + 44, 20, t.serial, `target ${id} serial`);
    view.setBigUint64(entry + 64, wwn, true);
  });
  return bytes;
}
