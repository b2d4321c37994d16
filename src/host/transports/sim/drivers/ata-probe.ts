// Finding out what sits on a channel, the way libata's SFF soft reset does it
// (ata_sff_softreset): check which positions hold a device by writing and reading back
// taskfile registers, pulse SRST in Device Control, wait for BSY to clear (bounded), and
// classify each device by the signature the reset left in the taskfile (ATA/ATAPI-6 9.12:
// ATA = LBA mid/high 00h/00h, ATAPI = 14h/EBh).

import { AtaError } from './ata-error.js';
import type { AtaChannel } from './ata-channel.js';
import { Deadline, pollUntil } from './deadline.js';
import {
  ATA_DEVCTL_SRST,
  ATA_REG_ERROR,
  ATA_REG_LBAH,
  ATA_REG_LBAL,
  ATA_REG_LBAM,
  ATA_REG_NSECT,
  ATA_ST_BSY,
} from './ata-regs.js';

export type AtaDeviceClass = 'ata' | 'atapi' | 'none';

/** Reads all-ones: nothing drives the bus (no device, or the controller is gone). */
const FLOATING_BUS = 0xff;
/** Diagnostic code in the Error register after reset: 01h = passed; 81h = device 0 passed, device 1 failed. */
const DIAG_PASSED = 0x01;
const DIAG_DEV1_FAILED = 0x81;

/** ata_devchk: a present device latches what is written to Sector Count / LBA Low. */
export async function devicePresent(ch: AtaChannel, unit: 0 | 1): Promise<boolean> {
  await ch.selectDevice(unit);
  await ch.write(ATA_REG_NSECT, 0x55);
  await ch.write(ATA_REG_LBAL, 0xaa);
  await ch.write(ATA_REG_NSECT, 0xaa);
  await ch.write(ATA_REG_LBAL, 0x55);
  await ch.write(ATA_REG_NSECT, 0x55);
  await ch.write(ATA_REG_LBAL, 0xaa);
  const nsect = await ch.read(ATA_REG_NSECT);
  const lbal = await ch.read(ATA_REG_LBAL);
  return nsect === 0x55 && lbal === 0xaa;
}

/**
 * SRST pulse and the wait that follows (ata_bus_softreset + ata_sff_wait_after_reset).
 * Throws a timeout AtaError when a present device stays busy past the deadline.
 */
export async function softReset(ch: AtaChannel, present: readonly [boolean, boolean]): Promise<void> {
  const deadline = new Deadline(ch.timeouts.resetMs);
  const ctl = ch.currentDeviceControl;
  await ch.writeDeviceControl(ctl);
  await ch.writeDeviceControl(ctl | ATA_DEVCTL_SRST);
  await ch.writeDeviceControl(ctl);

  if (present[0]) await waitReady(ch, 0, deadline);
  if (present[1]) {
    // Device 1 signals the end of its reset by its signature (Sector Count = LBA Low = 1).
    await ch.selectDevice(1);
    const sig = await pollUntil(
      async () => [await ch.read(ATA_REG_NSECT), await ch.read(ATA_REG_LBAL)] as const,
      ([nsect, lbal]) => (nsect === 1 && lbal === 1) || nsect === FLOATING_BUS,
      deadline,
    );
    if (sig.ok) await waitReady(ch, 1, deadline);
  }
  await ch.selectDevice(present[0] || !present[1] ? 0 : 1);
}

/** Reads the post-reset signature of one position (ata_sff_dev_classify). */
export async function classify(ch: AtaChannel, unit: 0 | 1): Promise<AtaDeviceClass> {
  await ch.selectDevice(unit);
  const diag = await ch.read(ATA_REG_ERROR);
  // A diagnostic code of 0 means "failed diagnostics" but libata still looks at the signature.
  if (diag !== DIAG_PASSED && diag !== 0 && !(unit === 0 && diag === DIAG_DEV1_FAILED)) return 'none';
  const lbam = await ch.read(ATA_REG_LBAM);
  const lbah = await ch.read(ATA_REG_LBAH);
  if (lbam === 0x14 && lbah === 0xeb) return 'atapi';
  if (lbam === 0x00 && lbah === 0x00) {
    // An ATA signature with Status 0 is an empty position on a channel that has a device.
    const status = await ch.status();
    return status === 0 || status === FLOATING_BUS ? 'none' : 'ata';
  }
  return 'none';
}

/** Device presence check, soft reset and classification of both positions. */
export async function resetAndClassify(ch: AtaChannel): Promise<[AtaDeviceClass, AtaDeviceClass]> {
  const present: [boolean, boolean] = [await devicePresent(ch, 0), await devicePresent(ch, 1)];
  await softReset(ch, present);
  return [
    present[0] ? await classify(ch, 0) : 'none',
    present[1] ? await classify(ch, 1) : 'none',
  ];
}

/** ata_sff_wait_ready: BSY clear, or all-ones (nothing there) which ends the wait at once. */
async function waitReady(ch: AtaChannel, unit: 0 | 1, deadline: Deadline): Promise<void> {
  await ch.selectDevice(unit);
  const r = await pollUntil(
    () => ch.altStatus(),
    (s) => s === FLOATING_BUS || (s & ATA_ST_BSY) === 0,
    deadline,
  );
  if (!r.ok) {
    throw new AtaError({ kind: 'timeout', command: 0, status: r.value, error: 0, detail: `device ${unit} busy after SRST` });
  }
}
