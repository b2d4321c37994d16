// Boot media for BIOS-boot tests: the test boot sector (guest/boot/boot-sector.S) on a scratch
// image with a random payload and its checksum patched in, the kit's Linux on a syslinux
// disk (guest/boot/make-boot-disk.sh), a BIOS boot through the kit (GUEST_BOOT=bios, with an
// in-process QEMU device or a device behind x-pci-proxy-dev) and the boot sector's marker
// lines parsed.

import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, ftruncateSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { lba, SECTOR_SIZE, type Lba } from '../../src/shared-mem/types.js';
import { ensureGuest, guestOut, kitDir, parseRun, root, scratch, type GuestRun } from './guest-kit.js';

export const bootOut = join(root, 'build', 'boot');
const bootKit = join(kitDir, 'boot');

/** The boot sector's payload checksum: s = rotl(s, 1) + w over little-endian 32-bit words. */
export type PayloadChecksum = number;

/** Where boot-sector.S keeps what the image writer fills in (its configuration block). */
const CONFIG = { offset: 0x1a0, magic: 'HVBT', lba: 0x1a4, sectors: 0x1a8, flags: 0x1aa, sum: 0x1ac, sum81: 0x1b0 } as const;
const FLAG_CHECK_DRIVE_81 = 1;
/** AH=42h packets and the 64 KiB buffer at 1000:0000 limit a payload to 127 sectors. */
export const MAX_PAYLOAD_SECTORS = 127;

let program: Buffer | null = null;

/** Builds build/boot/boot-sector.bin (once per process) and returns it: stage 1 + stage 2. */
export function bootSectorProgram(): Buffer {
  if (program) return program;
  const r = spawnSync('bash', [join(bootKit, 'build-boot-sector.sh'), bootOut], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`build-boot-sector.sh failed (rc ${r.status}):\n${r.stdout}\n${r.stderr}`);
  program = readFileSync(join(bootOut, 'boot-sector.bin'));
  return program;
}

export function payloadChecksum(data: Uint8Array): PayloadChecksum {
  if (data.length % 4 !== 0) throw new Error('payload length must be a multiple of 4');
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let sum = 0;
  for (let i = 0; i < data.length; i += 4) {
    sum = (((sum << 1) | (sum >>> 31)) + view.getUint32(i, true)) >>> 0;
  }
  return sum;
}

export interface PayloadDisk {
  path: string;
  payloadLba: Lba;
  sectors: number;
  payload: Buffer;
  /** Checksum of the payload as written (before any corruption). */
  sum: PayloadChecksum;
}

function writeSparse(path: string, sizeBytes: number, parts: Array<[offset: number, data: Uint8Array]>): void {
  const fd = openSync(path, 'w');
  try {
    ftruncateSync(fd, sizeBytes);
    for (const [offset, data] of parts) writeSync(fd, data, 0, data.length, offset);
  } finally {
    closeSync(fd);
  }
}

function checkPayloadShape(payloadLba: Lba, sectors: number, sizeBytes: number, firstFree: number): void {
  if (!Number.isInteger(sectors) || sectors < 1 || sectors > MAX_PAYLOAD_SECTORS) {
    throw new Error(`payload sectors must be 1..${MAX_PAYLOAD_SECTORS}, not ${sectors}`);
  }
  if (payloadLba < firstFree || (payloadLba + sectors) * SECTOR_SIZE > sizeBytes) {
    throw new Error(`payload at LBA ${payloadLba} (+${sectors}) does not fit between LBA ${firstFree} and the end of a ${sizeBytes}-byte image`);
  }
}

export interface BootSectorImageOptions {
  path: string;
  /** Image size in bytes (default 64 MiB; SeaBIOS gives QEMU disks under 32 MiB no CHS geometry). */
  sizeBytes?: number;
  /** Payload sectors (1..127, default 64). */
  sectors?: number;
  /** First payload sector (default: right after the boot program). */
  payloadLba?: Lba;
  /** Also check drive 81h, which must hold a payload at the same LBA with this checksum. */
  drive81Sum?: PayloadChecksum;
  /** Flip one payload bit after the checksum is taken (the reads must then report BAD). */
  corrupt?: boolean;
}

