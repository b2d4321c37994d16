// `--device` options → DeviceSpec list. Controllers and the drives on them are named the way
// QEMU users write them:
//   --device piix3-ide,id=ide0,drive=disk.img[,cache=none|writeback][,media=disk|cdrom][,mode=legacy|native][,readonly=on]
//     (the drive, if given, is the primary master)
//   --device ide-hd,bus=ide0.1,drive=other.img[,unit=0|1][,cache=...][,readonly=on]
//   --device ide-cd,bus=ide0.0,unit=1,drive=image.iso
//   --device lsi53c895a,id=scsi0[,drive=disk.img][,cache=none|writeback][,readonly=on]
//     (the drive, if given, is the disk at SCSI ID 0)
//   --device lsi53c875,... the same controller as the LSI 53C875 (1000:000F), as QEMU names
//     each LSI chip it models by its own device name (lsi53c895a, lsi53c810)
//   --device scsi-hd,bus=scsi0.0[,scsi-id=N],drive=other.img[,cache=...][,readonly=on]
//   --device e1000,id=nic0,netdev=NAME[,mac=52:54:00:12:34:56][,link=on|off]
//     (netdev names a --netdev; each serves one NIC; without mac= the address is QEMU's
//     52:54:00 prefix and three bytes derived from the id, the same on every run)
// bus=ID.N picks channel N of IDE controller ID, as QEMU's ide-hd/ide-cd do; a SCSI
// controller has one bus, ID.0. A scsi-hd without scsi-id takes the lowest free ID, as
// QEMU's does; explicit IDs are placed first, so the order of the options does not matter.

import {
  SCSI_ADAPTER_ID,
  SCSI_BUS_IDS,
  type CacheMode,
  type DeviceSpec,
  type DriveSpec,
  type E1000DeviceSpec,
  type IdeDeviceSpec,
  type ScsiDeviceSpec,
} from '../devices/device-spec.js';
import type { ScsiChip } from '../../workers/scsi/config.js';
import { defaultMacFor } from '../devices/e1000.js';
import type { NetdevSpec } from '../net/netdev-spec.js';
import { parseMac, type MacAddress } from '../../workers/net/config.js';
import { keyMap, OptionError, oneOf, onOff, parseKeyval, type KeyvalOption } from './keyval.js';

const IDE_CONTROLLER_KEYS = ['id', 'drive', 'cache', 'media', 'mode', 'readonly'] as const;
const IDE_DRIVE_KEYS = ['bus', 'unit', 'drive', 'cache', 'readonly'] as const;
const SCSI_CONTROLLER_KEYS = ['id', 'drive', 'cache', 'readonly'] as const;
const SCSI_DISK_KEYS = ['bus', 'scsi-id', 'drive', 'cache', 'readonly'] as const;
const E1000_KEYS = ['id', 'netdev', 'mac', 'link'] as const;
const KNOWN = ['piix3-ide', 'ide-hd', 'ide-cd', 'lsi53c895a', 'lsi53c875', 'scsi-hd', 'e1000'];
const CONTROLLERS = ['piix3-ide', 'lsi53c895a', 'lsi53c875', 'e1000'];

export interface ParseDefaults {
  /** Mode for controllers that do not say: legacy under sim, native behind QEMU's proxy. */
  ideMode: IdeDeviceSpec['mode'];
}

