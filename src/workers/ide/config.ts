// Encodes the PIIX3 IDE core's configuration struct, which the worker writes at the core's
// config_ptr() before calling init(config.length). Layout (little-endian), mirrored by
// assembly/ide/config.ts:
//   0 u32 magic 'IDE1' (0x49444531), 4 u32 mode (0 legacy, 1 native), 8 u32 drive count (4)
//   16 + i*80, drive i = channel * 2 + unit (0 master, 1 slave):
//     +0 u8 present, +1 u8 media (0 disk, 1 cdrom), +2 u8 read-only, +3..7 pad,
//     +8 u64 sectors (512-byte units: image size / 512),
//     +16 20 bytes serial, +36 40 bytes model (ASCII, space padded), +76..79 pad

export const IDE_CONFIG_MAGIC = 0x49444531;
export const IDE_DRIVE_POSITIONS = 4;
export const IDE_CONFIG_HEADER_SIZE = 16;
export const IDE_DRIVE_ENTRY_SIZE = 80;
export const IDE_CONFIG_SIZE = IDE_CONFIG_HEADER_SIZE + IDE_DRIVE_POSITIONS * IDE_DRIVE_ENTRY_SIZE;
export const IDE_SERIAL_LENGTH = 20;
export const IDE_MODEL_LENGTH = 40;
/** Largest disk LBA48 can address, in 512-byte sectors. */
export const IDE_MAX_SECTORS = 2 ** 48;

/** What init() returns for a config it refuses (0 = accepted). */
export const IdeInitResult = {
  ok: 0,
  badSize: 1,
  badMagic: 2,
  badMode: 3,
  badDriveCount: 4,
  badDrive: 5,
} as const;

export interface IdeDriveConfig {
  media: 'disk' | 'cdrom';
  /** A CD-ROM is always read-only; for a disk, writes are aborted (ABRT). */
  readOnly: boolean;
  /** Capacity in 512-byte sectors (image size / 512); a CD-ROM has sectors / 4 blocks. */
  sectors: number;
  /** At most 20 printable ASCII characters. */
  serial: string;
  /** At most 40 printable ASCII characters. */
  model: string;
}

export interface IdeConfig {
  mode: 'legacy' | 'native';
  /** Index = channel * 2 + unit; null = no device at that position. */
  drives: (IdeDriveConfig | null)[];
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
export function encodeIdeConfig(cfg: IdeConfig): Uint8Array {
  if (cfg.drives.length !== IDE_DRIVE_POSITIONS) {
    throw new RangeError(`IDE config needs ${IDE_DRIVE_POSITIONS} drive positions, got ${cfg.drives.length}`);
  }
  const bytes = new Uint8Array(IDE_CONFIG_SIZE);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, IDE_CONFIG_MAGIC, true);
  view.setUint32(4, cfg.mode === 'native' ? 1 : 0, true);
  view.setUint32(8, IDE_DRIVE_POSITIONS, true);
  cfg.drives.forEach((drive, index) => {
    const entry = IDE_CONFIG_HEADER_SIZE + index * IDE_DRIVE_ENTRY_SIZE;
    if (!drive) return; // all zero: not present
    if (!Number.isSafeInteger(drive.sectors) || drive.sectors < 0 || drive.sectors > IDE_MAX_SECTORS) {
      throw new RangeError(`drive ${index}: sectors ${drive.sectors} is not a whole number in 0..2^48`);
    }
    bytes[entry] = 1;
    bytes[entry + 1] = drive.media === 'cdrom' ? 1 : 0;
    bytes[entry + 2] = drive.readOnly || drive.media === 'cdrom' ? 1 : 0;
    view.setBigUint64(entry + 8, BigInt(drive.sectors), true);
    putAscii(bytes, entry + 16, IDE_SERIAL_LENGTH, drive.serial, `drive ${index} serial`);
    putAscii(bytes, entry + 36, IDE_MODEL_LENGTH, drive.model, `drive ${index} model`);
  });
  return bytes;
}
