// Aligned bounce buffers for O_DIRECT segments that break alignment: one per request in flight
// (requests run concurrently at queue depth > 1), reused from request to request. They are
// SharedArrayBuffers so that a piscina thread can read into them too, and page aligned (see
// page-aligned-memory.ts for why a plain SharedArrayBuffer would not do).

import { allocatePageAlignedSharedBuffer } from '../../shared-mem/page-aligned.js';

/** Bytes per bounce buffer: a 1 MiB command whose every segment is misaligned takes one pass. */
export const BOUNCE_BUFFER_BYTES = 1 << 20;

export class BouncePool {
  private readonly free: Uint8Array[] = [];
  /** Buffers ever allocated: the peak number of requests that needed one at the same time. */
  allocated = 0;

  acquire(): Uint8Array {
    const reused = this.free.pop();
    if (reused !== undefined) return reused;
    this.allocated++;
    return new Uint8Array(allocatePageAlignedSharedBuffer(BOUNCE_BUFFER_BYTES), 0, BOUNCE_BUFFER_BYTES);
  }

  release(buffer: Uint8Array): void {
    this.free.push(buffer);
  }
}
