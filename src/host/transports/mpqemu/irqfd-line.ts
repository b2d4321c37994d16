// INTx through QEMU's proxy (spec/mpqemu.md 5.5): level-triggered over two eventfds. A rising
// edge writes 1 to the irqfd; after the guest's EOI the resamplefd becomes readable, and if
// the device still holds the line we signal again. A falling edge sends nothing: the GSI
// drops at the next EOI. Under TCG the proxy wires none of this into the guest (the kit uses
// irqpoll instead), but the protocol is still spoken exactly.

import { closeSync, readSync, writeSync } from 'node:fs';
import { isSystemError, watchReadable, type Fd, type FdWatch } from '../../../native/addon.js';

const ONE = (() => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(1n);
  return b;
})();

export class IrqfdLine {
  private level = false;
  private irqfd: Fd | null = null;
  private resamplefd: Fd | null = null;
  private watch: FdWatch | null = null;
  private readonly scratch = Buffer.alloc(8);
  signals = 0;

  constructor(private readonly log: (line: string) => void) {}

  /** SET_IRQFD: takes ownership of both descriptors (closing any earlier pair). */
  attach(irqfd: Fd, resamplefd: Fd): void {
    this.detach();
    this.irqfd = irqfd;
    this.resamplefd = resamplefd;
    this.watch = watchReadable(resamplefd, () => this.onResample());
    this.watch.unref(); // the protocol socket, not the interrupt wiring, keeps us alive
    if (this.level) this.signal();
  }

  set(level: boolean): void {
    if (level && !this.level) {
      this.level = true;
      this.signal();
    } else if (!level) {
      this.level = false;
    }
  }

  detach(): void {
    this.watch?.stop();
    this.watch = null;
    for (const fd of [this.irqfd, this.resamplefd]) {
      if (fd !== null) closeSync(fd);
    }
    this.irqfd = null;
    this.resamplefd = null;
  }

  private signal(): void {
    if (this.irqfd === null) return;
    try {
      writeSync(this.irqfd, ONE);
      this.signals++;
    } catch (err) {
      // EAGAIN: the counter is saturated, the line is asserted anyway.
      if (!isSystemError(err, 'EAGAIN') && (err as NodeJS.ErrnoException).code !== 'EAGAIN') {
        this.log(`mpqemu: irqfd write failed: ${(err as Error).message}`);
      }
    }
  }

  private onResample(): void {
    if (this.resamplefd === null) return;
    try {
      readSync(this.resamplefd, this.scratch, 0, 8, null);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') return;
      this.log(`mpqemu: resamplefd read failed: ${(err as Error).message}; interrupt resampling stops`);
      this.watch?.stop();
      this.watch = null;
      return;
    }
    if (this.level) this.signal();
  }
}
