// `--netdev user`: user-mode networking without root through passt (Debian package `passt`,
// https://passt.top): we start it in the foreground on a socket in a private directory, wait
// until it accepts connections, and the NIC's worker connects to it as to any `stream` peer
// (passt's qemu mode uses QEMU's stream framing). Stopped with SIGTERM when the device stops,
// and on process exit in any case. Flags as in passt's --help of the packaged version
// (0.0~git20230309): -f (foreground), -q (quiet), -s PATH (UNIX socket), -m MTU.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export class PasstError extends Error {
  override name = 'PasstError';
}

/** The guest's MTU passt announces by DHCP: Ethernet's, which every e1000 setup takes. */
const GUEST_MTU = 1500;
/** passt refuses to keep root and switches to nobody (uid/gid 65534 on Debian); we say so
 *  explicitly and let that user create its socket in our private directory. */
const ROOT_RUNAS = 65534;
const START_TIMEOUT_MS = 5000;

/** Why pings through passt will get no answer on this host, or null: passt forwards ICMP echo
 *  through ping sockets, which net.ipv4.ping_group_range must allow for its group. */
export function pingSocketsRefused(gid: number): string | null {
  let range: number[];
  try {
    range = readFileSync('/proc/sys/net/ipv4/ping_group_range', 'utf8').trim().split(/\s+/).map(Number);
  } catch {
    return null;
  }
  const [lo, hi] = range as [number, number];
  if (gid >= lo && gid <= hi) return null;
  return `net.ipv4.ping_group_range (${lo} ${hi}) does not include gid ${gid}: passt cannot forward the guest's pings (TCP and UDP work)`;
}

export function passtAvailable(): boolean {
  return spawnSync('passt', ['--version'], { stdio: 'ignore' }).error === undefined;
}

export class PasstProcess {
  private exited = false;
  private readonly onExit = () => this.child.kill('SIGTERM');

  private constructor(
    private readonly child: ChildProcess,
    readonly socketPath: string,
    private readonly dir: string,
  ) {
    child.once('exit', () => {
      this.exited = true;
    });
    process.once('exit', this.onExit);
  }

  /** Starts passt and resolves once its socket accepts a connection. */
  static async start(id: string): Promise<PasstProcess> {
    if (!passtAvailable()) {
      throw new PasstError(`--netdev user,id=${id}: passt is not installed (Debian package passt; scripts/ensure-packages.sh installs it)`);
    }
    const dir = mkdtempSync(join(tmpdir(), 'hvmio-passt-'));
    const socketPath = join(dir, 'passt.socket');
    const args = ['-f', '-q', '-s', socketPath, '-m', String(GUEST_MTU)];
    if (process.getuid?.() === 0) {
      chownSync(dir, ROOT_RUNAS, ROOT_RUNAS);
      args.push('--runas', `${ROOT_RUNAS}:${ROOT_RUNAS}`);
    }
    let stderr = '';
    const child = spawn('passt', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    const p = new PasstProcess(child, socketPath, dir);
    const spawned = await new Promise<Error | null>((resolve) => {
      child.once('spawn', () => resolve(null));
      child.once('error', (err) => resolve(err));
    });
    if (spawned) {
      p.cleanup();
      throw new PasstError(`--netdev user,id=${id}: cannot start passt: ${spawned.message}`);
    }
    const until = Date.now() + START_TIMEOUT_MS;
    while (!(await accepts(socketPath))) {
      if (p.exited || Date.now() > until) {
        await p.stop();
        const why = stderr.trim().split('\n').filter((l) => !l.startsWith('Failed to send')).pop() ?? (p.exited ? 'it exited' : 'no socket after 5 s');
        throw new PasstError(`--netdev user,id=${id}: passt did not start (${why})`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    return p;
  }

  /** The group passt runs as (for pingSocketsRefused). */
  static runGid(): number {
    return process.getuid?.() === 0 ? ROOT_RUNAS : (process.getgid?.() ?? 0);
  }

  get running(): boolean {
    return !this.exited;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  async stop(): Promise<void> {
    if (!this.exited) {
      const gone = new Promise<void>((r) => this.child.once('exit', () => r()));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 2000);
      await gone;
      clearTimeout(timer);
    }
    this.cleanup();
  }

  private cleanup(): void {
    process.off('exit', this.onExit);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** True if a UNIX socket at `path` takes a connection (which is closed again at once). */
function accepts(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ path });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
