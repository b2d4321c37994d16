// Host-side description of a PIIX3 IDE function (Intel 82371SB datasheet, PCI config
// section): its PCI identity in legacy or native mode, and its drives checked and encoded
// for the core before any worker starts, so a bad image is one clear error up front.

import { ioPort } from '../../shared-mem/types.js';
import { encodeIdeConfig, type IdeDriveConfig } from '../../workers/ide/config.js';
import type { BackendDriveSpec } from '../../workers/common/device-worker.js';
import { checkDriveImage, DriveError, type PreparedDevice } from './prepared-device.js';
import type { PciIdentity } from '../pci/pci-identity.js';
import type { IdeDeviceSpec } from './device-spec.js';

export const PIIX3_IDE_VENDOR = 0x8086;
export const PIIX3_IDE_DEVICE = 0x7010;

/** Mass storage / IDE; prog-if 0x80 = bus-master capable, both channels in compatibility mode. */
const CLASS_LEGACY = 0x010180;
/** prog-if bits 0 and 2: both channels in PCI native mode (PCI IDE Controller spec 1.0, 2.1). */
const CLASS_NATIVE = 0x010185;

export function piix3Identity(mode: IdeDeviceSpec['mode']): PciIdentity {
  const io16 = { kind: 'io' as const, size: 16 };
  const native = mode === 'native';
  return {
    vendorId: PIIX3_IDE_VENDOR,
    deviceId: PIIX3_IDE_DEVICE,
    revision: 0,
    classCode: native ? CLASS_NATIVE : CLASS_LEGACY,
    subsystemVendorId: 0,
    subsystemId: 0,
    interruptPin: native ? 1 : 0,
    // Native-mode channel BARs are declared 16 bytes although the registers span 8 and 4:
    // QEMU's proxy cannot register smaller I/O BARs (mpqemu.md 5.3).
    bars: native ? [io16, io16, io16, io16, io16, null] : [null, null, null, null, io16, null],
    romSize: 0,
    legacyIo: native
      ? []
      : [
          { base: ioPort(0x1f0), size: 8 },
          { base: ioPort(0x3f6), size: 1 },
          { base: ioPort(0x170), size: 8 },
          { base: ioPort(0x376), size: 1 },
        ],
  };
}

export function preparePiix3(spec: IdeDeviceSpec): PreparedDevice {
  if (spec.drives.length !== 4) throw new DriveError(`${spec.id}: expected 4 drive positions`);
  const drives: (BackendDriveSpec | null)[] = [];
  const cfgDrives: (IdeDriveConfig | null)[] = [];
  spec.drives.forEach((d, i) => {
    if (!d) {
      drives.push(null);
      cfgDrives.push(null);
      return;
    }
    const size = checkDriveImage(d);
    const readOnly = d.media === 'cdrom' || !!d.readOnly;
    drives.push({ path: d.path, cache: d.cache, readOnly });
    cfgDrives.push({
      media: d.media,
      readOnly,
      sectors: size / 512,
      serial: `HVMIO${spec.id.toUpperCase().replace(/[^A-Z0-9]/g, '')}${i}`.slice(0, 20),
      model: d.media === 'cdrom' ? 'HVMIO DVD-ROM' : 'HVMIO HARDDISK',
    });
  });
  return { identity: piix3Identity(spec.mode), config: encodeIdeConfig({ mode: spec.mode, drives: cfgDrives }), drives };
}
