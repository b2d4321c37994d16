// The guest `hvmio run` boots: the project's guest kit (guest/build-guest.sh) builds it into
// build/guest the first time. The first build installs qemu-system-x86 with apt if it is
// missing and downloads a Debian kernel package (about 70 MB), so its progress is shown as it
// comes. The kit is idempotent, but even its "up to date" check asks apt-cache and takes 2 s
// on an idle machine and 10 s on a busy one, so it runs again only when the kit's own inputs
// (its script, the guest's /init) changed since the last build.

import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface GuestKit {
  /** guest/: build-guest.sh, run-guest.sh, run-guest-remote.sh, scripts/. */
  kitDir: string;
  /** Where the kernel and initramfs are built. */
  outDir: string;
}

export function guestKit(packageRoot: string): GuestKit {
  return { kitDir: join(packageRoot, 'guest'), outDir: join(packageRoot, 'build', 'guest') };
}

/** Whether `command` is an executable file on $PATH (or a path to one). */
function onPath(command: string): boolean {
  const candidates = command.includes('/') ? [command] : (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, command));
  return candidates.some((p) => {
    try {
      accessSync(p, constants.X_OK);
      return statSync(p).isFile();
    } catch {
      return false;
    }
  });
}

/** Why the kit must run, or null when QEMU is there and a build newer than the kit's inputs. */
export function guestBuildReason(kit: GuestKit): string | null {
  const out = (name: string) => join(kit.outDir, name);
  // The kit installs QEMU; run-guest.sh honours $QEMU as we do here.
  if (!onPath(process.env.QEMU ?? 'qemu-system-x86_64')) return 'QEMU is not installed';
  if (!existsSync(out('initramfs.cpio.gz')) || !(existsSync(out('vmlinux')) || existsSync(out('vmlinuz')))) return 'not built yet';
  let stamp: number;
  try {
    stamp = statSync(out('build.stamp')).mtimeMs;
  } catch {
    return 'no build stamp';
  }
  for (const input of ['build-guest.sh', 'guest-init']) {
    try {
      if (statSync(join(kit.kitDir, input)).mtimeMs > stamp) return `guest/${input} changed`;
    } catch {
      return `guest/${input} is missing`;
    }
  }
  return null;
}

/**
 * Runs the kit's build with its output passed through to ours; resolves with its exit status
 * (0 = built or already up to date).
 */
export function buildGuest(kit: GuestKit): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [join(kit.kitDir, 'build-guest.sh'), kit.outDir], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}
