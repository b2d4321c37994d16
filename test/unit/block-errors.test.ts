// Every way a request or an open can go wrong ends in a BlockError with the errno a device
// reports to the guest, and open errors name the file and the problem.

import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlockBackend, BlockError } from '../../src/backends/block/block-backend.js';
import type { BlockBackendOptions } from '../../src/backends/block/block-backend.js';
import { createRandomImage, createSparseImage, makeScratchDir, removeScratchDir } from './block-fixtures.js';

let dir: string;
beforeAll(() => { dir = makeScratchDir('block-errors'); });
afterAll(() => { removeScratchDir(dir); });

/** Resolves to the BlockError `action` rejects with; fails the test if it resolves or throws something else. */
async function blockErrorOf(action: () => Promise<unknown>): Promise<BlockError> {
  try {
    await action();
  } catch (error) {
    expect(error).toBeInstanceOf(BlockError);
    return error as BlockError;
  }
  throw new Error('expected a BlockError, but the call succeeded');
}

function openOptions(file: string, overrides: Partial<BlockBackendOptions> = {}): BlockBackendOptions {
  return { path: file, cache: 'writeback', readOnly: false, ...overrides };
}

describe('request validation', () => {
  it('refuses ranges past the end of the image with EINVAL and leaves the image alone', async () => {
    const { file, contents } = createRandomImage(dir, 'range.img', 1 << 20);
    const backend = await BlockBackend.open(openOptions(file));
    try {
      const ram = new SharedArrayBuffer(8192);
      const lastSector = (1 << 20) - 512;
      await backend.read(lastSector, [new Uint8Array(ram, 0, 512)]); // the last sector is fine
      for (const [offset, length] of [[lastSector, 1024], [1 << 20, 512], [(1 << 20) + 4096, 512], [0, (1 << 20) + 512]] as const) {
        expect((await blockErrorOf(() => backend.read(offset, [new Uint8Array(new ArrayBuffer(length))]))).errno).toBe(-22);
        expect((await blockErrorOf(() => backend.write(offset, [new Uint8Array(new ArrayBuffer(length))]))).errno).toBe(-22);
      }
      expect(fs.readFileSync(file).equals(contents)).toBe(true);
    } finally {
      await backend.close();
    }
  });

  it('refuses negative, fractional and non-numeric offsets with EINVAL', async () => {
    const { file } = createRandomImage(dir, 'offsets.img', 65536);
    const backend = await BlockBackend.open(openOptions(file));
    try {
      const sector = [new Uint8Array(512)];
      for (const offset of [-512, 0.5, Number.NaN, Number.POSITIVE_INFINITY, '512' as unknown as number]) {
        expect((await blockErrorOf(() => backend.read(offset, sector))).errno).toBe(-22);
      }
      const notViews = [new Uint16Array(256)] as unknown as Uint8Array[];
      expect((await blockErrorOf(() => backend.write(0, notViews))).errno).toBe(-22);
    } finally {
      await backend.close();
    }
  });

  it('refuses partial sectors under cache=none (O_DIRECT) with EINVAL', async () => {
    const { file } = createRandomImage(dir, 'partial.img', 65536);
    const backend = await BlockBackend.open(openOptions(file, { cache: 'none' }));
    try {
      const ram = new SharedArrayBuffer(8192);
      expect((await blockErrorOf(() => backend.read(256, [new Uint8Array(ram, 0, 512)]))).errno).toBe(-22);
      expect((await blockErrorOf(() => backend.read(0, [new Uint8Array(ram, 0, 700)]))).errno).toBe(-22);
      expect((await blockErrorOf(() => backend.write(0, [new Uint8Array(ram, 0, 100), new Uint8Array(ram, 512, 100)]))).errno).toBe(-22);
      // Odd segments are fine as long as the command covers whole sectors.
      await backend.read(0, [new Uint8Array(ram, 1, 100), new Uint8Array(ram, 4000, 412)]);
    } finally {
      await backend.close();
    }
  });

  it('refuses writes to a read-only image with EROFS but serves reads', async () => {
    const { file, contents } = createRandomImage(dir, 'ro.img', 65536);
    for (const cache of ['writeback', 'none'] as const) {
      const backend = await BlockBackend.open(openOptions(file, { readOnly: true, cache }));
      try {
        const sector = new Uint8Array(new SharedArrayBuffer(512));
        const error = await blockErrorOf(() => backend.write(0, [sector]));
        expect(error.errno).toBe(-30);
        await backend.read(512, [sector]);
        expect(Buffer.from(sector).equals(contents.subarray(512, 1024))).toBe(true);
      } finally {
        await backend.close();
      }
    }
    expect(fs.readFileSync(file).equals(contents)).toBe(true);
  });

  it('fails requests after close with EBADF, and close waits for requests in flight', async () => {
    const { file, contents } = createRandomImage(dir, 'closed.img', 1 << 20);
    const backend = await BlockBackend.open(openOptions(file));
    const target = new Uint8Array(new SharedArrayBuffer(1 << 20));
    const pending = backend.read(0, [target]);
    const closed = backend.close();
    await pending;
    await closed;
    expect(Buffer.from(target).equals(contents)).toBe(true);
    expect((await blockErrorOf(() => backend.read(0, [target.subarray(0, 512)]))).errno).toBe(-9);
    expect((await blockErrorOf(() => backend.flush())).errno).toBe(-9);
  });
});

