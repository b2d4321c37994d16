// The readv/writev loop: at most IOV_MAX buffers per call, short transfers resumed mid-buffer at
// the right file position, and a call that makes no progress reported as EIO instead of looping.

import { describe, expect, it } from 'vitest';
import { BlockError } from '../../src/backends/block/block-error.js';
import { IOV_MAX, IovecCursor } from '../../src/backends/block/iovec-cursor.js';
import { transferAsync, transferSync } from '../../src/backends/block/transfer-loop.js';

/** A fake file for reads: fills batches from `source`, moving at most `limit` bytes per call. */
function fakeReadv(source: Uint8Array, start: number, limit: number, log: { position: number; buffers: number }[]) {
  return (batch: Uint8Array[], position: number): number => {
    log.push({ position, buffers: batch.length });
    let moved = 0;
    for (const buffer of batch) {
      const take = Math.min(buffer.byteLength, limit - moved);
      buffer.set(source.subarray(position - start + moved, position - start + moved + take));
      moved += take;
      if (moved === limit) break;
    }
    return moved;
  };
}

describe('IovecCursor', () => {
  it('offers at most IOV_MAX buffers per batch and skips empty ones', () => {
    const buffers = Array.from({ length: 2500 }, (_, i) => new Uint8Array(i % 5 === 0 ? 0 : 8));
    const cursor = new IovecCursor(buffers);
    let calls = 0;
    while (!cursor.done) {
      const batch = cursor.nextBatch();
      expect(batch.length).toBeLessThanOrEqual(IOV_MAX);
      expect(batch.every((b) => b.byteLength > 0)).toBe(true);
      cursor.advance(batch.reduce((sum, b) => sum + b.byteLength, 0));
      calls++;
    }
    expect(calls).toBe(2); // 2000 non-empty buffers
    expect(cursor.transferred).toBe(2000 * 8);
  });

  it('refuses to advance past the end or by nothing', () => {
    const cursor = new IovecCursor([new Uint8Array(10)]);
    expect(() => cursor.advance(0)).toThrow(RangeError);
    expect(() => cursor.advance(11)).toThrow(RangeError);
  });
});

describe('transfer loops', () => {
  const source = Uint8Array.from({ length: 5000 }, (_, i) => (i * 31 + 7) & 0xff);
  const layout = [1, 999, 0, 2000, 17, 1983];

  it('resumes short reads inside a buffer at the right file position (sync)', () => {
    const buffers = layout.map((n) => new Uint8Array(n));
    const log: { position: number; buffers: number }[] = [];
    const result = transferSync('read', 100, buffers, fakeReadv(source, 100, 700, log));
    expect(result).toEqual({ bytes: 5000, syscalls: Math.ceil(5000 / 700) });
    expect(log.map((c) => c.position)).toEqual(Array.from({ length: 8 }, (_, i) => 100 + i * 700));
    expect(Buffer.concat(buffers)).toEqual(Buffer.from(source));
  });

  it('resumes short reads (async), one byte at a time at worst', async () => {
    const buffers = layout.map((n) => new Uint8Array(n)).slice(0, 2);
    const log: { position: number; buffers: number }[] = [];
    const readv = fakeReadv(source, 0, 1, log);
    const result = await transferAsync('read', 0, buffers, async (batch, at) => readv(batch, at));
    expect(result.syscalls).toBe(1000);
    expect(Buffer.concat(buffers)).toEqual(Buffer.from(source.subarray(0, 1000)));
  });

  it('reports no progress as EIO instead of spinning', async () => {
    const buffers = [new Uint8Array(512)];
    expect(() => transferSync('read', 0, buffers, () => 0)).toThrow(BlockError);
    await expect(transferAsync('write', 4096, buffers, async () => 0)).rejects.toMatchObject({ errno: -5 });
  });
});
