// BIOS boots through our option ROM: SeaBIOS (the distribution's QEMU) gets the ROM with
// `-option-rom` (docs/option-rom.md says why not through the ROM BAR), our LSI controller
// with the 53C875 identity sits behind x-pci-proxy-dev served by `hvmio remote`, and
// SeaBIOS's debug console (port 402h) is kept so a test can see which ROM it ran.

import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { optionRomPath } from '../../src/host/devices/option-rom.js';
import { runBiosBoot, type BiosBootRun } from './boot-kit.js';
import { root } from './guest-kit.js';

export interface RomDisk {
  scsiId: number;
  path: string;
  readOnly?: boolean;
}

export interface RomBootOptions {
  /** Disks on our controller (SCSI IDs 0-15 but 7); none: a controller without disks. */
  disks: RomDisk[];
  /** More QEMU arguments of the booting side (other boot devices, -boot ...). */
  qemuArgs?: string[];
  script?: string;
  timeoutS?: number;
  scratchDir: string;
}

export interface RomBootRun extends BiosBootRun {
  /** SeaBIOS's own log (its debug console). */
  biosLog: string;
}

/** The remote's `--device` arguments for a 53C875 controller with these disks. */
export function lsi875Args(disks: RomDisk[], id = 'scsi0'): string[] {
  const args = ['--device', `lsi53c875,id=${id}`];
  for (const d of disks) {
    args.push('--device', `scsi-hd,bus=${id}.0,scsi-id=${d.scsiId},drive=${d.path}${d.readOnly ? ',readonly=on' : ''}`);
  }
  return args;
}

export async function bootThroughRom(opts: RomBootOptions): Promise<RomBootRun> {
  const log = join(opts.scratchDir, `seabios-${process.pid}-${Date.now()}.log`);
  const run = await runBiosBoot({
    qemuArgs: ['-option-rom', optionRomPath(), ...(opts.qemuArgs ?? [])],
    biosLog: log,
    proxied: { devid: 'scsi0', remoteArgs: lsi875Args(opts.disks), remoteCommand: `node ${join(root, 'bin', 'hvmio')} remote --stats` },
    script: opts.script,
    timeoutS: opts.timeoutS ?? 120,
  });
  let biosLog = '';
  try {
    biosLog = readFileSync(log, 'latin1');
  } catch {
    // QEMU did not start far enough to create it; the run's rc says why.
  }
  rmSync(log, { force: true });
  return { ...run, biosLog };
}
