// Scratch disk images for the sim tests: sparse files in a temporary directory on a real
// file system (O_DIRECT, used by cache=none, is refused by tmpfs on many kernels), removed
// when the test is done.

import { closeSync, ftruncateSync, mkdtempSync, openSync, readSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** statfs f_type of tmpfs (linux/magic.h TMPFS_MAGIC). */
const TMPFS_MAGIC = 0x01021994;

function onRealFileSystem(dir: string): boolean {
  try {
    return statfsSync(dir).type !== TMPFS_MAGIC;
  } catch {
    return false;
  }
}

/** The first candidate that is not tmpfs: $HVMIO_SCRATCH, the OS temp dir, /var/tmp, the repo. */
export function scratchRoot(): string {
  const candidates = [process.env.HVMIO_SCRATCH, tmpdir(), '/var/tmp', resolve('.')].filter((d): d is string => !!d);
  return candidates.find(onRealFileSystem) ?? tmpdir();
}

export class ScratchDir {
  readonly path: string;

  constructor(prefix = 'hvmio-sim-') {
    this.path = mkdtempSync(join(scratchRoot(), prefix));
  }

  /** A sparse image of `bytes` (a hole until written), optionally with `contents` at offset 0. */
  image(name: string, bytes: number, contents?: Uint8Array): string {
    const path = join(this.path, name);
    const fd = openSync(path, 'w+');
    try {
      ftruncateSync(fd, bytes);
      if (contents) writeSync(fd, contents, 0, contents.length, 0);
    } finally {
      closeSync(fd);
    }
    return path;
  }

  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

/** Reads `len` bytes of an image file at `offset` (what actually reached the backing file). */
export function readImage(path: string, offset: number, len: number): Uint8Array {
  const out = new Uint8Array(len);
  const fd = openSync(path, 'r');
  try {
    let done = 0;
    while (done < len) {
      const n = readSync(fd, out, done, len - done, offset + done);
      if (n === 0) break;
      done += n;
    }
  } finally {
    closeSync(fd);
  }
  return out;
}
