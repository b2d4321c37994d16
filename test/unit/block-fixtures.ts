// Shared helpers of the block backend tests: scratch images on a real (non-tmpfs) file system so
// that O_DIRECT behaves as on a disk, guest-RAM-like buffers, and checksums.

import fs from 'node:fs';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TMPFS_MAGIC = 0x01021994;

/** A fresh directory under build/test-tmp (the repo is on ext4 here; /tmp may be tmpfs elsewhere). */
export function makeScratchDir(label: string): string {
  const base = path.join(REPO_ROOT, 'build', 'test-tmp');
  fs.mkdirSync(base, { recursive: true });
  const dir = fs.mkdtempSync(path.join(base, `${label}-`));
  if (fs.statfsSync(dir).type === TMPFS_MAGIC) {
    throw new Error(`${dir} is on tmpfs: the O_DIRECT tests need a disk file system`);
  }
  return dir;
}

export function removeScratchDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** A sparse image of `bytes` bytes (reads as zeros until written). */
export function createSparseImage(dir: string, name: string, bytes: number): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, new Uint8Array(0));
  fs.truncateSync(file, bytes);
  return file;
}

/** An image filled with random bytes; returns its path and contents. */
export function createRandomImage(dir: string, name: string, bytes: number): { file: string; contents: Buffer } {
  const file = path.join(dir, name);
  const contents = randomBytes(bytes);
  fs.writeFileSync(file, contents);
  return { file, contents };
}

export function fillRandom(view: Uint8Array): void {
  // randomFillSync refuses views over SharedArrayBuffer in some Node versions: go through a copy.
  view.set(randomBytes(view.byteLength));
}

export function md5(views: readonly Uint8Array[]): string {
  const hash = createHash('md5');
  for (const view of views) hash.update(view);
  return hash.digest('hex');
}

/** Views of `buffer` with the given [offset, length] pairs. */
export function viewsOf(buffer: ArrayBufferLike, layout: readonly (readonly [number, number])[]): Uint8Array[] {
  return layout.map(([offset, length]) => new Uint8Array(buffer, offset, length));
}

/** Reads `length` bytes of `file` at `offset` through the page cache, independently of the backend. */
export function readFileRange(file: string, offset: number, length: number): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const out = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const n = fs.readSync(fd, out, done, length - done, offset + done);
      if (n === 0) throw new Error(`unexpected end of ${file}`);
      done += n;
    }
    return out;
  } finally {
    fs.closeSync(fd);
  }
}