/** `netdevs`: the parsed `--netdev` options by id; every one must be used by exactly one NIC. */
export function parseDeviceOptions(values: string[], defaults: ParseDefaults, netdevs: ReadonlyMap<string, NetdevSpec> = new Map()): DeviceSpec[] {
  const netdevUsers = new Map<string, string>();
  const controllers = new Map<string, DeviceSpec>();
  const order: DeviceSpec[] = [];
  const attached: KeyvalOption[] = [];
  let anonIde = 0;
  let anonScsi = 0;
  let anonNic = 0;
  for (const text of values) {
    const opt = parseKeyval(text, '--device');
    if (!KNOWN.includes(opt.driver)) {
      throw new OptionError(`--device ${opt.driver}: unknown device (known: ${KNOWN.join(', ')})`);
    }
    if (!CONTROLLERS.includes(opt.driver)) {
      attached.push(opt);
      continue;
    }
    const spec =
      opt.driver === 'piix3-ide'
        ? ideController(keyMap(opt, IDE_CONTROLLER_KEYS, '--device'), () => `ide${anonIde++}`, defaults)
        : opt.driver === 'e1000'
          ? e1000Nic(keyMap(opt, E1000_KEYS, '--device'), () => `nic${anonNic++}`, netdevs, netdevUsers)
          : scsiController(keyMap(opt, SCSI_CONTROLLER_KEYS, '--device'), () => `scsi${anonScsi++}`, opt.driver as ScsiChip);
    if (controllers.has(spec.id)) throw new OptionError(`--device ${opt.driver}: id "${spec.id}" used twice`);
    controllers.set(spec.id, spec);
    order.push(spec);
  }
  // Explicit SCSI IDs first, then the disks that take the lowest free one.
  const scsiDisks = attached.filter((o) => o.driver === 'scsi-hd');
  const explicit = scsiDisks.filter((o) => o.entries.some(([k]) => k === 'scsi-id'));
  for (const opt of [...explicit, ...scsiDisks.filter((o) => !explicit.includes(o))]) attachScsiDisk(opt, controllers);
  for (const opt of attached.filter((o) => o.driver !== 'scsi-hd')) attachIdeDrive(opt, controllers);
  for (const id of netdevs.keys()) {
    if (!netdevUsers.has(id)) throw new OptionError(`--netdev ${id}: no --device e1000,netdev=${id} uses it`);
  }
  return order;
}

function e1000Nic(
  m: Map<string, string>,
  anonId: () => string,
  netdevs: ReadonlyMap<string, NetdevSpec>,
  users: Map<string, string>,
): E1000DeviceSpec {
  const id = m.get('id') ?? anonId();
  const netdevId = m.get('netdev');
  if (!netdevId) throw new OptionError(`--device e1000,id=${id}: needs netdev=NAME (a --netdev TYPE,id=NAME)`);
  const netdev = netdevs.get(netdevId);
  if (!netdev) throw new OptionError(`--device e1000,id=${id}: no --netdev with id "${netdevId}"`);
  const other = users.get(netdevId);
  if (other) throw new OptionError(`--device e1000,id=${id}: netdev "${netdevId}" is already used by ${other}`);
  users.set(netdevId, id);
  let mac: MacAddress;
  const macText = m.get('mac');
  if (macText === undefined) mac = defaultMacFor(id);
  else {
    try {
      mac = parseMac(macText);
    } catch (err) {
      throw new OptionError(`--device e1000,id=${id}: ${(err as Error).message}`);
    }
  }
  const linkUp = m.has('link') ? onOff(m.get('link')!, `--device e1000,id=${id} link`) : true;
  return { kind: 'e1000', id, mac, netdev, linkUp };
}

function ideController(m: Map<string, string>, anonId: () => string, defaults: ParseDefaults): IdeDeviceSpec {
  const id = m.get('id') ?? anonId();
  const spec: IdeDeviceSpec = {
    kind: 'piix3-ide',
    id,
    mode: m.has('mode') ? oneOf(m.get('mode')!, ['legacy', 'native'] as const, `--device ${id} mode`) : defaults.ideMode,
    drives: [null, null, null, null],
  };
  const drive = m.get('drive');
  if (drive !== undefined) {
    const media = oneOf(m.get('media') ?? 'disk', ['disk', 'cdrom'] as const, `--device ${id} media`);
    spec.drives[0] = driveSpec(drive, m, media, id);
  } else if (m.has('media') || m.has('cache') || m.has('readonly')) {
    throw new OptionError(`--device ${id}: media/cache/readonly given without drive=`);
  }
  return spec;
}

function scsiController(m: Map<string, string>, anonId: () => string, chip: ScsiChip): ScsiDeviceSpec {
  const id = m.get('id') ?? anonId();
  const spec: ScsiDeviceSpec = { kind: 'lsi53c895a', chip, id, targets: new Array<DriveSpec | null>(SCSI_BUS_IDS).fill(null) };
  const drive = m.get('drive');
  if (drive !== undefined) spec.targets[0] = driveSpec(drive, m, 'disk', id);
  else if (m.has('cache') || m.has('readonly')) throw new OptionError(`--device ${id}: cache/readonly given without drive=`);
  return spec;
}

