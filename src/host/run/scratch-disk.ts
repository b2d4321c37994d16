// The disk `hvmio run` gives the guest when the user names none: a fresh, zero-filled (sparse)
// raw image in its own directory under build/scratch (scratch.ts: not tmpfs where avoidable,
// so cache=none would work), removed afterwards unless the user keeps it.

import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir } from '../cli/scratch.js';

export interface ScratchDisk {
  image: string;
  sizeMiB: number;
  /** Deletes the image and its directory; safe to call twice. */
  remove(): void;
}

export function createScratchDisk(sizeMiB: number): ScratchDisk {
  const dir = mkdtempSync(join(scratchDir(), 'hvmio-run-'));
  const image = join(dir, 'disk.img');
  const fd = openSync(image, 'w');
  try {
    ftruncateSync(fd, sizeMiB * 1024 * 1024);
  } finally {
    closeSync(fd);
  }
  return { image, sizeMiB, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
