// Every benchmark's disk image: random bytes (reads must not come from holes) in
// build/scratch/ on a disk file system. O_DIRECT on tmpfs would measure memcpy, if the kernel
// allowed it at all, so a memory file system is refused.

import fs from 'node:fs';
import path from 'node:path';
import { randomFillSync } from 'node:crypto';
import { packageRoot } from '../../src/host/worker-entry.js';

/** statfs(2) f_type of tmpfs and ramfs (include/uapi/linux/magic.h). */
const MEMORY_FS_MAGIC = new Set([0x01021994, 0x858458f6]);
const FILL_CHUNK_BYTES = 4 << 20;

export interface ScratchImage {
  readonly path: string;
  readonly bytes: number;
  remove(): void;
}

/** Creates `bytes` (a multiple of 1 MiB) of random data under build/scratch/ and syncs it. */
export function createScratchImage(bytes: number, name: string): ScratchImage {
  const dir = path.join(packageRoot(), 'build', 'scratch');
  fs.mkdirSync(dir, { recursive: true });
  if (MEMORY_FS_MAGIC.has(fs.statfsSync(dir).type)) {
    throw new Error(`${dir} is on a memory file system; the benchmark needs a disk`);
  }
  const file = path.join(dir, `${name}-${process.pid}.img`);
  const chunk = Buffer.alloc(FILL_CHUNK_BYTES);
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

/** Reads [offset, offset + bytes) of the file (default: all of it) through the page cache, so
 *  buffered reads find it cached. */
export function warmPageCache(file: string, offset = 0, bytes = fs.statSync(file).size - offset): void {
  const fd = fs.openSync(file, 'r');
  const chunk = Buffer.alloc(FILL_CHUNK_BYTES);
  try {
    for (let done = 0; done < bytes; ) {
      const n = fs.readSync(fd, chunk, 0, Math.min(chunk.byteLength, bytes - done), offset + done);
      if (n === 0) break;
      done += n;
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes back dirty pages of earlier buffered writes, so they do not slow down the next run. */
export function settleDirtyPages(file: string): void {
  const fd = fs.openSync(file, 'r+');
  try {
    fs.fdatasyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** A copy of `bytes` at `offset` of the file, read through the page cache (coherent with O_DIRECT writes). */
export function readImageBytes(file: string, offset: number, bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  const fd = fs.openSync(file, 'r');
  try {
    for (let done = 0; done < bytes; ) {
      const n = fs.readSync(fd, out, done, bytes - done, offset + done);
      if (n === 0) throw new Error(`${file} ends before ${offset + bytes}`);
      done += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return out;
}
