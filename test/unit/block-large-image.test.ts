// A 2^33-byte (8 GiB) sparse image: offsets beyond 2^32 and 2^28 sectors, where LBA48 commands
// live, must reach the right place (no 32-bit truncation anywhere on the way to pread/pwrite).

import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlockBackend, allocatePageAlignedSharedBuffer } from '../../src/backends/block/block-backend.js';
import type { CacheMode, ExecutorKind } from '../../src/backends/block/block-backend.js';
import { createSparseImage, fillRandom, makeScratchDir, md5, readFileRange, removeScratchDir } from './block-fixtures.js';

const IMAGE_BYTES = 2 ** 33;

let dir: string;
let file: string;
beforeAll(() => {
  dir = makeScratchDir('block-large');
  file = createSparseImage(dir, 'large.img', IMAGE_BYTES);
});
afterAll(() => { removeScratchDir(dir); });

describe.each<[ExecutorKind, CacheMode]>([['libuv', 'none'], ['piscina', 'writeback']])('%s executor, cache=%s', (executor, cache) => {
  it('writes and reads the last sectors of an 8 GiB sparse image', async () => {
    const backend = await BlockBackend.open({ path: file, cache, readOnly: false, executor });
    try {
      expect(backend.sizeBytes).toBe(IMAGE_BYTES);
      const ram = allocatePageAlignedSharedBuffer(1 << 20);
      const source = [new Uint8Array(ram, 0, 4096), new Uint8Array(ram, 8192 + 512, 4096)];
      source.forEach(fillRandom);
      const offset = IMAGE_BYTES - 8192; // LBA 16777200: needs the 48-bit LBA command set
      await backend.write(offset, source);
      expect(md5([readFileRange(file, offset, 8192)])).toBe(md5(source));

      const target = new Uint8Array(ram, 65536, 8192);
      await backend.read(offset, [target]);
      expect(md5([target])).toBe(md5(source));

      // Bytes just past 4 GiB: a 32-bit truncation would land them at the start of the file.
      await backend.write(2 ** 32, [source[0]!]);
      expect(md5([readFileRange(file, 2 ** 32, 4096)])).toBe(md5([source[0]!]));
      expect(readFileRange(file, 0, 4096).every((byte) => byte === 0)).toBe(true);

      const pastEnd = backend.read(IMAGE_BYTES - 512, [new Uint8Array(ram, 0, 1024)]);
      await expect(pastEnd).rejects.toMatchObject({ errno: -22 });
    } finally {
      await backend.close();
    }
    expect(fs.statSync(file).size).toBe(IMAGE_BYTES);
  });
});
