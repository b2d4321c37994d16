// The simulated guest's CPUs. Each access is written, field by field, into a Xen
// shared_iopage slot (xen-ioreq.md 2-3) and the slot's state is driven READY -> (server)
// INPROCESS -> IORESP_READY -> NONE exactly as Xen and a device model do; posted writes go
// through a Xen buffered_iopage. The CPU also plays Xen's part for PCI configuration: it
// latches 0xCF8 and turns 0xCFC..0xCFF accesses into PCI_CONFIG ioreqs (2.3).
//
// Every access runs here, so the fast path (a free vCPU, the answer ready when the device
// model's promise settles) makes no async-function frames and one promise reaction of its own;
// each await costs a microtask turn and each async frame an allocation, and at a few µs per
// device round trip they are a visible share of it.

import { BufferedRing } from '../../../shared-mem/buffered-ring.js';
import {
  IOREQ_READY, IOREQ_TYPE_COPY, IOREQ_TYPE_PCI_CONFIG, IOREQ_TYPE_PIO, IORESP_READY, STATE_NONE,
  loadState, storeState, writeIoreq, type Ioreq,
} from '../../../shared-mem/ioreq.js';
import type { AccessSize, GuestPhysAddr, IoPort } from '../../../shared-mem/types.js';
import type { GuestBus, GuestIrqs, GuestRamAccess } from './guest-bus.js';
import type { SimIoreqServer } from './sim-ioreq-server.js';

const PAGE = 4096;
const PCI_CONF_ADDR = 0xcf8;
const PCI_CONF_DATA = 0xcfc;

export class SimCpus implements GuestBus {
  private readonly page: DataView;
  /** The same page for the state word's Atomics (a DataView would be looked up per call). */
  private readonly words: Int32Array;
  private readonly freeVcpus: number[] = [];
  private readonly vcpuWaiters: ((vcpu: number) => void)[] = [];
  /** Per vCPU, made once: what runs when the device model has answered its slot. */
  private readonly collectors: ((value: void) => bigint)[] = [];
  private readonly abandoners: ((err: unknown) => never)[] = [];
  private cf8Latch = 0;

  constructor(
    private readonly server: SimIoreqServer,
    private readonly buffered: BufferedRing,
    readonly ram: GuestRamAccess,
    readonly irq: GuestIrqs,
    vcpus: number,
  ) {
    this.page = new DataView(server.iopage);
    this.words = new Int32Array(server.iopage);
    for (let i = 0; i < vcpus; i++) {
      this.freeVcpus.push(i);
      this.collectors.push(() => this.collect(i));
      this.abandoners.push((err) => {
        this.finish(i);
        throw err;
      });
    }
  }

  in(port: IoPort, size: 1 | 2 | 4): Promise<number> {
    if (port === PCI_CONF_ADDR && size === 4) return Promise.resolve(this.cf8Latch >>> 0);
    const cfg = this.configTarget(port, size);
    const req = cfg !== null ? ioreq(IOREQ_TYPE_PCI_CONFIG, 'read', size, cfg, 0n) : ioreq(IOREQ_TYPE_PIO, 'read', size, BigInt(port), 0n);
    return this.issue(req).then(Number);
  }

  out(port: IoPort, size: 1 | 2 | 4, value: number): Promise<void> {
    if (port === PCI_CONF_ADDR && size === 4) {
      this.cf8Latch = value >>> 0;
      return RESOLVED;
    }
    const cfg = this.configTarget(port, size);
    const data = BigInt((value & SIZE_MASK[size]!) >>> 0);
    const req = cfg !== null ? ioreq(IOREQ_TYPE_PCI_CONFIG, 'write', size, cfg, data) : ioreq(IOREQ_TYPE_PIO, 'write', size, BigInt(port), data);
    return this.issue(req).then(toVoid);
  }

  insRep(port: IoPort, size: 1 | 2 | 4, dst: GuestPhysAddr, count: number): Promise<void> {
    return this.rep('read', port, size, dst, count);
  }

  outsRep(port: IoPort, size: 1 | 2 | 4, src: GuestPhysAddr, count: number): Promise<void> {
    return this.rep('write', port, size, src, count);
  }

  mmioRead(addr: GuestPhysAddr, size: AccessSize): Promise<bigint> {
    return this.issue(ioreq(IOREQ_TYPE_COPY, 'read', size, BigInt(addr), 0n));
  }

