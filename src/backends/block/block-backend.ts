// A raw disk image as the backend of an emulated disk: one call per guest command, data moved by
// readv/writev straight between the file and views of guest RAM. cache=none opens the image with
// O_DIRECT (no host page cache) and copies through an aligned bounce buffer only the segments the
// kernel would refuse; FLUSH maps to fdatasync. Every failure is a BlockError with a negative errno.

import { BlockError, Errno, errnoFromError, toBlockError } from './block-error.js';
import { BufferAlignment, openAlignmentProbeFile } from './buffer-alignment.js';
import { BouncePool, BOUNCE_BUFFER_BYTES } from './bounce-pool.js';
import { probeDirectIoRequirements, SECTOR_BYTES, type DirectIoRequirements } from './direct-io-requirements.js';
import { createIoExecutor, DEFAULT_EXECUTOR } from './executor-choice.js';
import { FlushTracker } from './flush-tracker.js';
import { closeAsync } from './fs-async.js';
import type { ExecutorKind, IoExecutor, TransferDirection } from './io-executor.js';
import { openImage, type CacheMode } from './open-image.js';
import { bounceBytesNeeded, planBufferedTransfer, planDirectTransfer, type TransferPlan } from './transfer-plan.js';

export { BlockError } from './block-error.js';
export type { CacheMode } from './open-image.js';
export type { ExecutorKind } from './io-executor.js';
export { DEFAULT_EXECUTOR } from './executor-choice.js';
export { allocatePageAlignedSharedBuffer, registerPageAlignedBuffer } from '../../shared-mem/page-aligned.js';

export interface BlockBackendOptions {
  path: string;
  cache: CacheMode;
  readOnly: boolean;
  /** Accept a zero-byte image (default: refused with a hint how to make one). Only for a
   *  device that has an answer for it: a SCSI disk reports NOT READY for its medium. */
  allowEmpty?: boolean;
  /** Default: DEFAULT_EXECUTOR, the winner of bench/block-throughput.ts (docs/block-backend.md). */
  executor?: ExecutorKind;
}

export interface BlockBackendStats {
  /** read() / write() / flush() calls, successful or not. */
  reads: number;
  writes: number;
  flushes: number;
  /** fdatasync calls actually made (a flush with no write to cover makes none). */
  fdatasyncs: number;
  bytesRead: number;
  bytesWritten: number;
  /** Segments that went (at least partly) through the bounce buffer. */
  bouncedSegments: number;
  /** readv + writev + fdatasync calls. */
  syscalls: number;
}

interface DirectIo {
  readonly requirements: DirectIoRequirements;
  readonly alignment: BufferAlignment;
  readonly bounce: BouncePool;
}

export class BlockBackend {
  readonly sizeBytes: number;
  readonly cache: CacheMode;
  readonly readOnly: boolean;
  readonly path: string;
  private readonly statsValue: BlockBackendStats = {
    reads: 0, writes: 0, flushes: 0, fdatasyncs: 0, bytesRead: 0, bytesWritten: 0, bouncedSegments: 0, syscalls: 0,
  };
  private readonly flushTracker = new FlushTracker();
  private inFlight = 0;
  private idle: (() => void) | null = null;
  private closing: Promise<void> | null = null;

  private constructor(
    options: BlockBackendOptions,
    private readonly fd: number,
    sizeBytes: number,
    private readonly executor: IoExecutor,
    private readonly direct: DirectIo | null,
  ) {
    this.path = options.path;
    this.cache = options.cache;
    this.readOnly = options.readOnly;
    this.sizeBytes = sizeBytes;
  }

  static async open(options: BlockBackendOptions): Promise<BlockBackend> {
    const { path, cache, readOnly } = options;
    if (cache !== 'none' && cache !== 'writeback') {
      throw new BlockError(Errno.EINVAL, `unknown cache mode ${String(cache)} (expected none or writeback)`);
    }
    const kind = options.executor ?? DEFAULT_EXECUTOR;
    if (kind !== 'libuv' && kind !== 'piscina') {
      throw new BlockError(Errno.EINVAL, `unknown executor ${String(kind)} (expected libuv or piscina)`);
    }
    const { fd, sizeBytes } = openImage(path, cache, readOnly, options.allowEmpty ?? false);
    let alignment: BufferAlignment | null = null;
    try {
      let direct: DirectIo | null = null;
      if (cache === 'none') {
        const requirements = await probeDirectIoRequirements(fd, path, sizeBytes);
        alignment = new BufferAlignment(requirements, openAlignmentProbeFile(path));
        direct = { requirements, alignment, bounce: new BouncePool() };
      }
      return new BlockBackend(options, fd, sizeBytes, createIoExecutor(kind), direct);
    } catch (error) {
      await alignment?.close().catch(() => undefined);
      await closeAsync(fd).catch(() => undefined);
      throw toBlockError(error, `cannot open disk image ${path}`);
    }
  }

  get executorKind(): ExecutorKind {
    return this.executor.kind;
  }

  get stats(): Readonly<BlockBackendStats> {
    return this.statsValue;
  }

  /** Fills `segments`, in order, from the image starting at byte `offsetBytes`. */
  read(offsetBytes: number, segments: Uint8Array[]): Promise<void> {
    this.statsValue.reads++;
    return this.command('read', offsetBytes, segments);
  }

  /** Writes `segments`, in order, to the image starting at byte `offsetBytes`. */
  write(offsetBytes: number, segments: Uint8Array[]): Promise<void> {
    this.statsValue.writes++;
    return this.command('write', offsetBytes, segments);
  }

