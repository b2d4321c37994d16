// `hvmio run` options → a RunPlan: which controller goes behind QEMU's proxy, which guest
// script runs (or a shell), guest memory, timeout, and the scratch disk when the user names
// no device. Every rejection is an OptionError with one line, before anything starts.

import { accessSync, constants } from 'node:fs';
import { parseArgs } from 'node:util';
import { specDrives, type DeviceSpec } from '../devices/device-spec.js';
import { parseDeviceOptions } from '../cli/device-options.js';
import { OptionError } from '../cli/keyval.js';
import { parseNetdevOptions } from '../cli/netdev-options.js';

/** What the guest runs: our workload, the user's script, or an interactive console. */
export type GuestJob = { kind: 'workload' } | { kind: 'script'; path: string } | { kind: 'shell' };

/** The device behind the proxy: a fresh scratch disk, or what the user named. */
export type RunDevice =
  | { kind: 'scratch'; sizeMiB: number }
  /** `--boot scsi` without --device: a scratch boot disk (syslinux + the kit's Linux) on an
   *  lsi53c875. */
  | { kind: 'boot-scratch'; sizeMiB: number }
  /** `args`: the `--device` values as written, passed on to `hvmio remote`; `controller`: parsed. */
  | { kind: 'user'; args: string[]; controller: DeviceSpec; netdevArgs: string[] };

/** How the guest starts: QEMU loads the kit's kernel (-kernel), or the BIOS boots from the
 *  SCSI disk through our option ROM (docs/option-rom.md). */
export type BootMode = 'kernel' | 'scsi';

export interface RunPlan {
  device: RunDevice;
  boot: BootMode;
  job: GuestJob;
  /** Guest RAM in MiB (also the size of the memfd the remote maps). */
  memMiB: number;
  timeoutS: number;
  /** Keep the scratch image afterwards. */
  keep: boolean;
  help: boolean;
}

export const DEFAULT_SCRATCH_MIB = 256;
/** The workload's smallest disk (guest/scripts/ide-workload.sh). */
export const MIN_SCRATCH_MIB = 16;
const MAX_SCRATCH_MIB = 1024 * 1024;
const DEFAULT_MEM_MIB = 256;
/** The kit's kernel and initramfs do not boot reliably in less. */
const MIN_MEM_MIB = 128;
const MAX_MEM_MIB = 64 * 1024;
const DEFAULT_TIMEOUT_S = 300;
/** The scratch boot disk for --boot scsi: the kernel and initramfs take about 11 MiB. */
export const DEFAULT_BOOT_DISK_MIB = 64;
const MIN_BOOT_DISK_MIB = 16;
const MAX_BOOT_DISK_MIB = 2048;
/** The id of the controller with the scratch boot disk, and the proxy's DEVID for it. */
export const BOOT_CONTROLLER_ID = 'scsi0';

/** The id the scratch controller gets, and the proxy's DEVID for it. */
export const SCRATCH_CONTROLLER_ID = 'ide0';

