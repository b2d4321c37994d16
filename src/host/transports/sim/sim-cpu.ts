// The simulated guest's CPUs. Each access is written, field by field, into a Xen
// shared_iopage slot (xen-ioreq.md 2-3) and the slot's state is driven READY -> (server)
// INPROCESS -> IORESP_READY -> NONE exactly as Xen and a device model do; posted writes go
// through a Xen buffered_iopage. The CPU also plays Xen's part for PCI configuration: it
// latches 0xCF8 and turns 0xCFC..0xCFF accesses into PCI_CONFIG ioreqs (2.3).

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
  private readonly freeVcpus: number[] = [];
  private readonly vcpuWaiters: ((vcpu: number) => void)[] = [];
  private cf8Latch = 0;

  constructor(
    private readonly server: SimIoreqServer,
    private readonly buffered: BufferedRing,
    readonly ram: GuestRamAccess,
    readonly irq: GuestIrqs,
    vcpus: number,
  ) {
    this.page = new DataView(server.iopage);
    for (let i = 0; i < vcpus; i++) this.freeVcpus.push(i);
  }

  async in(port: IoPort, size: 1 | 2 | 4): Promise<number> {
    if (port === PCI_CONF_ADDR && size === 4) return this.cf8Latch >>> 0;
    const cfg = this.configTarget(port, size);
    if (cfg !== null) return Number(await this.issue({ ...base(IOREQ_TYPE_PCI_CONFIG, 'read', size), addr: cfg }));
    return Number(await this.issue({ ...base(IOREQ_TYPE_PIO, 'read', size), addr: BigInt(port) }));
  }

  async out(port: IoPort, size: 1 | 2 | 4, value: number): Promise<void> {
    if (port === PCI_CONF_ADDR && size === 4) {
      this.cf8Latch = value >>> 0;
      return;
    }
    const cfg = this.configTarget(port, size);
    const data = BigInt(value >>> 0) & ((1n << BigInt(size * 8)) - 1n);
    if (cfg !== null) {
      await this.issue({ ...base(IOREQ_TYPE_PCI_CONFIG, 'write', size), addr: cfg, data });
      return;
    }
    await this.issue({ ...base(IOREQ_TYPE_PIO, 'write', size), addr: BigInt(port), data });
  }

  insRep(port: IoPort, size: 1 | 2 | 4, dst: GuestPhysAddr, count: number): Promise<void> {
    return this.rep('read', port, size, dst, count);
  }

  outsRep(port: IoPort, size: 1 | 2 | 4, src: GuestPhysAddr, count: number): Promise<void> {
    return this.rep('write', port, size, src, count);
  }

  mmioRead(addr: GuestPhysAddr, size: AccessSize): Promise<bigint> {
    return this.issue({ ...base(IOREQ_TYPE_COPY, 'read', size), addr: BigInt(addr) });
  }

  async mmioWrite(addr: GuestPhysAddr, size: AccessSize, value: bigint): Promise<void> {
    await this.issue({ ...base(IOREQ_TYPE_COPY, 'write', size), addr: BigInt(addr), data: BigInt.asUintN(size * 8, value) });
  }

  postedWrite(kind: 'pio' | 'mmio', addr: number, size: AccessSize, value: number): void {
    const type = kind === 'pio' ? IOREQ_TYPE_PIO : IOREQ_TYPE_COPY;
    if (this.buffered.tryPush(type, addr, size, BigInt(value >>> 0))) {
      this.server.notifyBuffered();
      return;
    }
    // Xen falls back to a synchronous request when it cannot buffer (xen-ioreq.md 4).
    void this.issue({ ...base(type, 'write', size), addr: BigInt(addr), data: BigInt(value >>> 0) });
  }

  /** Xen clips string I/O so the RAM side stays inside one 4 KiB page (xen-ioreq.md 2.2). */
  private async rep(dir: 'read' | 'write', port: IoPort, size: 1 | 2 | 4, ram: GuestPhysAddr, count: number): Promise<void> {
    let addr = ram as number;
    let left = count;
    while (left > 0) {
      const room = Math.max(1, Math.floor((PAGE - (addr % PAGE)) / size));
      const n = Math.min(left, room);
      await this.issue({ ...base(IOREQ_TYPE_PIO, dir, size), addr: BigInt(port), data: BigInt(addr), count: n, dataIsPtr: true });
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

  private async issue(req: Ioreq): Promise<bigint> {
    const vcpu = await this.acquireVcpu();
    const off = vcpu * 32;
    try {
      if (loadState(this.page, off) !== STATE_NONE) throw new Error(`vCPU ${vcpu}: ioreq slot busy`);
      writeIoreq(this.page, off, req);
      storeState(this.page, off, IOREQ_READY);
      await this.server.serve(vcpu); // the event-channel notification; the vCPU sleeps until answered
      if (loadState(this.page, off) !== IORESP_READY) throw new Error(`vCPU ${vcpu}: device model left state ${loadState(this.page, off)}`);
      return this.page.getBigUint64(off + 8, true);
    } finally {
      storeState(this.page, off, STATE_NONE); // Xen, not the DM, returns the slot to NONE
      this.releaseVcpu(vcpu);
    }
  }

  private acquireVcpu(): Promise<number> {
    const v = this.freeVcpus.pop();
    if (v !== undefined) return Promise.resolve(v);
    return new Promise((resolve) => this.vcpuWaiters.push(resolve));
  }

  private releaseVcpu(v: number): void {
    const next = this.vcpuWaiters.shift();
    if (next) next(v);
    else this.freeVcpus.push(v);
  }
}

function base(type: number, dir: 'read' | 'write', size: number): Ioreq {
  return { addr: 0n, data: 0n, count: 1, size, space: 0, dataIsPtr: false, dir, df: false, type };
}
