// A channel of an IDE controller runs one command at a time (master and slave share the
// taskfile), and PCI configuration access through 0xCF8/0xCFC is a two-step sequence. A
// kernel serialises both with a lock (the port's lock, pci_lock); async driver code needs
// the same, because another promise may run between any two ioreqs.

export class AsyncMutex {
  private tail: Promise<void> = Promise.resolve();

  /** Runs `critical` after every earlier holder finished (successfully or not). */
  run<T>(critical: () => Promise<T>): Promise<T> {
    const result = this.tail.then(critical);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
