// FLUSH maps to fdatasync: a flush after writes makes one, a flush with nothing new to cover makes
// none, and flushes issued together while one fdatasync runs share it when it covers them.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlockBackend } from '../../src/backends/block/block-backend.js';
import type { ExecutorKind } from '../../src/backends/block/block-backend.js';
import { FlushTracker } from '../../src/backends/block/flush-tracker.js';
import { createSparseImage, makeScratchDir, removeScratchDir } from './block-fixtures.js';

let dir: string;
beforeAll(() => { dir = makeScratchDir('block-flush'); });
afterAll(() => { removeScratchDir(dir); });

describe.each<ExecutorKind>(['libuv', 'piscina'])('flush through the %s executor', (executor) => {
  it.each(['writeback', 'none'] as const)('calls fdatasync for written data (cache=%s)', async (cache) => {
    const file = createSparseImage(dir, `flush-${executor}-${cache}.img`, 1 << 20);
    const backend = await BlockBackend.open({ path: file, cache, readOnly: false, executor });
    try {
      await backend.flush();
      expect(backend.stats).toMatchObject({ flushes: 1, fdatasyncs: 0 });

      const sector = new Uint8Array(new SharedArrayBuffer(4096));
      await backend.write(0, [sector]);
      await backend.flush();
      expect(backend.stats).toMatchObject({ flushes: 2, fdatasyncs: 1 });

      await backend.read(0, [sector]);
      await backend.flush();
      expect(backend.stats).toMatchObject({ flushes: 3, fdatasyncs: 1 });

      await backend.write(4096, [sector]);
      await backend.write(8192, [sector]);
      await backend.flush();
      expect(backend.stats).toMatchObject({ flushes: 4, fdatasyncs: 2 });
      expect(backend.stats.syscalls).toBe(3 /* writev */ + 1 /* readv */ + 2 /* fdatasync */);
    } finally {
      await backend.close();
    }
  });
});

describe('FlushTracker', () => {
  /** An fdatasync stand-in that completes only when the test says so. */
  function controlledSync(): { calls: number; finish: (error?: Error) => void; sync: () => Promise<void> } {
    const pending: { resolve: () => void; reject: (e: Error) => void }[] = [];
    const state = {
      calls: 0,
      finish(error?: Error) {
        const next = pending.shift();
        if (!next) throw new Error('no fdatasync is running');
        if (error) next.reject(error); else next.resolve();
      },
      sync: () => {
        state.calls++;
        return new Promise<void>((resolve, reject) => pending.push({ resolve, reject }));
      },
    };
    return state;
  }
  const settle = () => new Promise((resolve) => setImmediate(resolve));

  it('lets flushes that the running fdatasync covers wait for it instead of starting another', async () => {
    const tracker = new FlushTracker();
    const sync = controlledSync();
    tracker.noteWriteCompleted();
    const first = tracker.flush(sync.sync);
    const second = tracker.flush(sync.sync);
    await settle();
    expect(sync.calls).toBe(1);
    sync.finish();
    await Promise.all([first, second]);
    expect(sync.calls).toBe(1);
  });

  it('starts a new fdatasync for writes completed after the running one began', async () => {
    const tracker = new FlushTracker();
    const sync = controlledSync();
    tracker.noteWriteCompleted();
    const first = tracker.flush(sync.sync);
    await settle();
    tracker.noteWriteCompleted();
    let secondDone = false;
    const second = tracker.flush(sync.sync).then(() => { secondDone = true; });
    await settle();
    expect(sync.calls).toBe(1); // never two at once
    sync.finish();
    await first;
    await settle();
    expect(secondDone).toBe(false);
    expect(sync.calls).toBe(2);
    sync.finish();
    await second;
    expect(secondDone).toBe(true);
  });

  it('passes fdatasync failures on and retries on the next flush', async () => {
    const tracker = new FlushTracker();
    const sync = controlledSync();
    tracker.noteWriteCompleted();
    const failing = tracker.flush(sync.sync);
    await settle();
    sync.finish(Object.assign(new Error('EIO'), { errno: -5 }));
    await expect(failing).rejects.toThrow('EIO');
    const retry = tracker.flush(sync.sync);
    await settle();
    expect(sync.calls).toBe(2);
    sync.finish();
    await retry;
  });
});
