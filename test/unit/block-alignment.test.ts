// Alignment knowledge against the kernel itself: for every buffer and offset we try, the backend
// calls a view direct-capable exactly when an O_DIRECT read into it really succeeds. (Which plain
// SharedArrayBuffers happen to be aligned depends on the allocator; this test does not assume it.)

import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allocatePageAlignedSharedBuffer, registerPageAlignedBuffer } from '../../src/shared-mem/page-aligned.js';
import { BufferAlignment, openAlignmentProbeFile } from '../../src/backends/block/buffer-alignment.js';
import { probeDirectIoRequirements } from '../../src/backends/block/direct-io-requirements.js';
import { createRandomImage, makeScratchDir, removeScratchDir } from './block-fixtures.js';

let dir: string;
let image: string;
let fd: number;
beforeAll(() => {
  dir = makeScratchDir('block-alignment');
  image = createRandomImage(dir, 'align.img', 1 << 20).file;
  fd = fs.openSync(image, fs.constants.O_RDONLY | fs.constants.O_DIRECT);
});
afterAll(() => {
  fs.closeSync(fd);
  removeScratchDir(dir);
});

function kernelAccepts(view: Uint8Array): boolean {
  try {
    fs.readSync(fd, view, 0, view.byteLength, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EINVAL') return false;
    throw error;
  }
}

describe('BufferAlignment', () => {
  it('agrees with the kernel for plain, page-aligned and WebAssembly buffers', async () => {
    const requirements = await probeDirectIoRequirements(fd, image, 1 << 20);
    const alignment = new BufferAlignment(requirements, openAlignmentProbeFile(image));
    try {
      const buffers: ArrayBufferLike[] = [
        new SharedArrayBuffer(16384), new SharedArrayBuffer(1 << 20), new SharedArrayBuffer(3 << 20),
        new ArrayBuffer(1 << 20), allocatePageAlignedSharedBuffer(1 << 20),
      ];
      let directViews = 0;
      for (const buffer of buffers) {
        const views = Array.from({ length: 40 }, (_, i) => new Uint8Array(buffer, i * 16, 4096));
        await alignment.learn(views);
        for (const view of views) {
          const predicted = alignment.isDirectCapable(view);
          expect({ offset: view.byteOffset, predicted }).toEqual({ offset: view.byteOffset, predicted: kernelAccepts(view) });
          if (predicted) directViews++;
        }
      }
      expect(directViews).toBeGreaterThan(0); // at least the page-aligned buffer at offset 0
    } finally {
      await alignment.close();
    }
  });

  it('treats a buffer it cannot probe as misaligned unless registered as page aligned', async () => {
    const requirements = await probeDirectIoRequirements(fd, image, 1 << 20);
    const alignment = new BufferAlignment(requirements, null);
    const unknown = new SharedArrayBuffer(1 << 20);
    const registered = new SharedArrayBuffer(1 << 20);
    registerPageAlignedBuffer(registered);
    const views = [new Uint8Array(unknown, 0, 4096), new Uint8Array(registered, 0, 4096), new Uint8Array(registered, 16, 4096)];
    await alignment.learn(views);
    expect(views.map((v) => alignment.isDirectCapable(v))).toEqual([false, true, false]);
    // A length that is not whole blocks is never direct, whatever the address.
    expect(alignment.isDirectCapable(new Uint8Array(registered, 0, 1000))).toBe(false);
  });

  it('page-aligned buffers are accepted by O_DIRECT at every block-aligned offset', () => {
    const buffer = allocatePageAlignedSharedBuffer(65536);
    for (let offset = 0; offset + 4096 <= 65536; offset += 4096) {
      expect(kernelAccepts(new Uint8Array(buffer, offset, 4096))).toBe(true);
    }
    expect(buffer.byteLength).toBe(65536);
    expect(allocatePageAlignedSharedBuffer(65537).byteLength).toBe(131072);
    expect(() => allocatePageAlignedSharedBuffer(0)).toThrow(RangeError);
  });
});
