// QEMU's stream framing (net/stream.c and net/socket.c, QEMU 7.2; passt's qemu mode speaks the
// same): every frame is preceded by its length as a 4-byte big-endian integer, nothing else.
// The reader hands out frames that lie whole inside one chunk as views of that chunk (no copy);
// only a frame split across reads is put together in its own buffer first.

import { MAX_FRAME_BYTES } from './backend.js';

export const STREAM_LENGTH_BYTES = 4;

export interface FrameReaderEvents {
  /** A whole frame: a view valid only during the call. */
  frame(bytes: Uint8Array): void;
  /** A length prefix above MAX_FRAME_BYTES (its bytes are skipped, so the stream stays in step)
   *  or of zero. */
  invalid(length: number): void;
}

export class StreamFrameReader {
  /** Assembly of a frame split across chunks. */
  private readonly assembly = new Uint8Array(MAX_FRAME_BYTES);
  /** Length prefix bytes seen so far (0-3) and their value. */
  private prefixBytes = 0;
  private prefixValue = 0;
  /** Length of the frame being assembled, or -1 between frames. */
  private bodyLength = -1;
  private bodyHave = 0;
  /** Bytes of a refused (oversized) frame still to skip. */
  private discard = 0;

  constructor(private readonly events: FrameReaderEvents) {}

  /** True between frames (no partial prefix or body held). */
  get idle(): boolean {
    return this.prefixBytes === 0 && this.bodyLength < 0 && this.discard === 0;
  }

  push(chunk: Uint8Array): void {
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      if (this.discard > 0) {
        const k = Math.min(this.discard, n - i);
        this.discard -= k;
        i += k;
        continue;
      }
      if (this.bodyLength >= 0) {
        const k = Math.min(this.bodyLength - this.bodyHave, n - i);
        this.assembly.set(chunk.subarray(i, i + k), this.bodyHave);
        this.bodyHave += k;
        i += k;
        if (this.bodyHave === this.bodyLength) {
          this.bodyLength = -1;
          this.events.frame(this.assembly.subarray(0, this.bodyHave));
        }
        continue;
      }
      if (this.prefixBytes === 0 && n - i >= STREAM_LENGTH_BYTES) {
        // The common case: prefix and frame both inside this chunk.
        const len = ((chunk[i]! << 24) | (chunk[i + 1]! << 16) | (chunk[i + 2]! << 8) | chunk[i + 3]!) >>> 0;
        i += STREAM_LENGTH_BYTES;
        if (len > 0 && len <= MAX_FRAME_BYTES && n - i >= len) {
          this.events.frame(chunk.subarray(i, i + len));
          i += len;
        } else {
          this.startBody(len);
        }
        continue;
      }
      this.prefixValue = this.prefixValue * 256 + chunk[i]!;
      this.prefixBytes++;
      i++;
      if (this.prefixBytes === STREAM_LENGTH_BYTES) {
        const len = this.prefixValue;
        this.prefixBytes = 0;
        this.prefixValue = 0;
        this.startBody(len);
      }
    }
  }

  private startBody(len: number): void {
    if (len === 0 || len > MAX_FRAME_BYTES) {
      this.events.invalid(len);
      this.discard = len;
      return;
    }
    this.bodyLength = len;
    this.bodyHave = 0;
  }
}

/** The 4-byte prefix of a frame of `length` bytes. */
export function streamLengthPrefix(length: number): Buffer {
  const b = Buffer.allocUnsafe(STREAM_LENGTH_BYTES);
  b.writeUInt32BE(length, 0);
  return b;
}
