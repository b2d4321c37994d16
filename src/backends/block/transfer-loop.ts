// The readv/writev loop of one transfer, written once for both executors: a sync form for piscina
// threads and an async form for libuv. Each iteration moves at least one byte or fails, so the
// loop ends after at most totalBytes iterations (in practice one per IOV_MAX buffers).

import { BlockError, Errno } from './block-error.js';
import { IovecCursor } from './iovec-cursor.js';
import type { TransferDirection, TransferResult } from './io-executor.js';

type SyncCall = (buffers: Uint8Array[], position: number) => number;
type AsyncCall = (buffers: Uint8Array[], position: number) => Promise<number>;

function noProgress(direction: TransferDirection, position: number): BlockError {
  return new BlockError(Errno.EIO,
    `${direction === 'read' ? 'readv hit end of file' : 'writev wrote nothing'} at byte ${position}; did the image shrink?`);
}

export function transferSync(direction: TransferDirection, position: number, buffers: readonly Uint8Array[], call: SyncCall): TransferResult {
  const cursor = new IovecCursor(buffers);
  let syscalls = 0;
  while (!cursor.done) {
    const at = position + cursor.transferred;
    const moved = call(cursor.nextBatch(), at);
    syscalls++;
    if (moved <= 0) throw noProgress(direction, at);
    cursor.advance(moved);
  }
  return { bytes: cursor.transferred, syscalls };
}

export async function transferAsync(direction: TransferDirection, position: number, buffers: readonly Uint8Array[], call: AsyncCall): Promise<TransferResult> {
  const cursor = new IovecCursor(buffers);
  let syscalls = 0;
  while (!cursor.done) {
    const at = position + cursor.transferred;
    const moved = await call(cursor.nextBatch(), at);
    syscalls++;
    if (moved <= 0) throw noProgress(direction, at);
    cursor.advance(moved);
  }
  return { bytes: cursor.transferred, syscalls };
}
