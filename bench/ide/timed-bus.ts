// A GuestBus that forwards every access to the machine's bus and, while recording is on,
// writes down when each one started and how long the guest CPU waited for it, and how long
// the driver waited for an interrupt. The throughput runs leave recording off (one branch per
// access); the breakdown run turns it on to see where a command's time goes.

import type { GuestBus, GuestIrqs, GuestRamAccess } from '../../src/host/transports/sim/guest-bus.js';
import type { AccessSize, GuestPhysAddr, IoPort } from '../../src/shared-mem/types.js';

export type BusEventKind = 'in' | 'out' | 'rep' | 'mmio' | 'irq-wait';

export interface BusEvent {
  kind: BusEventKind;
  /** Port (or MMIO address) of an access; the interrupt line of an irq-wait. */
  target: number;
  /** Value written by an 'out'; 0 otherwise. */
  value: number;
  /** performance.now() when the access was issued, ms. */
  startMs: number;
  /** When its answer arrived (the interrupt, for irq-wait), ms. */
  endMs: number;
}

export class TimedBus implements GuestBus {
  readonly irq: GuestIrqs;
  private recording = false;
  private events: BusEvent[] = [];

  constructor(private readonly inner: GuestBus) {
    const irqs = inner.irq;
    this.irq = {
      level: (line) => irqs.level(line),
      waitFor: (line, timeoutMs) => this.timed('irq-wait', line, 0, () => irqs.waitFor(line, timeoutMs)),
    };
  }

  get ram(): GuestRamAccess {
    return this.inner.ram;
  }

  /** Starts a fresh event list. */
  startRecording(): void {
    this.events = [];
    this.recording = true;
  }

  /** Stops recording and hands over what was recorded. */
  stopRecording(): BusEvent[] {
    this.recording = false;
    const out = this.events;
    this.events = [];
    return out;
  }

  in(port: IoPort, size: 1 | 2 | 4): Promise<number> {
    return this.timed('in', port, 0, () => this.inner.in(port, size));
  }

  out(port: IoPort, size: 1 | 2 | 4, value: number): Promise<void> {
    return this.timed('out', port, value, () => this.inner.out(port, size, value));
  }

  insRep(port: IoPort, size: 1 | 2 | 4, dst: GuestPhysAddr, count: number): Promise<void> {
    return this.timed('rep', port, 0, () => this.inner.insRep(port, size, dst, count));
  }

  outsRep(port: IoPort, size: 1 | 2 | 4, src: GuestPhysAddr, count: number): Promise<void> {
    return this.timed('rep', port, 0, () => this.inner.outsRep(port, size, src, count));
  }

  mmioRead(addr: GuestPhysAddr, size: AccessSize): Promise<bigint> {
    return this.timed('mmio', addr, 0, () => this.inner.mmioRead(addr, size));
  }

  mmioWrite(addr: GuestPhysAddr, size: AccessSize, value: bigint): Promise<void> {
    return this.timed('mmio', addr, 0, () => this.inner.mmioWrite(addr, size, value));
  }

  postedWrite(kind: 'pio' | 'mmio', addr: number, size: AccessSize, value: number): void {
    this.inner.postedWrite(kind, addr, size, value);
  }

  private async timed<T>(kind: BusEventKind, target: number, value: number, access: () => Promise<T>): Promise<T> {
    if (!this.recording) return access();
    const startMs = performance.now();
    const result = await access();
    this.events.push({ kind, target, value, startMs, endMs: performance.now() });
    return result;
  }
}
