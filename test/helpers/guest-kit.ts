// Real-guest tests: boots the project's copy of the guest kit (guest/, an unmodified Debian
// kernel and busybox initramfs) under the distribution's QEMU, with our `hvmio remote` behind
// QEMU's x-pci-proxy-dev, and collects what the guest script reports.

import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, ftruncateSync, mkdtempSync, openSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { packageRoot } from '../../src/host/worker-entry.js';

export const root = packageRoot();
export const kitDir = join(root, 'guest');
export const guestOut = join(root, 'build', 'guest');

let built = false;

/** Builds the guest once per process (the kit itself is idempotent, ~2 s when up to date). */
export function ensureGuest(): void {
  if (built) return;
  const r = spawnSync('bash', [join(kitDir, 'build-guest.sh'), guestOut], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`guest kit build failed (rc ${r.status}):\n${r.stdout}\n${r.stderr}`);
  if (!existsSync(join(guestOut, 'initramfs.cpio.gz'))) throw new Error('guest kit produced no initramfs');
  built = true;
}

export function scratch(prefix: string): string {
  const dir = join(root, 'build', 'scratch');
  spawnSync('mkdir', ['-p', dir]);
  return mkdtempSync(join(dir, prefix));
}

export interface GuestRun {
  rc: number;
  /** Guest console (run-guest.sh's stdout). */
  console: string;
  /** run-guest.sh's and our remote's stderr. */
  stderr: string;
  /** CHECK lines: name -> {pass, detail}. */
  checks: Map<string, { pass: boolean; detail: string }>;
  /** VALUE lines: name -> value. */
  values: Map<string, string>;
  /** The remote's `--stats` JSON, if it printed one. */
  remoteStats: Record<string, number> | null;
}

export interface RemoteGuestOptions {
  /** Guest shell script text. */
  script: string;
  devid: string;
  /** Arguments to `hvmio remote` (after --stats). */
  remoteArgs: string[];
  /** Extra QEMU arguments for the proxy side. */
  proxyArgs?: string[];
  timeoutS?: number;
  /** Replace our remote with another command (QEMU's own remote for reference runs). */
  remoteCommand?: string;
  env?: Record<string, string>;
  /** Each console line as it comes (for tests that act on the host while the guest runs). */
  onLine?: (line: string) => void;
  /** Run the kit's runner through this command prefix (e.g. ip netns exec NS). */
  wrapper?: string[];
}

export function runGuestWithRemote(opts: RemoteGuestOptions): Promise<GuestRun> {
  ensureGuest();
  const dir = scratch('guest-run-');
  const scriptPath = join(dir, 'script.sh');
  writeFileSync(scriptPath, opts.script);
  const remote = opts.remoteCommand ?? `node ${join(root, 'bin', 'hvmio')} remote --stats`;
  const args = [join(kitDir, 'run-guest-remote.sh'), guestOut, scriptPath, opts.devid, ...(opts.proxyArgs ?? []), '--', ...opts.remoteArgs];
  const env = { ...process.env, GUEST_REMOTE: remote, GUEST_TIMEOUT: String(opts.timeoutS ?? 300), ...opts.env };
  return new Promise((resolve, reject) => {
    const command = [...(opts.wrapper ?? []), 'bash', ...args];
    const child = spawn(command[0]!, command.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let partial = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!opts.onLine) return;
      partial += d.toString();
      const parts = partial.split('\n');
      partial = parts.pop()!;
      for (const l of parts) opts.onLine(l.replace(/\r$/, ''));
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve(parseRun(code ?? -1, out, err)));
  });
}

export function parseRun(rc: number, out: string, err: string): GuestRun {
  const checks = new Map<string, { pass: boolean; detail: string }>();
  const values = new Map<string, string>();
  for (const line of out.split('\n')) {
    const c = /^CHECK (\S+) (PASS|FAIL) ?(.*)$/.exec(line);
    if (c) checks.set(c[1]!, { pass: c[2] === 'PASS', detail: c[3] ?? '' });
    const v = /^VALUE (\S+) (.*)$/.exec(line);
    if (v) values.set(v[1]!, v[2]!.trim());
  }
  let remoteStats: Record<string, number> | null = null;
  const s = /hvmio remote: \S+ (\{.*\})/.exec(err);
  if (s) remoteStats = JSON.parse(s[1]!) as Record<string, number>;
  return { rc, console: out, stderr: err, checks, values, remoteStats };
}

/** A readable failure message: the checks that failed and the tail of the console. */
export function explain(run: GuestRun): string {
  const failed = [...run.checks].filter(([, c]) => !c.pass).map(([n, c]) => `${n}: ${c.detail}`);
  return `rc=${run.rc}; failed checks: ${failed.join('; ') || 'none'}\n--- console tail\n${run.console.split('\n').slice(-40).join('\n')}\n--- stderr tail\n${run.stderr.split('\n').slice(-20).join('\n')}`;
}

export const MiB = 1024 * 1024;
export const md5 = (b: Uint8Array): string => createHash('md5').update(b).digest('hex');

/** `len` bytes of a host image at `offset` (what the guest left there). */
export function readAt(path: string, offset: number, len: number): Buffer {
  const fd = openSync(path, 'r');
  const buf = Buffer.alloc(len);
  readSync(fd, buf, 0, len, offset);
  closeSync(fd);
  return buf;
}

/** A sparse scratch image of `bytes`; returns its path. */
export function makeImage(path: string, bytes: number): string {
  const fd = openSync(path, 'w');
  ftruncateSync(fd, bytes);
  closeSync(fd);
  return path;
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** `bin/hvmio ARGS` as a user runs it, as a child process. */
export function runHvmio(args: string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'bin', 'hvmio'), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Non-empty lines of a program's output. */
export const lines = (text: string): string[] => text.split('\n').filter((l) => l.trim() !== '');

/** The rows of the statistics table `hvmio run` prints for device `id` (src/host/run/stats-table.ts). */
export function statsTable(stdout: string, id: string): {
  table: string;
  row(label: string): string;
  count(label: string): number;
  mib(label: string): number;
} {
  const table = stdout.slice(stdout.indexOf(`--- hvmio device statistics: ${id}`));
  const row = (label: string): string => {
    const m = new RegExp(`^  ${label.replace(/[()]/g, '\\$&')}\\s+(.+)$`, 'm').exec(table);
    expect(m, `row "${label}" in\n${table}`).not.toBeNull();
    return m![1]!.trim();
  };
  return {
    table,
    row,
    count: (label) => Number(row(label).replaceAll(',', '')),
    mib: (label) => Number(/^([\d.]+) MiB$/.exec(row(label))?.[1]),
  };
}