/** The boot program, its configuration block filled in, and a random payload. */
export function writeBootSectorImage(opts: BootSectorImageOptions): PayloadDisk {
  const code = Buffer.from(bootSectorProgram());
  const sizeBytes = opts.sizeBytes ?? 64 * 1024 * 1024;
  const sectors = opts.sectors ?? 64;
  const programSectors = code.length / SECTOR_SIZE;
  const payloadLba = opts.payloadLba ?? lba(programSectors);
  checkPayloadShape(payloadLba, sectors, sizeBytes, programSectors);
  if (code.toString('latin1', CONFIG.offset, CONFIG.offset + 4) !== CONFIG.magic) {
    throw new Error(`boot-sector.bin has no ${CONFIG.magic} block at 0x${CONFIG.offset.toString(16)}`);
  }
  const payload = randomBytes(sectors * SECTOR_SIZE);
  const sum = payloadChecksum(payload);
  code.writeUInt32LE(payloadLba, CONFIG.lba);
  code.writeUInt16LE(sectors, CONFIG.sectors);
  code.writeUInt16LE(opts.drive81Sum === undefined ? 0 : FLAG_CHECK_DRIVE_81, CONFIG.flags);
  code.writeUInt32LE(sum, CONFIG.sum);
  code.writeUInt32LE(opts.drive81Sum ?? 0, CONFIG.sum81);
  const written = Buffer.from(payload);
  if (opts.corrupt) written[written.length >> 1]! ^= 0x10;
  writeSparse(opts.path, sizeBytes, [[0, code], [payloadLba * SECTOR_SIZE, written]]);
  return { path: opts.path, payloadLba, sectors, payload: written, sum };
}

/** A data disk (no boot code) with a random payload, e.g. the 81h disk for the boot sector. */
export function writePayloadImage(path: string, payloadLba: Lba, sectors: number, sizeBytes = 64 * 1024 * 1024): PayloadDisk {
  checkPayloadShape(payloadLba, sectors, sizeBytes, 1);
  const payload = randomBytes(sectors * SECTOR_SIZE);
  writeSparse(path, sizeBytes, [[payloadLba * SECTOR_SIZE, payload]]);
  return { path, payloadLba, sectors, payload, sum: payloadChecksum(payload) };
}

export interface LinuxBootDiskOptions {
  /** Disk size in MiB (default 32). */
  sizeMib?: number;
  /** Kernel parameters added to the kit's (e.g. "nolapic irqpoll nohz=off" for the proxy). */
  append?: string;
  /** No MBR or partition table: FAT from sector 0 (boots through the proxy under TCG). */
  wholeDisk?: boolean;
}

/** The kit's kernel and initramfs on a syslinux-booted FAT16 partition (make-boot-disk.sh). */
export function makeLinuxBootDisk(path: string, opts: LinuxBootDiskOptions = {}): string {
  ensureGuest();
  const args = [join(bootKit, 'make-boot-disk.sh'), '--size-mib', String(opts.sizeMib ?? 32)];
  if (opts.append) args.push('--append', opts.append);
  if (opts.wholeDisk) args.push('--whole-disk');
  const r = spawnSync('bash', [...args, guestOut, path], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`make-boot-disk.sh failed (rc ${r.status}):\n${r.stdout}\n${r.stderr}`);
  return path;
}

/** Proxy-side setup: the device lives in a second process behind x-pci-proxy-dev. */
export interface ProxiedDevice {
  devid: string;
  /** Arguments for the remote process (QEMU's own remote unless remoteCommand is given). */
  remoteArgs: string[];
  /** e.g. `node bin/hvmio remote --stats` (GUEST_REMOTE); default: QEMU's x-remote machine. */
  remoteCommand?: string;
}

export interface BiosBootOptions {
  /** QEMU arguments of the booting side: disks, -device, -boot, -option-rom ... */
  qemuArgs: string[];
  /** Guest script for a Linux boot disk (busybox sh, default "exit 0"); a boot-sector image ignores it. */
  script?: string;
  /** Put one device behind the proxy (run-guest-remote.sh). */
  proxied?: ProxiedDevice;
  timeoutS?: number;
  /** Write SeaBIOS's debug log (isa-debugcon at 0x402) to this file (GUEST_BIOS_LOG). */
  biosLog?: string;
  env?: Record<string, string>;
}

export type ReadVerdict =
  | { kind: 'ok' }
  | { kind: 'bad'; sum: PayloadChecksum }
  | { kind: 'fail'; ah: number }
  | { kind: 'nogeom'; ah: number }
  | { kind: 'range' };

export interface BootMarker {
  drive: number;
  edd: ReadVerdict;
  chs: ReadVerdict;
  /** Expected checksum from the configuration block the boot sector ran with. */
  sum: PayloadChecksum;
  /** Geometry from INT 13h AH=08h (0 and 0 when that failed), used by the CHS reads. */
  heads: number;
  sectorsPerTrack: number;
}

/** Whether code read from disk over code that already ran is what runs next. */
export type ExecVerdict = { kind: 'ok' } | { kind: 'stale' } | { kind: 'fail'; ah: number };

export interface BiosBootRun extends GuestRun {
  markers: BootMarker[];
  /** The boot sector reached its closing HVMIO-BOOT-END line. */
  ended: boolean;
  /** Its exec check (null when it did not get there). */
  exec: ExecVerdict | null;
  /** AH of a failed stage-2 load ("HVMIO-BOOT load=FAIL ah=NN"), else null. */
  loadFailAh: number | null;
}

