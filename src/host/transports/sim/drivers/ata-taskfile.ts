// The taskfile: the register values that make up one ATA command, how 28-bit and 48-bit
// LBA addressing encode an address and a count (ATA8-ACS 4.x; LBA48 writes the "previous
// content" bytes first, each register being a two-deep FIFO), and libata's rule for which
// addressing a read/write uses: LBA28 whenever the whole request fits, LBA48 only when it
// must (and the device supports it).

import {
  ATA_DEVICE_DEV1,
  ATA_DEVICE_LBA,
  ATA_DEVICE_OBS,
  ATA_LBA48_LIMIT,
  ATA_LBA28_LIMIT,
  ATA_MAX_SECTORS_LBA28,
  ATA_MAX_SECTORS_LBA48,
  ATA_REG_COMMAND,
  ATA_REG_DEVICE,
  ATA_REG_FEATURE,
  ATA_REG_LBAH,
  ATA_REG_LBAL,
  ATA_REG_LBAM,
  ATA_REG_NSECT,
} from './ata-regs.js';
import type { AtaChannel } from './ata-channel.js';

export interface TaskfileBytes {
  feature: number;
  nsect: number;
  lbal: number;
  lbam: number;
  lbah: number;
}

export interface Taskfile extends TaskfileBytes {
  command: number;
  device: number;
  /** LBA48 high-order bytes, written before the low-order ones; absent for 28-bit commands. */
  hob?: TaskfileBytes;
}

export type AtaAddressing = 'lba28' | 'lba48';

const ZERO_BYTES: TaskfileBytes = { feature: 0, nsect: 0, lbal: 0, lbam: 0, lbah: 0 };

/** libata lba_28_ok: the last sector must stay below 0x0FFFFFFF, at most 256 sectors. */
export function lba28Ok(lba: number, count: number): boolean {
  return lba + count < ATA_LBA28_LIMIT - 1 && count >= 1 && count <= ATA_MAX_SECTORS_LBA28;
}

export function lba48Ok(lba: number, count: number): boolean {
  return lba + count <= ATA_LBA48_LIMIT && count >= 1 && count <= ATA_MAX_SECTORS_LBA48;
}

/** ata_build_rw_tf's choice. Throws when neither form can express the request. */
export function chooseAddressing(lba: number, count: number, deviceHasLba48: boolean): AtaAddressing {
  if (lba28Ok(lba, count)) return 'lba28';
  if (deviceHasLba48 && lba48Ok(lba, count)) return 'lba48';
  throw new RangeError(`sectors ${lba}+${count} cannot be addressed (LBA48 ${deviceHasLba48 ? 'on' : 'off'})`);
}

export function deviceBits(unit: 0 | 1): number {
  return ATA_DEVICE_OBS | (unit ? ATA_DEVICE_DEV1 : 0);
}

/** Taskfile of a sector read/write: address, count and LBA mode encoded for `addressing`. */
export function rwTaskfile(unit: 0 | 1, command: number, lba: number, count: number, addressing: AtaAddressing): Taskfile {
  if (addressing === 'lba28') {
    return {
      command,
      feature: 0,
      nsect: count & 0xff, // 256 encodes as 0
      lbal: lba & 0xff,
      lbam: (lba >>> 8) & 0xff,
      lbah: (lba >>> 16) & 0xff,
      device: deviceBits(unit) | ATA_DEVICE_LBA | ((lba >>> 24) & 0x0f),
    };
  }
  const high = Math.floor(lba / 2 ** 24);
  return {
    command,
    feature: 0,
    nsect: count & 0xff,
    lbal: lba & 0xff,
    lbam: (lba >>> 8) & 0xff,
    lbah: (lba >>> 16) & 0xff,
    device: deviceBits(unit) | ATA_DEVICE_LBA,
    hob: {
      feature: 0,
      nsect: (count >>> 8) & 0xff, // 65536 encodes as 0/0
      lbal: high & 0xff,
      lbam: (high >>> 8) & 0xff,
      lbah: (high >>> 16) & 0xff,
    },
  };
}

/** A command that carries no address (IDENTIFY, FLUSH, SET FEATURES, ...). */
export function simpleTaskfile(unit: 0 | 1, command: number, fields: Partial<TaskfileBytes> = {}): Taskfile {
  return { ...ZERO_BYTES, ...fields, command, device: deviceBits(unit) };
}

/** ata_sff_tf_load: previous-content bytes first for LBA48, then the current ones, then Device. */
export async function loadTaskfile(ch: AtaChannel, tf: Taskfile): Promise<void> {
  if (tf.hob) {
    await ch.write(ATA_REG_FEATURE, tf.hob.feature);
    await ch.write(ATA_REG_NSECT, tf.hob.nsect);
    await ch.write(ATA_REG_LBAL, tf.hob.lbal);
    await ch.write(ATA_REG_LBAM, tf.hob.lbam);
    await ch.write(ATA_REG_LBAH, tf.hob.lbah);
  }
  await ch.write(ATA_REG_FEATURE, tf.feature);
  await ch.write(ATA_REG_NSECT, tf.nsect);
  await ch.write(ATA_REG_LBAL, tf.lbal);
  await ch.write(ATA_REG_LBAM, tf.lbam);
  await ch.write(ATA_REG_LBAH, tf.lbah);
  await ch.write(ATA_REG_DEVICE, tf.device);
}

/** ata_sff_exec_command: write Command, then the 400 ns pause (an Alternate Status read). */
export async function execCommand(ch: AtaChannel, command: number): Promise<void> {
  await ch.write(ATA_REG_COMMAND, command);
  await ch.altStatus();
}

/** The address registers after an error: the first failing sector (ATA8-ACS error outputs). */
export async function readErrorLba(ch: AtaChannel, addressing: AtaAddressing): Promise<number> {
  const lbal = await ch.read(ATA_REG_LBAL);
  const lbam = await ch.read(ATA_REG_LBAM);
  const lbah = await ch.read(ATA_REG_LBAH);
  if (addressing === 'lba28') {
    const dev = await ch.read(ATA_REG_DEVICE);
    return ((dev & 0x0f) << 24) + (lbah << 16) + (lbam << 8) + lbal;
  }
  const hl = await ch.readHob(ATA_REG_LBAL);
  const hm = await ch.readHob(ATA_REG_LBAM);
  const hh = await ch.readHob(ATA_REG_LBAH);
  return (hh * 2 ** 16 + hm * 2 ** 8 + hl) * 2 ** 24 + (lbah << 16) + (lbam << 8) + lbal;
}