export function parseRunOptions(argv: string[]): RunPlan {
  const { values } = parseArgs({
    args: argv,
    options: {
      device: { type: 'string', multiple: true },
      netdev: { type: 'string', multiple: true },
      'size-mib': { type: 'string' },
      script: { type: 'string' },
      shell: { type: 'boolean', default: false },
      mem: { type: 'string' },
      timeout: { type: 'string' },
      keep: { type: 'boolean', default: false },
      boot: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  const deviceArgs = values.device ?? [];
  const plan: RunPlan = {
    device: { kind: 'scratch', sizeMiB: DEFAULT_SCRATCH_MIB },
    boot: 'kernel',
    job: { kind: 'workload' },
    memMiB: values.mem === undefined ? DEFAULT_MEM_MIB : parseMemMiB(values.mem),
    timeoutS: values.timeout === undefined ? DEFAULT_TIMEOUT_S : wholeNumber(values.timeout, '--timeout', 1, 24 * 3600),
    keep: values.keep ?? false,
    help: values.help ?? false,
  };
  if (plan.help) return plan;
  if (values.boot !== undefined) {
    if (values.boot !== 'kernel' && values.boot !== 'scsi') throw new OptionError(`--boot: "${values.boot}" is not kernel or scsi`);
    plan.boot = values.boot;
  }

  if (values.shell && values.script !== undefined) throw new OptionError('--shell and --script exclude each other');
  if (values.shell) plan.job = { kind: 'shell' };
  if (values.script !== undefined) {
    try {
      accessSync(values.script, constants.R_OK);
    } catch {
      throw new OptionError(`--script ${values.script}: cannot read it`);
    }
    plan.job = { kind: 'script', path: values.script };
  }

  const netdevArgs = values.netdev ?? [];
  if (deviceArgs.length === 0 && netdevArgs.length > 0) throw new OptionError('--netdev without a --device e1000,netdev=... that uses it');
  if (deviceArgs.length === 0 && plan.boot === 'scsi') {
    const sizeMiB = values['size-mib'] === undefined
      ? DEFAULT_BOOT_DISK_MIB
      : wholeNumber(values['size-mib'], '--size-mib', MIN_BOOT_DISK_MIB, MAX_BOOT_DISK_MIB);
    plan.device = { kind: 'boot-scratch', sizeMiB };
    return plan;
  }
  if (deviceArgs.length === 0) {
    if (values['size-mib'] !== undefined) {
      plan.device = { kind: 'scratch', sizeMiB: wholeNumber(values['size-mib'], '--size-mib', MIN_SCRATCH_MIB, MAX_SCRATCH_MIB) };
    }
    return plan;
  }
  if (values['size-mib'] !== undefined) throw new OptionError('--size-mib sizes the scratch disk; with --device the images are yours');
  const specs = parseDeviceOptions(deviceArgs, { ideMode: 'native' }, parseNetdevOptions(netdevArgs));
  if (specs.length !== 1) {
    throw new OptionError(`one controller per run: QEMU's proxy carries one PCI function (got ${specs.length})`);
  }
  const controller = specs[0]!;
  if (controller.kind === 'piix3-ide' && controller.mode !== 'native') {
    throw new OptionError(`--device ${controller.id}: mode=legacy cannot work through QEMU's proxy (it forwards BARs only)`);
  }
  if (plan.boot === 'scsi') {
    if (controller.kind !== 'lsi53c895a' || controller.chip !== 'lsi53c875') {
      throw new OptionError(
        `--boot scsi: the option ROM drives an lsi53c875 (SeaBIOS claims a 1000:0012 with its own driver): use --device lsi53c875,id=ID,drive=BOOTDISK`,
      );
    }
    if (!specDrives(controller).some((d) => d.media === 'disk')) throw new OptionError(`--boot scsi: ${controller.id} has no disk to boot from`);
  }
  if (plan.job.kind === 'workload' && controller.kind !== 'e1000' && !specDrives(controller).some((d) => d.media === 'disk')) {
    throw new OptionError(`--device ${controller.id}: the workload needs a disk (give --script or --shell otherwise)`);
  }
  plan.device = { kind: 'user', args: deviceArgs, controller, netdevArgs };
  return plan;
}

/** The `--device` value that names the scratch controller (QEMU keyval: "," doubled). */
export function scratchDeviceArg(imagePath: string): string {
  return `piix3-ide,id=${SCRATCH_CONTROLLER_ID},drive=${imagePath.replaceAll(',', ',,')}`;
}

/** QEMU's -m syntax for what we accept: N (MiB), NM or NG. */
function parseMemMiB(text: string): number {
  const m = /^(\d+)([MG]?)$/i.exec(text);
  if (!m) throw new OptionError(`--mem: "${text}" is not a size like 256M or 1G`);
  const mib = Number(m[1]) * (m[2]!.toUpperCase() === 'G' ? 1024 : 1);
  if (!Number.isSafeInteger(mib) || mib < MIN_MEM_MIB || mib > MAX_MEM_MIB) {
    throw new OptionError(`--mem: ${text} is outside ${MIN_MEM_MIB}M..${MAX_MEM_MIB / 1024}G`);
  }
  return mib;
}

function wholeNumber(text: string, what: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new OptionError(`${what}: "${text}" is not a whole number in ${min}..${max}`);
  }
  return n;
}