function parseVerdict(text: string): ReadVerdict | null {
  if (text === 'OK') return { kind: 'ok' };
  if (text === 'RANGE') return { kind: 'range' };
  let m = /^BAD:([0-9a-f]{8})$/.exec(text);
  if (m) return { kind: 'bad', sum: parseInt(m[1]!, 16) };
  m = /^(NOGEOM )?FAIL ah=([0-9a-f]{2})$/.exec(text);
  if (m) return { kind: m[1] ? 'nogeom' : 'fail', ah: parseInt(m[2]!, 16) };
  return null;
}

/** The boot sector's report lines in a console transcript. */
export function parseBootMarkers(console: string): Pick<BiosBootRun, 'markers' | 'ended' | 'exec' | 'loadFailAh'> {
  const markers: BootMarker[] = [];
  let ended = false;
  let exec: ExecVerdict | null = null;
  let loadFailAh: number | null = null;
  for (const line of console.split('\n')) {
    const end = /^HVMIO-BOOT-END exec=(OK|STALE|FAIL ah=([0-9a-f]{2}))/.exec(line);
    if (end) {
      ended = true;
      exec = end[1] === 'OK' ? { kind: 'ok' } : end[1] === 'STALE' ? { kind: 'stale' } : { kind: 'fail', ah: parseInt(end[2]!, 16) };
    }
    const load = /^HVMIO-BOOT load=FAIL ah=([0-9a-f]{2})/.exec(line);
    if (load) loadFailAh = parseInt(load[1]!, 16);
    const m = /^HVMIO-BOOT edd=(.*) chs=(.*) sum=([0-9a-f]{8}) drive=([0-9a-f]{2}) heads=([0-9a-f]{4}) spt=([0-9a-f]{4})\s*$/.exec(line);
    if (!m) continue;
    const edd = parseVerdict(m[1]!);
    const chs = parseVerdict(m[2]!);
    if (!edd || !chs) throw new Error(`unparsable boot marker: ${line}`);
    markers.push({
      edd, chs, sum: parseInt(m[3]!, 16), drive: parseInt(m[4]!, 16),
      heads: parseInt(m[5]!, 16), sectorsPerTrack: parseInt(m[6]!, 16),
    });
  }
  return { markers, ended, exec, loadFailAh };
}

/** Boots through SeaBIOS from the given disks (guest kit, GUEST_BOOT=bios); resolves when QEMU has exited. */
export function runBiosBoot(opts: BiosBootOptions): Promise<BiosBootRun> {
  ensureGuest(); // also installs QEMU on a fresh machine
  const dir = scratch('bios-boot-');
  const scriptPath = join(dir, 'script.sh');
  // An empty script would give a Linux guest an interactive shell (guest-init), i.e. a hang.
  writeFileSync(scriptPath, opts.script ?? 'exit 0\n');
  const env: Record<string, string | undefined> = {
    ...process.env,
    GUEST_BOOT: 'bios',
    GUEST_TIMEOUT: String(opts.timeoutS ?? 120),
    ...(opts.biosLog ? { GUEST_BIOS_LOG: opts.biosLog } : {}),
    ...opts.env,
  };
  let args: string[];
  if (opts.proxied) {
    const p = opts.proxied;
    args = [join(kitDir, 'run-guest-remote.sh'), guestOut, scriptPath, p.devid, ...opts.qemuArgs, '--', ...p.remoteArgs];
    if (p.remoteCommand) env.GUEST_REMOTE = p.remoteCommand;
    else delete env.GUEST_REMOTE;
  } else {
    args = [join(kitDir, 'run-guest.sh'), guestOut, scriptPath, ...opts.qemuArgs];
  }
  return new Promise((resolve, reject) => {
    const child = spawn('bash', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      rmSync(dir, { recursive: true, force: true });
      try {
        resolve({ ...parseRun(code ?? -1, out, err), ...parseBootMarkers(out) });
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  });
}

/** QEMU arguments for an in-process LSI 53C895A with one scsi-hd per image (SCSI IDs 0, 1, ...). */
export function inProcessLsiDisks(images: string[], bus = 'scsi0'): string[] {
  const args = ['-device', `lsi53c895a,id=${bus}`];
  images.forEach((img, id) => {
    args.push('-drive', `if=none,id=${bus}d${id},file=${img.replaceAll(',', ',,')},format=raw`);
    args.push('-device', `scsi-hd,drive=${bus}d${id},bus=${bus}.0,scsi-id=${id}`);
  });
  return args;
}

/** A readable failure message for a BIOS boot. */
export function explainBoot(run: BiosBootRun): string {
  return `rc=${run.rc} markers=${JSON.stringify(run.markers)} ended=${run.ended} exec=${JSON.stringify(run.exec)}\n--- console tail\n${run.console.split('\n').slice(-40).join('\n')}\n--- stderr tail\n${run.stderr.split('\n').slice(-20).join('\n')}`;
}
