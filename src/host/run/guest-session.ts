// One boot of the kit's guest with our device behind QEMU's x-pci-proxy-dev, through the
// kit's own runner (guest/run-guest-remote.sh: socketpair, `hvmio remote` as GUEST_REMOTE,
// QEMU with a memfd for guest RAM, and `nolapic irqpoll nohz=off` because the proxy cannot
// inject interrupts under TCG). The console comes back line by line; our remote's --stats
// line and the runner's timing line are taken out of stderr, the rest is passed on.

import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { join } from 'node:path';
import type { GuestKit } from './guest-build.js';
import { signalTree } from './process-tree.js';
import { parseRemoteStatsLine, type RemoteStatsLine } from './stats-table.js';

export interface GuestSessionOptions {
  kit: GuestKit;
  /** The guest script (handed in through fw_cfg), or null for a shell on the console. */
  script: string | null;
  /** The proxy's device id (the controller's id). */
  devid: string;
  /** The remote command line (word-split by the runner, so no spaces inside a word). */
  remoteCommand: string;
  /** Arguments appended to it: the --device values. */
  remoteArgs: string[];
  /** Boot through the BIOS from the disks instead of -kernel (the kit's GUEST_BOOT=bios),
   *  with these extra QEMU arguments on the proxy side (e.g. -option-rom FILE). */
  biosBoot?: { qemuArgs: string[] };
  memMiB: number;
  timeoutS: number;
  /** A console line, terminal control sequences removed (not called for a shell). */
  onConsoleLine(line: string): void;
  /** A stderr line of the runner, QEMU or the remote that is not one of the lines we parse. */
  onStderrLine(line: string): void;
}

export interface GuestSessionResult {
  /** The guest script's exit status; 124 timeout, 125 no result (guest died); 128+N signal. */
  status: number;
  remoteStats: RemoteStatsLine | null;
  /** Seconds from QEMU's start to the script's start, and in all, as the runner measured. */
  bootS: number | null;
  totalS: number | null;
  /** The signal that interrupted us (and that we passed on), if any. */
  interruptedBy: NodeJS.Signals | null;
}

const RUNNER_TIMING = /^run-guest: rc=(\d+) boot=(\S+) total=(\S+)$/;
// CSI sequences (colours, cursor, modes), two-byte escapes such as ESC c (reset), which
// SeaBIOS sends to the serial console, and any other control character but tab.
// eslint-disable-next-line no-control-regex
const TERMINAL_CONTROL = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-~]|[\x00-\x08\x0b-\x1f\x7f]/g;

export function stripTerminalControl(line: string): string {
  return line.replace(TERMINAL_CONTROL, '');
}

/** Calls `onLine` for each complete line of a stream; `flush` passes on an unterminated tail. */
class LineSplitter {
  private tail = '';
  constructor(private readonly onLine: (line: string) => void) {}
  push(chunk: Buffer): void {
    const lines = (this.tail + chunk.toString('utf8')).split('\n');
    this.tail = lines.pop()!;
    for (const line of lines) this.onLine(line.replace(/\r$/, ''));
  }
  flush(): void {
    if (this.tail !== '') this.onLine(this.tail);
    this.tail = '';
  }
}

const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export function runGuestSession(opts: GuestSessionOptions): Promise<GuestSessionResult> {
  const shell = opts.script === null;
  const args = [join(opts.kit.kitDir, 'run-guest-remote.sh'), opts.kit.outDir, opts.script ?? '-', opts.devid,
    ...(opts.biosBoot?.qemuArgs ?? []), '--', ...opts.remoteArgs];
  const env = {
    ...process.env,
    ...(opts.biosBoot ? { GUEST_BOOT: 'bios' } : {}),
    GUEST_REMOTE: opts.remoteCommand,
    GUEST_MEM: `${opts.memMiB}M`,
    GUEST_TIMEOUT: String(opts.timeoutS),
  };
  // A shell needs the terminal itself (QEMU puts it in raw mode); a script gets no input.
  const child = spawn('bash', args, { env, stdio: [shell ? 'inherit' : 'ignore', shell ? 'inherit' : 'pipe', 'pipe'] });

  const result: GuestSessionResult = { status: 1, remoteStats: null, bootS: null, totalS: null, interruptedBy: null };
  const stdout = new LineSplitter((line) => opts.onConsoleLine(stripTerminalControl(line)));
  const stderr = new LineSplitter((line) => {
    const stats = parseRemoteStatsLine(line);
    if (stats) {
      result.remoteStats = stats;
      return;
    }
    const timing = RUNNER_TIMING.exec(line);
    if (timing) {
      result.bootS = Number.isFinite(Number(timing[2])) ? Number(timing[2]) : null;
      result.totalS = Number.isFinite(Number(timing[3])) ? Number(timing[3]) : null;
      return;
    }
    opts.onStderrLine(line);
  });
  child.stdout?.on('data', (d: Buffer) => stdout.push(d));
  child.stderr?.on('data', (d: Buffer) => stderr.push(d));

  // Ctrl-C or a kill of `hvmio run` stops the runner, QEMU and the remote too, and we still
  // report and clean up rather than leave a guest running until its timeout.
  const onSignal = (signal: NodeJS.Signals): void => {
    result.interruptedBy ??= signal;
    if (child.pid !== undefined) signalTree(child.pid, 'SIGTERM');
  };
  for (const s of FORWARDED_SIGNALS) process.on(s, onSignal);

  return new Promise((resolve, reject) => {
    child.on('error', (err) => {
      for (const s of FORWARDED_SIGNALS) process.off(s, onSignal);
      reject(err);
    });
    child.on('close', (code, signal) => {
      for (const s of FORWARDED_SIGNALS) process.off(s, onSignal);
      stdout.flush();
      stderr.flush();
      if (result.interruptedBy) result.status = 128 + constants.signals[result.interruptedBy];
      else if (code !== null) result.status = code;
      else result.status = 128 + (signal ? constants.signals[signal] : 0);
      resolve(result);
    });
  });
}
