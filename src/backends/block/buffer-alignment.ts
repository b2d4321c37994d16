// Which segments may go to O_DIRECT as they are. JS cannot see a buffer's address, and ordinary
// SharedArrayBuffers are not 512-aligned (page-aligned-memory.ts has the measurements), so each
// buffer's base alignment is either known (allocated page aligned) or learnt once by probing: a few
// O_DIRECT writes FROM the buffer into a private, already-unlinked scratch file on the image's file
// system. Writing from guest RAM leaves it untouched, so the probe is invisible to the guest; a
// read into guest RAM would not be.

import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Errno, errnoFromError } from './block-error.js';
import type { DirectIoRequirements } from './direct-io-requirements.js';
import { closeAsync, pwriteAsync } from './fs-async.js';
import { isKnownPageAligned } from '../../shared-mem/page-aligned.js';

/** One page: a misaligned run this long always crosses a page boundary at a non-512 split. */
const PROBE_BYTES = 4096;
/** V8/malloc never hand out buffers with a base less aligned than this. */
const PROBE_STEP = 16;

/**
 * Opens an O_DIRECT scratch file beside the image and unlinks it at once, so nothing is left
 * behind even on a crash. Returns null when the directory is not writable: buffers that are not
 * known to be page aligned are then bounced.
 */
export function openAlignmentProbeFile(imagePath: string): number | null {
  const scratchPath = path.join(path.dirname(imagePath), `.hvmio-dio-probe-${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    const { O_RDWR, O_CREAT, O_EXCL, O_DIRECT } = fs.constants;
    const fd = fs.openSync(scratchPath, O_RDWR | O_CREAT | O_EXCL | O_DIRECT, 0o600);
    fs.unlinkSync(scratchPath);
    return fd;
  } catch {
    try { fs.unlinkSync(scratchPath); } catch { /* was never created */ }
    return null;
  }
}

export class BufferAlignment {
  /** Per buffer: an offset r with (address + r) % memoryAlignment == 0, or null if none is usable. */
  private readonly alignedOffset = new WeakMap<ArrayBufferLike, number | null>();

  constructor(
    private readonly requirements: DirectIoRequirements,
    private probeFd: number | null,
  ) {}

  /** Makes sure every buffer behind `segments` has a known alignment before planning. */
  async learn(segments: readonly Uint8Array[]): Promise<void> {
    for (const segment of segments) {
      const buffer = segment.buffer;
      if (this.alignedOffset.has(buffer)) continue;
      this.alignedOffset.set(buffer, isKnownPageAligned(buffer) ? 0 : await this.probe(buffer));
    }
  }

  /** True when `view` can be given to O_DIRECT as it is. Unknown buffers count as misaligned. */
  isDirectCapable(view: Uint8Array): boolean {
    const offset = this.alignedOffset.get(view.buffer);
    if (offset === undefined || offset === null) return false;
    const { memoryAlignment, blockBytes } = this.requirements;
    return (view.byteOffset - offset) % memoryAlignment === 0 && view.byteLength % blockBytes === 0;
  }

  /** After the kernel refused a buffer we judged aligned: never trust it again. */
  distrust(buffer: ArrayBufferLike): void {
    this.alignedOffset.set(buffer, null);
  }

  async close(): Promise<void> {
    const fd = this.probeFd;
    this.probeFd = null;
    if (fd !== null) await closeAsync(fd);
  }

  private async probe(buffer: ArrayBufferLike): Promise<number | null> {
    const fd = this.probeFd;
    if (fd === null) return null;
    const { memoryAlignment } = this.requirements;
    // Bounded: at most memoryAlignment / 16 writes (32 for 512), each of one page.
    for (let offset = 0; offset < memoryAlignment && offset + PROBE_BYTES <= buffer.byteLength; offset += PROBE_STEP) {
      try {
        await pwriteAsync(fd, new Uint8Array(buffer, offset, PROBE_BYTES), 0);
        return offset;
      } catch (error) {
        if (errnoFromError(error) !== Errno.EINVAL) return null;
      }
    }
    return null;
  }
}
