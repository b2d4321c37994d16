// Where the guest kit (guest/: kernel + busybox initramfs under QEMU TCG) lives, its build
// output, and the benchmark's scratch directory; builds the kit once per process (the kit's
// own script is idempotent: about 2 s when up to date).

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/host/worker-entry.js';

export const root = packageRoot();
export const kitDir = join(root, 'guest');
export const guestOut = join(root, 'build', 'guest');
export const hvmioBin = join(root, 'bin', 'hvmio');

/** statfs(2) f_type of tmpfs and ramfs (include/uapi/linux/magic.h). */
const MEMORY_FS_MAGIC = new Set([0x01021994, 0x858458f6]);

let built = false;

export function ensureGuestBuilt(): void {
  if (built) return;
  const r = spawnSync('bash', [join(kitDir, 'build-guest.sh'), guestOut], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`guest kit build failed (rc ${r.status}):\n${r.stdout}\n${r.stderr}`);
  if (!existsSync(join(guestOut, 'initramfs.cpio.gz'))) throw new Error('guest kit produced no initramfs');
  if (!existsSync(join(root, 'dist', 'src', 'host', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  built = true;
}

/** build/scratch, refused if it is on a memory file system (O_DIRECT figures would be memcpy). */
export function scratchDir(): string {
  const dir = join(root, 'build', 'scratch');
  mkdirSync(dir, { recursive: true });
  if (MEMORY_FS_MAGIC.has(statfsSync(dir).type)) throw new Error(`${dir} is on a memory file system; the benchmark needs a disk`);
  return dir;
}
