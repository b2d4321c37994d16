// The benchmark's scratch image: real blocks on a disk file system (O_DIRECT on tmpfs would
// measure memcpy, and older kernels refuse it), filled with random data so reads are not holes.

import fs from 'node:fs';
import path from 'node:path';
import { randomFillSync } from 'node:crypto';
import { fileURLToPath } from 'node:url';

/** The nearest directory above this module with a package.json: the repo, from bench/ or dist/bench/. */
function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
  return dir;
}
/** statfs(2) f_type of tmpfs and ramfs (include/uapi/linux/magic.h). */
const MEMORY_FS_MAGIC = new Set([0x01021994, 0x858458f6]);

export interface ScratchImage {
  readonly path: string;
  readonly bytes: number;
  remove(): void;
}

/** Creates `bytes` of random data under build/bench-tmp (refusing a memory file system) and syncs it. */
export function createScratchImage(bytes: number): ScratchImage {
  const dir = path.join(repoRoot(), 'build', 'bench-tmp');
  fs.mkdirSync(dir, { recursive: true });
  if (MEMORY_FS_MAGIC.has(fs.statfsSync(dir).type)) {
    throw new Error(`${dir} is on a memory file system; the block benchmark needs a disk`);
  }
  const file = path.join(dir, `block-throughput-${process.pid}.img`);
  const chunk = Buffer.alloc(1 << 20);
  const fd = fs.openSync(file, 'w');
  try {
    for (let done = 0; done < bytes; done += chunk.byteLength) {
      randomFillSync(chunk);
      fs.writeSync(fd, chunk, 0, Math.min(chunk.byteLength, bytes - done), done);
    }
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return { path: file, bytes, remove: () => fs.rmSync(file, { force: true }) };
}

/** Reads the whole file through the page cache so that the next buffered run finds it cached. */
export function warmPageCache(file: string): void {
  const fd = fs.openSync(file, 'r');
  const chunk = Buffer.alloc(4 << 20);
  try {
    let position = 0;
    for (;;) {
      const n = fs.readSync(fd, chunk, 0, chunk.byteLength, position);
      if (n === 0) break;
      position += n;
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** Makes dirty pages of earlier buffered writes durable, so they do not slow the next run down. */
export function settleDirtyPages(file: string): void {
  const fd = fs.openSync(file, 'r+');
  try {
    fs.fdatasyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