function attachIdeDrive(opt: KeyvalOption, controllers: Map<string, DeviceSpec>): void {
  const m = keyMap(opt, IDE_DRIVE_KEYS, '--device');
  const bus = m.get('bus');
  const drive = m.get('drive');
  if (!bus || !drive) throw new OptionError(`--device ${opt.driver}: needs bus=CONTROLLER.CHANNEL and drive=FILE`);
  const match = /^(.+)\.([01])$/.exec(bus);
  if (!match) throw new OptionError(`--device ${opt.driver}: bus "${bus}" must be CONTROLLER.0 or CONTROLLER.1`);
  const ctl = controllers.get(match[1]!);
  if (!ctl) throw new OptionError(`--device ${opt.driver}: no controller with id "${match[1]}"`);
  if (ctl.kind !== 'piix3-ide') throw new OptionError(`--device ${opt.driver}: "${ctl.id}" is not an IDE controller (use scsi-hd)`);
  const unit = Number(oneOf(m.get('unit') ?? '0', ['0', '1'] as const, `--device ${opt.driver} unit`));
  const pos = Number(match[2]) * 2 + unit;
  if (ctl.drives[pos]) throw new OptionError(`--device ${opt.driver}: ${bus} unit ${unit} already has a drive`);
  ctl.drives[pos] = driveSpec(drive, m, opt.driver === 'ide-cd' ? 'cdrom' : 'disk', ctl.id);
}

function attachScsiDisk(opt: KeyvalOption, controllers: Map<string, DeviceSpec>): void {
  const m = keyMap(opt, SCSI_DISK_KEYS, '--device');
  const bus = m.get('bus');
  const drive = m.get('drive');
  if (!bus) throw new OptionError('--device scsi-hd: needs bus=CONTROLLER.0');
  if (drive === undefined) throw new OptionError(`--device scsi-hd,bus=${bus}: needs drive=FILE`);
  const match = /^(.+)\.0$/.exec(bus);
  if (!match) throw new OptionError(`--device scsi-hd: bus "${bus}" must be CONTROLLER.0 (the controller has one SCSI bus)`);
  const ctl = controllers.get(match[1]!);
  if (!ctl) throw new OptionError(`--device scsi-hd: no controller with id "${match[1]}"`);
  if (ctl.kind !== 'lsi53c895a') throw new OptionError(`--device scsi-hd: "${ctl.id}" is not a SCSI controller (use ide-hd)`);
  const what = `--device scsi-hd,bus=${bus}`;
  let scsiId: number;
  const idText = m.get('scsi-id');
  if (idText !== undefined) {
    scsiId = Number(idText);
    if (!/^\d+$/.test(idText) || scsiId >= SCSI_BUS_IDS) {
      throw new OptionError(`${what}: scsi-id "${idText}" is not a SCSI ID in 0..${SCSI_BUS_IDS - 1}`);
    }
    if (scsiId === SCSI_ADAPTER_ID) throw new OptionError(`${what}: scsi-id ${SCSI_ADAPTER_ID} is the controller's own ID`);
    if (ctl.targets[scsiId]) throw new OptionError(`${what}: SCSI ID ${scsiId} of ${ctl.id} already has a disk`);
  } else {
    scsiId = ctl.targets.findIndex((d, i) => d === null && i !== SCSI_ADAPTER_ID);
    if (scsiId < 0) throw new OptionError(`${what}: every SCSI ID of ${ctl.id} is taken`);
  }
  ctl.targets[scsiId] = driveSpec(drive, m, 'disk', ctl.id);
}

function driveSpec(path: string, m: Map<string, string>, media: DriveSpec['media'], id: string): DriveSpec {
  if (!path) throw new OptionError(`--device ${id}: drive= is empty`);
  const cache = oneOf(m.get('cache') ?? 'writeback', ['none', 'writeback'] as const, `--device ${id} cache`) as CacheMode;
  const readOnly = m.has('readonly') ? onOff(m.get('readonly')!, `--device ${id} readonly`) : media === 'cdrom';
  if (media === 'cdrom' && !readOnly) throw new OptionError(`--device ${id}: a CD-ROM is read-only`);
  return { path, cache, media, readOnly };
}
