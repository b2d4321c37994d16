// BIOS boots through our option ROM: SeaBIOS (the distribution's QEMU) gets the ROM with
// `-option-rom` (docs/option-rom.md says why not through the ROM BAR), our LSI controller
// with the 53C875 identity sits behind x-pci-proxy-dev served by `hvmio remote`, and
// SeaBIOS's debug console (port 402h) is kept so a test can see which ROM it ran.

import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
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
  /** The remote command (GUEST_REMOTE) instead of `hvmio remote --stats`, e.g. a wrapper
   *  that does something to an image once the remote is up; the remote's --device
   *  arguments are appended to it. */
  remoteCommand?: string;
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

/** The command that starts our device model as the proxy's remote. */
export const hvmioRemote = `node ${join(root, 'bin', 'hvmio')} remote`;

/** Assembles a boot program of the tests (test/guest/boot/*.S, 16-bit, loaded at 7C00h) into
 *  a flat binary in `dir` and returns it; its .include files are found next to it. */
export function assembleBootProgram(src: string, dir: string): Buffer {
  const name = src.replace(/^.*\//, '').replace(/\.S$/, '');
  const obj = join(dir, `${name}.o`);
  const bin = join(dir, `${name}.bin`);
  for (const [cmd, args] of [
    ['as', ['--32', '-I', dirname(src), '-o', obj, src]],
    ['ld', ['-m', 'elf_i386', '-Ttext=0x7c00', '--oformat', 'binary', '-e', '_start', '-o', bin, obj]],
  ] as const) {
    const r = spawnSync(cmd, [...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
  }
  return readFileSync(bin);
}

export async function bootThroughRom(opts: RomBootOptions): Promise<RomBootRun> {
  const log = join(opts.scratchDir, `seabios-${process.pid}-${Date.now()}.log`);
  const run = await runBiosBoot({
    qemuArgs: ['-option-rom', optionRomPath(), ...(opts.qemuArgs ?? [])],
    biosLog: log,
    proxied: { devid: 'scsi0', remoteArgs: lsi875Args(opts.disks), remoteCommand: opts.remoteCommand ?? `${hvmioRemote} --stats` },
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
