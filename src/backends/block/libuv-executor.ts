// Executor on libuv's thread pool: fs.readv/fs.writev (preadv/pwritev in a pool thread) with the
// caller's views, so the kernel copies straight between the file and guest RAM.
// Note libuv's own pool is process-wide and has UV_THREADPOOL_SIZE threads (4 by default).

import type { IoExecutor, TransferDirection, TransferResult } from './io-executor.js';
import { fdatasyncAsync, preadvAsync, pwritevAsync } from './fs-async.js';
import { transferAsync } from './transfer-loop.js';

export class LibuvExecutor implements IoExecutor {
  readonly kind = 'libuv' as const;

  transfer(direction: TransferDirection, fd: number, position: number, buffers: Uint8Array[]): Promise<TransferResult> {
    const call = direction === 'read' ? preadvAsync : pwritevAsync;
    return transferAsync(direction, position, buffers, (batch, at) => call(fd, batch, at));
  }

  fdatasync(fd: number): Promise<void> {
    return fdatasyncAsync(fd);
  }

  async close(): Promise<void> {
    // Nothing of its own: the pool belongs to the process.
  }
}
