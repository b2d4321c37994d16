// Data written through the backend lands at the right place in the image and reads back intact,
// whatever the segment split, executor and cache mode: checked with md5 against an independent
// read of the file, not only against the backend's own reads.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlockBackend, allocatePageAlignedSharedBuffer } from '../../src/backends/block/block-backend.js';
import type { CacheMode, ExecutorKind } from '../../src/backends/block/block-backend.js';
import { createRandomImage, fillRandom, makeScratchDir, md5, readFileRange, removeScratchDir, viewsOf } from './block-fixtures.js';

const IMAGE_BYTES = 8 << 20;
const EXECUTORS: ExecutorKind[] = ['libuv', 'piscina'];
const CACHES: CacheMode[] = ['writeback', 'none'];

/** Odd lengths and odd places in RAM; the total (74240) is a whole number of 512-byte sectors. */
const ODD_WRITE_LAYOUT: [number, number][] = [
  [3, 1000], [70001, 24], [8192, 4096], [200000, 511], [12, 1], [300000, 65536], [1 << 20, 3000], [2 << 20, 72],
];
/** The same 74240 bytes read back split differently. */
const ODD_READ_LAYOUT: [number, number][] = [
  [5, 512], [9000, 70000], [500001, 3727], [600000, 1],
];

let dir: string;
beforeAll(() => { dir = makeScratchDir('block-round-trip'); });
afterAll(() => { removeScratchDir(dir); });