describe('open errors', () => {
  it('reports a missing file', async () => {
    const missing = path.join(dir, 'no-such.img');
    const error = await blockErrorOf(() => BlockBackend.open(openOptions(missing)));
    expect(error.errno).toBe(-2);
    expect(error.message).toContain('not found');
    expect(error.message).toContain(missing);
  });

  it('reports a directory', async () => {
    const error = await blockErrorOf(() => BlockBackend.open(openOptions(dir)));
    expect(error.errno).toBe(-21);
    expect(error.message).toContain('directory');
  });

  it('reports an empty image and says how to make one', async () => {
    const empty = createSparseImage(dir, 'empty.img', 0);
    const error = await blockErrorOf(() => BlockBackend.open(openOptions(empty)));
    expect(error.errno).toBe(-22);
    expect(error.message).toContain('empty');
    expect(error.message).toContain('truncate');
  });

  it('opens an empty image when the device asks for it (allowEmpty), and every access is out of range', async () => {
    const empty = createSparseImage(dir, 'empty-allowed.img', 0);
    const backend = await BlockBackend.open(openOptions(empty, { allowEmpty: true }));
    try {
      expect(backend.sizeBytes).toBe(0);
      expect((await blockErrorOf(() => backend.read(0, [new Uint8Array(512)]))).errno).toBe(-22);
      expect((await blockErrorOf(() => backend.write(0, [new Uint8Array(512)]))).errno).toBe(-22);
      expect(fs.statSync(empty).size).toBe(0);
    } finally {
      await backend.close();
    }
  });

  it('an image truncated after it was opened: reads past the new end fail with EIO (readv at end of file)', async () => {
    const { file } = createRandomImage(dir, 'shrinks.img', 65536);
    const backend = await BlockBackend.open(openOptions(file));
    try {
      fs.truncateSync(file, 4096);
      await backend.read(0, [new Uint8Array(4096)]); // before the new end: fine
      const error = await blockErrorOf(() => backend.read(8192, [new Uint8Array(512)]));
      expect(error.errno).toBe(-5);
      expect(error.message).toContain('end of file');
    } finally {
      await backend.close();
    }
  });

  it('reports a size that is not whole sectors', async () => {
    const odd = createSparseImage(dir, 'odd.img', 1000);
    const error = await blockErrorOf(() => BlockBackend.open(openOptions(odd)));
    expect(error.errno).toBe(-22);
    expect(error.message).toContain('multiple of 512');
  });

  it('reports an unknown cache mode or executor', async () => {
    const { file } = createRandomImage(dir, 'options.img', 4096);
    expect((await blockErrorOf(() => BlockBackend.open(openOptions(file, { cache: 'directsync' as never })))).errno).toBe(-22);
    expect((await blockErrorOf(() => BlockBackend.open(openOptions(file, { executor: 'threads' as never })))).errno).toBe(-22);
  });

  // Needs root and mount(2): ramfs has no O_DIRECT at all (tmpfs has it since Linux 6.6).
  const canMountRamfs = ((): boolean => {
    try {
      return process.getuid?.() === 0 && fs.existsSync('/proc/filesystems') && fs.readFileSync('/proc/filesystems', 'utf8').includes('ramfs');
    } catch {
      return false;
    }
  })();

  it.skipIf(!canMountRamfs)('says when the file system has no O_DIRECT and suggests cache=writeback', async (context) => {
    const mountPoint = fs.mkdtempSync(path.join(dir, 'ramfs-'));
    try {
      execFileSync('mount', ['-t', 'ramfs', 'none', mountPoint]);
    } catch {
      context.skip('no permission to mount ramfs here');
    }
    try {
      const file = path.join(mountPoint, 'disk.img');
      fs.writeFileSync(file, Buffer.alloc(65536));
      const error = await blockErrorOf(() => BlockBackend.open(openOptions(file, { cache: 'none' })));
      expect(error.errno).toBe(-22);
      expect(error.message).toContain('O_DIRECT');
      expect(error.message).toContain('ramfs');
      expect(error.message).toContain('cache=writeback');
      const buffered = await BlockBackend.open(openOptions(file, { cache: 'writeback' }));
      await buffered.close();
    } finally {
      execFileSync('umount', [mountPoint]);
    }
  });

  it('reports an image that cannot be opened for writing (immutable file)', async (context) => {
    const { file } = createRandomImage(dir, 'immutable.img', 4096);
    try {
      execFileSync('chattr', ['+i', file], { stdio: 'ignore' });
    } catch {
      // Root ignores mode bits, so an immutable file is the only unwritable file root can make.
      context.skip('no chattr or no CAP_LINUX_IMMUTABLE here');
    }
    try {
      const error = await blockErrorOf(() => BlockBackend.open(openOptions(file)));
      expect(error.errno).toBe(-13);
      expect(error.message).toContain('not writable');
      const readOnly = await BlockBackend.open(openOptions(file, { readOnly: true }));
      await readOnly.close();
    } finally {
      execFileSync('chattr', ['-i', file]);
    }
  });
});
