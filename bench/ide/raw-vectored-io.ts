// The yardstick: a plain synchronous readv/writev loop on this thread, 1 MiB per call, over the
// same scattered 4 KiB pages the guest's PRD table lists, into a page-aligned SharedArrayBuffer
// (O_DIRECT needs the alignment; guest RAM of the same size). No ioreqs, no thread hops, no
// interrupt: what the disk and the kernel cost, and nothing else.

import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { GuestSegment } from '../../src/host/transports/sim/drivers/guest-buffer.js';
import { allocatePageAlignedSharedBuffer } from '../../src/backends/block/block-backend.js';

export type Direction = 'read' | 'write';

export class RawVectoredIo {
  private readonly fd: number;
  /** One command's iovec: views of `memory` at the guest buffer's page addresses. */
  readonly segments: Uint8Array[];
  readonly commandBytes: number;

  /**
   * @param layout the guest buffer's segments (guest-physical addresses become offsets into a
   *   private page-aligned buffer of `memoryBytes`)
   * @param window where command i goes: `window.offset + (i mod window.commands) * commandBytes`
   */
  constructor(
    file: string,
    direct: boolean,
    layout: readonly GuestSegment[],
    memoryBytes: number,
    private readonly window: { offset: number; commands: number },
  ) {
    const memory = allocatePageAlignedSharedBuffer(memoryBytes);
    this.segments = layout.map((s) => new Uint8Array(memory, s.addr, s.len));
    this.commandBytes = layout.reduce((n, s) => n + s.len, 0);
    this.fd = fs.openSync(file, fs.constants.O_RDWR | (direct ? fs.constants.O_DIRECT : 0));
  }

  /** File offset of command `index`. */
  offsetOf(index: number): number {
    return this.window.offset + (index % this.window.commands) * this.commandBytes;
  }

  /** Runs commands first..first+count-1 back to back; returns the seconds they took. */
  time(direction: Direction, first: number, count: number): number {
    const start = performance.now();
    for (let index = first; index < first + count; index++) {
      const position = this.offsetOf(index);
      const moved = direction === 'read'
        ? fs.readvSync(this.fd, this.segments, position)
        : fs.writevSync(this.fd, this.segments, position);
      if (moved !== this.commandBytes) throw new Error(`raw ${direction}v moved ${moved} of ${this.commandBytes} bytes`);
    }
    return (performance.now() - start) / 1000;
  }

  /** The bytes of one command's buffer in iovec order (what a read put there / a write sends). */
  gather(): Uint8Array {
    const out = new Uint8Array(this.commandBytes);
    let at = 0;
    for (const s of this.segments) {
      out.set(s, at);
      at += s.byteLength;
    }
    return out;
  }

  /** Fills the buffer (outside any timed loop). */
  scatter(bytes: Uint8Array): void {
    let at = 0;
    for (const s of this.segments) {
      s.set(bytes.subarray(at, at + s.byteLength));
      at += s.byteLength;
    }
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}