  mmioWrite(addr: GuestPhysAddr, size: AccessSize, value: bigint): Promise<void> {
    return this.issue(ioreq(IOREQ_TYPE_COPY, 'write', size, BigInt(addr), BigInt.asUintN(size * 8, value))).then(toVoid);
  }

  postedWrite(kind: 'pio' | 'mmio', addr: number, size: AccessSize, value: number): void {
    const type = kind === 'pio' ? IOREQ_TYPE_PIO : IOREQ_TYPE_COPY;
    if (this.buffered.tryPush(type, addr, size, BigInt(value >>> 0))) {
      this.server.notifyBuffered();
      return;
    }
    // Xen falls back to a synchronous request when it cannot buffer (xen-ioreq.md 4).
    void this.issue(ioreq(type, 'write', size, BigInt(addr), BigInt(value >>> 0)));
  }

  /** Xen clips string I/O so the RAM side stays inside one 4 KiB page (xen-ioreq.md 2.2). */
  private async rep(dir: 'read' | 'write', port: IoPort, size: 1 | 2 | 4, ram: GuestPhysAddr, count: number): Promise<void> {
    let addr = ram as number;
    let left = count;
    while (left > 0) {
      const room = Math.max(1, Math.floor((PAGE - (addr % PAGE)) / size));
      const n = Math.min(left, room);
      const req = ioreq(IOREQ_TYPE_PIO, dir, size, BigInt(port), BigInt(addr));
      req.count = n;
      req.dataIsPtr = true;
      await this.issue(req);
      addr += n * size;
      left -= n;
    }
  }

  private configTarget(port: number, size: number): bigint | null {
    if (port < PCI_CONF_DATA || port + size > PCI_CONF_DATA + 4 || !(this.cf8Latch & 0x80000000)) return null;
    const bdf = (this.cf8Latch >>> 8) & 0xffff;
    const reg = (this.cf8Latch & 0xfc) + (port - PCI_CONF_DATA);
    return (BigInt(bdf) << 32n) | BigInt(reg);
  }

  private issue(req: Ioreq): Promise<bigint> {
    const vcpu = this.freeVcpus.pop();
    if (vcpu === undefined) return this.issueWhenVcpuFree(req);
    return this.issueOn(vcpu, req);
  }

  private async issueWhenVcpuFree(req: Ioreq): Promise<bigint> {
    const vcpu = await new Promise<number>((resolve) => this.vcpuWaiters.push(resolve));
    return this.issueOn(vcpu, req);
  }

  /** Fills vCPU `vcpu`'s slot, notifies the device model and resolves with the answer. */
  private issueOn(vcpu: number, req: Ioreq): Promise<bigint> {
    const off = vcpu * 32;
    let served: Promise<void>;
    try {
      if (loadState(this.words, off) !== STATE_NONE) throw new Error(`vCPU ${vcpu}: ioreq slot busy`);
      writeIoreq(this.page, off, req);
      storeState(this.words, off, IOREQ_READY);
      served = this.server.serve(vcpu); // the event-channel notification; the vCPU sleeps until answered
    } catch (err) {
      this.finish(vcpu);
      return Promise.reject(err);
    }
    return served.then(this.collectors[vcpu], this.abandoners[vcpu]);
  }

  /** The device model answered `vcpu`'s slot: take the data and free the vCPU. */
  private collect(vcpu: number): bigint {
    const off = vcpu * 32;
    const state = loadState(this.words, off);
    const data = this.page.getBigUint64(off + 8, true);
    this.finish(vcpu);
    if (state !== IORESP_READY) throw new Error(`vCPU ${vcpu}: device model left state ${state}`);
    return data;
  }

  /** Xen, not the device model, returns the slot to NONE; then the vCPU is free again. */
  private finish(vcpu: number): void {
    storeState(this.words, vcpu * 32, STATE_NONE);
    this.releaseVcpu(vcpu);
  }

  private releaseVcpu(v: number): void {
    const next = this.vcpuWaiters.shift();
    if (next) next(v);
    else this.freeVcpus.push(v);
  }
}

const RESOLVED: Promise<void> = Promise.resolve();
const SIZE_MASK: Record<number, number> = { 1: 0xff, 2: 0xffff, 4: 0xffffffff };
const toVoid = (): void => undefined;

function ioreq(type: number, dir: 'read' | 'write', size: number, addr: bigint, data: bigint): Ioreq {
  return { addr, data, count: 1, size, space: 0, dataIsPtr: false, dir, df: false, type };
}
