// FLUSH CACHE / SYNCHRONIZE CACHE semantics on top of fdatasync(2): a flush must make durable every
// write that completed before the flush was issued. Writes that complete are numbered; an fdatasync
// makes durable everything numbered before it started. So a flush with nothing new to cover costs
// no syscall, and a flush issued while an fdatasync that already covers it is running just waits
// for it (QEMU's block layer skips flushes the same way, by comparing write generations).

export class FlushTracker {
  private completedWrites = 0;
  private durableWrites = 0;
  private running: { covers: number; done: Promise<void> } | null = null;

  /** Call when a write finishes, successfully or not (a failed write may have stored some data). */
  noteWriteCompleted(): void {
    this.completedWrites++;
  }

  /**
   * Resolves once every write completed before this call is durable. `fdatasync` is started only
   * when needed, never two at once. Rejects with fdatasync's error.
   */
  async flush(fdatasync: () => Promise<void>): Promise<void> {
    const needed = this.completedWrites;
    // Each turn either waits for the running sync or starts one that covers `needed`; a failure
    // rejects, so this ends after at most two syncs.
    while (this.durableWrites < needed) {
      const running = this.running;
      if (running !== null) {
        if (running.covers >= needed) {
          await running.done;
        } else {
          await running.done.catch(() => undefined);
        }
        continue;
      }
      const covers = this.completedWrites;
      const done = fdatasync().then(() => {
        this.durableWrites = Math.max(this.durableWrites, covers);
      });
      this.running = { covers, done };
      try {
        await done;
      } finally {
        if (this.running?.done === done) this.running = null;
      }
    }
  }
}
