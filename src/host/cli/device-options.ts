// `--device` options → DeviceSpec list. Controllers and the drives on them are named the way
// QEMU users write them:
//   --device piix3-ide,id=ide0,drive=disk.img[,cache=none|writeback][,media=disk|cdrom][,mode=legacy|native][,readonly=on]
//     (the drive, if given, is the primary master)
//   --device ide-hd,bus=ide0.1,drive=other.img[,unit=0|1][,cache=...][,readonly=on]
//   --device ide-cd,bus=ide0.0,unit=1,drive=image.iso
// bus=ID.N picks channel N of controller ID, as QEMU's ide-hd/ide-cd do.

import type { CacheMode, DeviceSpec, DriveSpec, IdeDeviceSpec } from '../devices/device-spec.js';
import { keyMap, OptionError, oneOf, onOff, parseKeyval } from './keyval.js';

const CONTROLLER_KEYS = ['id', 'drive', 'cache', 'media', 'mode', 'readonly'] as const;
const DRIVE_KEYS = ['bus', 'unit', 'drive', 'cache', 'readonly'] as const;
const KNOWN = ['piix3-ide', 'ide-hd', 'ide-cd'];

export interface ParseDefaults {
  /** Mode for controllers that do not say: legacy under sim, native behind QEMU's proxy. */
  ideMode: IdeDeviceSpec['mode'];
}

export function parseDeviceOptions(values: string[], defaults: ParseDefaults): DeviceSpec[] {
  const controllers = new Map<string, IdeDeviceSpec>();
  const order: IdeDeviceSpec[] = [];
  const pendingDrives: { opt: ReturnType<typeof parseKeyval>; text: string }[] = [];
  let anon = 0;
  for (const text of values) {
    const opt = parseKeyval(text, '--device');
    if (!KNOWN.includes(opt.driver)) {
      throw new OptionError(`--device ${opt.driver}: unknown device (known: ${KNOWN.join(', ')})`);
    }
    if (opt.driver !== 'piix3-ide') {
      pendingDrives.push({ opt, text });
      continue;
    }
    const m = keyMap(opt, CONTROLLER_KEYS, '--device');
    const id = m.get('id') ?? `ide${anon++}`;
    if (controllers.has(id)) throw new OptionError(`--device piix3-ide: id "${id}" used twice`);
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
    controllers.set(id, spec);
    order.push(spec);
  }
  for (const { opt } of pendingDrives) {
    const m = keyMap(opt, DRIVE_KEYS, '--device');
    const bus = m.get('bus');
    const drive = m.get('drive');
    if (!bus || !drive) throw new OptionError(`--device ${opt.driver}: needs bus=CONTROLLER.CHANNEL and drive=FILE`);
    const match = /^(.+)\.([01])$/.exec(bus);
    if (!match) throw new OptionError(`--device ${opt.driver}: bus "${bus}" must be CONTROLLER.0 or CONTROLLER.1`);
    const ctl = controllers.get(match[1]!);
    if (!ctl) throw new OptionError(`--device ${opt.driver}: no controller with id "${match[1]}"`);
    const unit = Number(oneOf(m.get('unit') ?? '0', ['0', '1'] as const, `--device ${opt.driver} unit`));
    const pos = Number(match[2]) * 2 + unit;
    if (ctl.drives[pos]) throw new OptionError(`--device ${opt.driver}: ${bus} unit ${unit} already has a drive`);
    ctl.drives[pos] = driveSpec(drive, m, opt.driver === 'ide-cd' ? 'cdrom' : 'disk', ctl.id);
  }
  return order;
}

function driveSpec(path: string, m: Map<string, string>, media: DriveSpec['media'], id: string): DriveSpec {
  if (!path) throw new OptionError(`--device ${id}: drive= is empty`);
  const cache = oneOf(m.get('cache') ?? 'writeback', ['none', 'writeback'] as const, `--device ${id} cache`) as CacheMode;
  const readOnly = m.has('readonly') ? onOff(m.get('readonly')!, `--device ${id} readonly`) : media === 'cdrom';
  if (media === 'cdrom' && !readOnly) throw new OptionError(`--device ${id}: a CD-ROM is read-only`);
  return { path, cache, media, readOnly };
}
