// Host-side description of an LSI53C895A SCSI controller: its PCI identity (LSI53C895A data
// manual, chapter 4 "PCI Functional Description", configuration registers) and its disks
// checked and encoded for the core before any worker starts, so a bad image is one clear
// error up front.

import { encodeScsiConfig, type ScsiChip, type ScsiTargetConfig } from '../../workers/scsi/config.js';
import { romBarSize } from '../pci/expansion-rom.js';
import { loadOptionRom } from './option-rom.js';
import type { BackendDriveSpec } from '../../workers/common/device-worker.js';
import type { PciIdentity } from '../pci/pci-identity.js';
import { SCSI_ADAPTER_ID, SCSI_BUS_IDS, type ScsiDeviceSpec } from './device-spec.js';
import { checkDriveImage, DriveError, type PreparedDevice } from './prepared-device.js';

export const LSI_VENDOR = 0x1000;
export const LSI_53C895A_DEVICE = 0x0012;
/** Mass storage / SCSI bus controller, no programming interface. */
const CLASS_SCSI = 0x010000;
/** sym53c8xx accepts any 895A revision (its chip table allows up to 0xff) and QEMU's model
 *  reports 0; Linux then prints "sym0: <895a> rev 0x0". */
const REVISION = 0x00;

// BAR sizes: the core decodes exactly these (assembly/scsi/chip/pci-function.ts).
/** BAR0: the operating registers in I/O space. */
export const LSI_IO_BAR_SIZE = 256;
/** BAR1: the same registers in memory space (sym53c8xx maps this one). */
export const LSI_MMIO_BAR_SIZE = 1024;
/** BAR2: the 8 KiB on-chip SCRIPTS RAM (sym53c8xx's FE_RAM8K), where the driver puts its SCRIPTS. */
export const LSI_RAM_BAR_SIZE = 8192;

/** The 53C875 (sym53c8xx's table: revisions above 01h have the clock doubler, FE_DBLR). */
export const LSI_53C875_DEVICE = 0x000f;
const REVISION_875 = 0x04;
/** BAR2 of the 53C875: its 4 KiB SCRIPTS RAM (FE_RAM without FE_RAM8K). */
export const LSI_875_RAM_BAR_SIZE = 4096;

/** The PCI identity of the chosen chip. The 53C875 carries the project's option ROM in its
 *  ROM BAR (when it has been built): it is the identity a BIOS boots through our ROM, since
 *  SeaBIOS drives the 895A itself. */
export function lsi53c895aIdentity(chip: ScsiChip = 'lsi53c895a', romImage: Uint8Array | null = null): PciIdentity {
  const is875 = chip === 'lsi53c875';
  return {
    vendorId: LSI_VENDOR,
    deviceId: is875 ? LSI_53C875_DEVICE : LSI_53C895A_DEVICE,
    revision: is875 ? REVISION_875 : REVISION,
    classCode: CLASS_SCSI,
    subsystemVendorId: 0,
    subsystemId: 0,
    interruptPin: 1,
    bars: [
      { kind: 'io', size: LSI_IO_BAR_SIZE },
      { kind: 'mem32', size: LSI_MMIO_BAR_SIZE },
      { kind: 'mem32', size: is875 ? LSI_875_RAM_BAR_SIZE : LSI_RAM_BAR_SIZE },
      null,
      null,
      null,
    ],
    romSize: romImage ? romBarSize(romImage.length) : 0,
    ...(romImage ? { romImage } : {}),
    legacyIo: [],
  };
}

/** The unit serial number a disk reports: controller id and SCSI ID, at most 20 characters. */
function serialFor(controllerId: string, scsiId: number): string {
  const tag = controllerId.toUpperCase().replace(/[^A-Z0-9]/g, '').slice(0, 11);
  return `HVMIO${tag}T${scsiId}`.slice(0, 20);
}

/** Checks every disk and builds the core config; drive numbers count the disks in SCSI ID
 *  order, so `drives[n]` is the backend of the n-th disk. */
export function prepareLsi53c895a(spec: ScsiDeviceSpec): PreparedDevice {
  if (spec.targets.length !== SCSI_BUS_IDS) throw new DriveError(`${spec.id}: expected ${SCSI_BUS_IDS} SCSI ID positions`);
  const chip = spec.chip ?? 'lsi53c895a';
  const drives: BackendDriveSpec[] = [];
  const targets: (ScsiTargetConfig | null)[] = [];
  spec.targets.forEach((d, scsiId) => {
    if (!d) {
      targets.push(null);
      return;
    }
    if (scsiId === SCSI_ADAPTER_ID) throw new DriveError(`${spec.id}: SCSI ID ${SCSI_ADAPTER_ID} is the adapter's own`);
    if (d.media !== 'disk') throw new DriveError(`${spec.id}: SCSI ID ${scsiId}: only disks are supported`);
    // A zero-byte image is a disk without usable medium (NOT READY), as QEMU's scsi-hd.
    const size = checkDriveImage(d, true);
    const readOnly = !!d.readOnly;
    targets.push({ kind: 'disk', readOnly, drive: drives.length, sectors: size / 512, serial: serialFor(spec.id, scsiId) });
    drives.push({ path: d.path, cache: d.cache, readOnly, allowEmpty: true });
  });
  let config: Uint8Array;
  try {
    config = encodeScsiConfig({ targets, chip });
  } catch (err) {
    throw new DriveError(`${spec.id}: ${(err as Error).message}`);
  }
  const romImage = chip === 'lsi53c875' && spec.romBar !== false ? loadOptionRom() : null;
  return { identity: lsi53c895aIdentity(chip, romImage), config, drives };
}