  /** Makes every write completed so far durable (fdatasync), as FLUSH CACHE requires. */
  async flush(): Promise<void> {
    this.statsValue.flushes++;
    await this.tracked(async () => {
      await this.flushTracker.flush(async () => {
        this.statsValue.fdatasyncs++;
        this.statsValue.syscalls++;
        await this.executor.fdatasync(this.fd);
      });
    }, 'fdatasync');
  }

  /** Waits for requests in flight, then releases the image. Later calls fail with EBADF. */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    if (this.inFlight > 0) await new Promise<void>((resolve) => { this.idle = resolve; });
    try {
      await this.executor.close();
      await this.direct?.alignment.close();
      await closeAsync(this.fd);
    } catch (error) {
      throw toBlockError(error, `closing ${this.path}`);
    }
  }

  private async tracked(work: () => Promise<void>, what: string): Promise<void> {
    if (this.closing !== null) throw new BlockError(Errno.EBADF, `${this.path} is closed`);
    this.inFlight++;
    try {
      await work();
    } catch (error) {
      throw toBlockError(error, `${what} on ${this.path}`);
    } finally {
      this.inFlight--;
      if (this.inFlight === 0 && this.idle !== null) this.idle();
    }
  }

  private command(direction: TransferDirection, offsetBytes: number, segments: Uint8Array[]): Promise<void> {
    return this.tracked(async () => {
      if (direction === 'write' && this.readOnly) {
        throw new BlockError(Errno.EROFS, `write to read-only disk image ${this.path}`);
      }
      const totalBytes = this.validate(offsetBytes, segments);
      if (totalBytes === 0) return;
      try {
        await this.transfer(direction, offsetBytes, segments);
      } finally {
        if (direction === 'write') this.flushTracker.noteWriteCompleted();
      }
      if (direction === 'read') this.statsValue.bytesRead += totalBytes;
      else this.statsValue.bytesWritten += totalBytes;
    }, direction === 'read' ? 'read' : 'write');
  }

  /** Returns the command's length in bytes, or throws EINVAL. */
  private validate(offsetBytes: number, segments: Uint8Array[]): number {
    if (!Number.isSafeInteger(offsetBytes) || offsetBytes < 0) {
      throw new BlockError(Errno.EINVAL, `invalid offset ${String(offsetBytes)} on ${this.path}`);
    }
    if (!Array.isArray(segments)) throw new BlockError(Errno.EINVAL, 'segments must be an array of Uint8Array');
    let totalBytes = 0;
    for (const segment of segments) {
      if (!(segment instanceof Uint8Array)) throw new BlockError(Errno.EINVAL, 'segments must be an array of Uint8Array');
      totalBytes += segment.byteLength;
    }
    if (offsetBytes + totalBytes > this.sizeBytes) {
      throw new BlockError(Errno.EINVAL,
        `bytes ${offsetBytes}..${offsetBytes + totalBytes} are beyond the end of ${this.path} (${this.sizeBytes} bytes)`);
    }
    if (this.direct !== null) {
      const { blockBytes } = this.direct.requirements;
      if (offsetBytes % blockBytes !== 0 || totalBytes % blockBytes !== 0) {
        throw new BlockError(Errno.EINVAL,
          `cache=none needs offsets and lengths in whole ${blockBytes}-byte blocks (offset ${offsetBytes}, length ${totalBytes})`);
      }
    }
    return totalBytes;
  }

  private async transfer(direction: TransferDirection, offsetBytes: number, segments: Uint8Array[]): Promise<void> {
    const direct = this.direct;
    if (direct === null) {
      await this.execute(direction, offsetBytes, planBufferedTransfer(segments), null);
      return;
    }
    await direct.alignment.learn(segments);
    const plan = planDirectTransfer(segments, {
      blockBytes: direct.requirements.blockBytes,
      isDirectCapable: (view) => direct.alignment.isDirectCapable(view),
    }, BOUNCE_BUFFER_BYTES);
    try {
      await this.execute(direction, offsetBytes, plan, direct.bounce);
    } catch (error) {
      if (errnoFromError(error) !== Errno.EINVAL || plan.directSegments === 0) throw error;
      // The kernel refused a segment we judged aligned (the probe misjudged this device). Redoing
      // the whole command through the bounce buffer is safe: a read or write of the same bytes to
      // the same places again changes nothing. Those buffers are not trusted again.
      for (const segment of segments) direct.alignment.distrust(segment.buffer);
      const bounced = planDirectTransfer(segments, { blockBytes: direct.requirements.blockBytes, isDirectCapable: () => false }, BOUNCE_BUFFER_BYTES);
      await this.execute(direction, offsetBytes, bounced, direct.bounce);
    }
  }

  private async execute(direction: TransferDirection, offsetBytes: number, plan: TransferPlan, pool: BouncePool | null): Promise<void> {
    this.statsValue.bouncedSegments += plan.bouncedSegments;
    const bounce = pool !== null && bounceBytesNeeded(plan) > 0 ? pool.acquire() : null;
    try {
      for (const pass of plan.passes) {
        const buffers = pass.buffers.map((planned) => {
          if (planned.kind === 'direct') return planned.view;
          return bounce!.subarray(planned.bounceOffset, planned.bounceOffset + planned.byteLength);
        });
        if (direction === 'write') for (const copy of pass.copies) bounce!.set(copy.view, copy.bounceOffset);
        const result = await this.executor.transfer(direction, this.fd, offsetBytes + pass.commandOffset, buffers);
        this.statsValue.syscalls += result.syscalls;
        if (direction === 'read') {
          for (const copy of pass.copies) copy.view.set(bounce!.subarray(copy.bounceOffset, copy.bounceOffset + copy.view.byteLength));
        }
      }
    } finally {
      if (bounce !== null) pool!.release(bounce);
    }
  }
}
