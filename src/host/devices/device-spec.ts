// Devices as a user names them (QEMU-style `--device` options, parsed in src/host/cli) and
// as the machine builders take them.

import type { ScsiChip } from '../../workers/scsi/config.js';
import type { MacAddress } from '../../workers/net/config.js';
import type { NetdevSpec } from '../net/netdev-spec.js';

export type CacheMode = 'none' | 'writeback';
export type Media = 'disk' | 'cdrom';

export interface DriveSpec {
  path: string;
  cache: CacheMode;
  media: Media;
  readOnly?: boolean;
}

export interface IdeDeviceSpec {
  kind: 'piix3-ide';
  id: string;
  /** legacy: ports 0x1f0/0x170 and IRQ 14/15; native: BAR0-3 and INTA# (the only way through QEMU's proxy). */
  mode: 'legacy' | 'native';
  /** Four positions, index = channel * 2 + unit (0 master, 1 slave). */
  drives: (DriveSpec | null)[];
}

/** SCSI IDs of a wide bus; the LSI53C895A is a 16-bit (wide) controller. */
export const SCSI_BUS_IDS = 16;
/** The controller's own ID on its bus (sym53c8xx's default host ID; nothing else may use it). */
export const SCSI_ADAPTER_ID = 7;

export interface ScsiDeviceSpec {
  /** The LSI 53C8xx controller family; `chip` says which member. */
  kind: 'lsi53c895a';
  /** lsi53c895a (1000:0012) or lsi53c875 (1000:000F, which SeaBIOS has no driver of its own
   *  for, so that a BIOS boots through our option ROM). */
  chip?: ScsiChip;
  /** Whether the 53C875 offers the option ROM in its ROM BAR (default true). Off behind
   *  QEMU's proxy, which never maps an expansion ROM (docs/option-rom.md). */
  romBar?: boolean;
  id: string;
  /** SCSI_BUS_IDS positions, index = SCSI ID; each a disk (media 'disk') or null. The
   *  adapter's own ID (SCSI_ADAPTER_ID) is always null. */
  targets: (DriveSpec | null)[];
}

export interface E1000DeviceSpec {
  kind: 'e1000';
  id: string;
  mac: MacAddress;
  /** The backend the NIC's wire goes to (each netdev serves one NIC). */
  netdev: NetdevSpec;
  /** Cable plugged in at power-on (default true); DeviceHost.setLink changes it later. */
  linkUp: boolean;
}

export type DeviceSpec = IdeDeviceSpec | ScsiDeviceSpec | E1000DeviceSpec;

/** The drives a controller has, wherever they sit on it (none for a NIC). */
export function specDrives(spec: DeviceSpec): DriveSpec[] {
  if (spec.kind === 'e1000') return [];
  const positions = spec.kind === 'piix3-ide' ? spec.drives : spec.targets;
  return positions.filter((d): d is DriveSpec => d !== null);
}
