// Where the blocking syscalls of the backend run. The backend only plans (validation, alignment,
// bounce copies) and hands each planned transfer to an executor, so it does not care whether the
// readv lands on libuv's thread pool or on a piscina worker thread.

export type ExecutorKind = 'libuv' | 'piscina';
export type TransferDirection = 'read' | 'write';

export interface TransferResult {
  readonly bytes: number;
  /** readv/writev calls made (more than one after a short transfer or beyond IOV_MAX buffers). */
  readonly syscalls: number;
}

export interface IoExecutor {
  readonly kind: ExecutorKind;
  /**
   * Moves every byte of `buffers`, in order, between them and the file at `position`, calling
   * readv/writev as often as short transfers and IOV_MAX require. Rejects with an error carrying a
   * negative errno (a BlockError or Node's SystemError). Reaching end of file early is EIO: the
   * backend validated the range, so the image must have shrunk underneath it.
   */
  transfer(direction: TransferDirection, fd: number, position: number, buffers: Uint8Array[]): Promise<TransferResult>;
  fdatasync(fd: number): Promise<void>;
  /** Releases what this executor holds (its share of a thread pool). */
  close(): Promise<void>;
}
