// A list of buffers walked as one byte stream by successive readv/writev calls: each call gets at
// most IOV_MAX buffers, and after a short transfer the next call resumes inside the buffer where
// the previous one stopped. Shared by the libuv executor (async) and the piscina task (sync).

/** Linux UIO_MAXIOV (include/uapi/linux/uio.h): preadv/pwritev fail with EINVAL beyond it. */
export const IOV_MAX = 1024;

export class IovecCursor {
  readonly totalBytes: number;
  /** Bytes moved so far: the file position of the next call is start + transferred. */
  transferred = 0;
  private index = 0;
  private offsetInBuffer = 0;

  constructor(private readonly buffers: readonly Uint8Array[]) {
    let total = 0;
    for (const buffer of buffers) total += buffer.byteLength;
    this.totalBytes = total;
    this.skipEmpty();
  }

  get done(): boolean {
    return this.transferred >= this.totalBytes;
  }

  /** The buffers for the next call: the unfinished rest of the current one, then whole ones. */
  nextBatch(): Uint8Array[] {
    const batch: Uint8Array[] = [];
    for (let i = this.index; i < this.buffers.length && batch.length < IOV_MAX; i++) {
      const buffer = this.buffers[i]!;
      if (buffer.byteLength === 0) continue;
      batch.push(i === this.index && this.offsetInBuffer > 0 ? buffer.subarray(this.offsetInBuffer) : buffer);
    }
    return batch;
  }

  /** Records that the last call moved `bytes` (0 < bytes <= what nextBatch offered). */
  advance(bytes: number): void {
    if (!Number.isInteger(bytes) || bytes <= 0 || bytes > this.totalBytes - this.transferred) {
      throw new RangeError(`cannot advance by ${bytes} with ${this.totalBytes - this.transferred} bytes left`);
    }
    this.transferred += bytes;
    let left = bytes;
    while (left > 0) {
      const rest = this.buffers[this.index]!.byteLength - this.offsetInBuffer;
      if (left < rest) {
        this.offsetInBuffer += left;
        return;
      }
      left -= rest;
      this.index++;
      this.offsetInBuffer = 0;
    }
    this.skipEmpty();
  }

  private skipEmpty(): void {
    while (this.index < this.buffers.length && this.buffers[this.index]!.byteLength === 0) this.index++;
  }
}
