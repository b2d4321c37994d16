// Devices as a user names them (QEMU-style `--device` options, parsed in src/host/cli) and
// as the machine builders take them.

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

export type DeviceSpec = IdeDeviceSpec;