describe.each(EXECUTORS)('executor %s', (executor) => {
  it.each(CACHES)('round-trips odd segment splits of a SharedArrayBuffer (cache=%s)', async (cache) => {
    const { file } = createRandomImage(dir, `odd-${executor}-${cache}.img`, IMAGE_BYTES);
    const backend = await BlockBackend.open({ path: file, cache, readOnly: false, executor });
    try {
      const ram = new SharedArrayBuffer(4 << 20);
      const source = viewsOf(ram, ODD_WRITE_LAYOUT);
      source.forEach(fillRandom);
      const offset = 512 * 1001;
      await backend.write(offset, source);
      const total = ODD_WRITE_LAYOUT.reduce((sum, [, length]) => sum + length, 0);
      expect(md5([readFileRange(file, offset, total)])).toBe(md5(source));

      const target = viewsOf(new SharedArrayBuffer(4 << 20), ODD_READ_LAYOUT);
      await backend.read(offset, target);
      expect(md5(target)).toBe(md5(source));
      expect(backend.stats.bytesWritten).toBe(total);
      expect(backend.stats.bytesRead).toBe(total);
      expect(backend.executorKind).toBe(executor);
    } finally {
      await backend.close();
    }
  });

  it('takes aligned segments of page-aligned memory straight to O_DIRECT (no bounce)', async () => {
    const { file } = createRandomImage(dir, `aligned-${executor}.img`, IMAGE_BYTES);
    const backend = await BlockBackend.open({ path: file, cache: 'none', readOnly: false, executor });
    try {
      const ram = allocatePageAlignedSharedBuffer(8 << 20);
      // 1 MiB as 12 segments of 64..128 KiB scattered over RAM, as a PRD table would.
      const layout: [number, number][] = [];
      let place = 4096;
      for (const kib of [64, 128, 64, 96, 64, 128, 64, 64, 128, 96, 64, 64]) {
        layout.push([place, kib * 1024]);
        place += kib * 1024 + 3 * 4096;
      }
      const source = viewsOf(ram, layout);
      source.forEach(fillRandom);
      await backend.write(1 << 20, source);
      const target = viewsOf(ram, layout.map(([at, length]) => [at + (4 << 20), length] as [number, number]));
      await backend.read(1 << 20, target);
      expect(md5(target)).toBe(md5(source));
      expect(md5([readFileRange(file, 1 << 20, 1 << 20)])).toBe(md5(source));
      expect(backend.stats.bouncedSegments).toBe(0);
    } finally {
      await backend.close();
    }
  });

  it('bounces misaligned O_DIRECT segments, also beyond one bounce buffer, with the data intact', async () => {
    const { file } = createRandomImage(dir, `misaligned-${executor}.img`, IMAGE_BYTES);
    const backend = await BlockBackend.open({ path: file, cache: 'none', readOnly: false, executor });
    try {
      const ram = allocatePageAlignedSharedBuffer(16 << 20);
      // Aligned, then 16 bytes off (bounced), then a 3 MiB misaligned segment (several bounce passes),
      // then aligned again.
      const layout: [number, number][] = [[0, 65536], [65536 + 4096 + 16, 65536], [1 << 20 | 16, 3 << 20], [8 << 20, 131072]];
      const source = viewsOf(ram, layout);
      source.forEach(fillRandom);
      await backend.write(0, source);
      expect(backend.stats.bouncedSegments).toBe(2);
      const target = viewsOf(allocatePageAlignedSharedBuffer(16 << 20), layout);
      await backend.read(0, target);
      expect(backend.stats.bouncedSegments).toBe(4);
      expect(md5(target)).toBe(md5(source));
      const total = layout.reduce((sum, [, length]) => sum + length, 0);
      expect(md5([readFileRange(file, 0, total)])).toBe(md5(source));
    } finally {
      await backend.close();
    }
  });

  it('splits more than IOV_MAX (1024) segments over several readv/writev calls', async () => {
    const { file } = createRandomImage(dir, `many-${executor}.img`, IMAGE_BYTES);
    const backend = await BlockBackend.open({ path: file, cache: 'none', readOnly: false, executor });
    try {
      const ram = allocatePageAlignedSharedBuffer(8 << 20);
      // 2500 separate 512-byte sectors, every other one: all aligned, none contiguous.
      const layout: [number, number][] = Array.from({ length: 2500 }, (_, i) => [i * 1024, 512]);
      const source = viewsOf(ram, layout);
      source.forEach(fillRandom);
      await backend.write(4096, source);
      const afterWrite = backend.stats.syscalls;
      expect(afterWrite).toBeGreaterThanOrEqual(3);
      const target = viewsOf(ram, layout.map(([at, length]) => [at + 512, length] as [number, number]));
      await backend.read(4096, target);
      expect(backend.stats.syscalls - afterWrite).toBeGreaterThanOrEqual(3);
      expect(backend.stats.bouncedSegments).toBe(0);
      expect(md5(target)).toBe(md5(source));
      expect(md5([readFileRange(file, 4096, 2500 * 512)])).toBe(md5(source));
    } finally {
      await backend.close();
    }
  });

  it('reads into and writes from non-shared memory too (a core\'s own buffers)', async () => {
    const { file, contents } = createRandomImage(dir, `unshared-${executor}.img`, IMAGE_BYTES);
    const backend = await BlockBackend.open({ path: file, cache: 'writeback', readOnly: false, executor });
    try {
      const target = viewsOf(new ArrayBuffer(8192), [[1, 700], [4000, 324]]);
      await backend.read(2048, target);
      expect(md5(target)).toBe(md5([contents.subarray(2048, 2048 + 1024)]));
      const source = viewsOf(new ArrayBuffer(4096), [[0, 1024]]);
      fillRandom(source[0]!);
      await backend.write(8192, source);
      expect(md5([readFileRange(file, 8192, 1024)])).toBe(md5(source));
    } finally {
      await backend.close();
    }
  });

  it('keeps concurrent commands apart (queue depth 4, each with its own bounce buffer)', async () => {
    const { file } = createRandomImage(dir, `concurrent-${executor}.img`, IMAGE_BYTES);
    const backend = await BlockBackend.open({ path: file, cache: 'none', readOnly: false, executor });
    try {
      const ram = new SharedArrayBuffer(8 << 20); // not page aligned: every segment is bounced
      const commands = [0, 1, 2, 3].map((i) => viewsOf(ram, [[i * (1 << 20) + 8, 300_000], [i * (1 << 20) + 400_000, 224_288]]));
      commands.flat().forEach(fillRandom);
      await Promise.all(commands.map((views, i) => backend.write(i * 524_288 * 2, views)));
      const readBack = [0, 1, 2, 3].map((i) => viewsOf(ram, [[(4 << 20) + i * (1 << 20) + 3, 524_288]]));
      await Promise.all(readBack.map((views, i) => backend.read(i * 524_288 * 2, views)));
      for (let i = 0; i < 4; i++) expect(md5(readBack[i]!)).toBe(md5(commands[i]!));
    } finally {
      await backend.close();
    }
  });
});
