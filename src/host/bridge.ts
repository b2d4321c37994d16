// The host bridge: turns ioreqs from any transport into accesses of the owning device,
// answers what belongs to the bus itself (the standard config header) and completes the
// ioreq. An access nobody claims reads all-ones and a write to it is dropped, as on a PC
// bus with nothing decoding the address (and as Xen does for unclaimed ranges).
//
// Register writes are posted: a plain PIO or MMIO write (one element, value in the ioreq) is
// queued on the device's ring and the ioreq is completed at once, without waiting for the
// worker to have run it. The ring is FIFO, so every later access to the device, a read above
// all, is answered only after the write took effect: the guest cannot tell, except that it
// does not stall for a thread round trip per write (KVM's ioeventfd and coalesced MMIO/PIO
// make the same trade; MMIO writes are posted on PCI anyway). String writes (data_is_ptr) wait:
// the device reads their data from guest RAM, which the guest may reuse once the write
// completed. A transport that needs every write answered after the device ran it builds its
// bridge with { postWrites: false }.

import { IOREQ_TYPE_COPY, IOREQ_TYPE_PCI_CONFIG, IOREQ_TYPE_PIO, type Ioreq } from '../shared-mem/ioreq.js';
import type { AccessSize } from '../shared-mem/types.js';
import { ALL_ONES, type DeviceAccess, type DeviceEndpoint } from './device-endpoint.js';
import { CFG_BAR0, CFG_COMMAND, CFG_STATUS, STANDARD_HEADER_END } from './pci/config-space.js';
import { PciBus, type PciFunction, type Route } from './pci/pci-bus.js';
import { readRomWindow } from './pci/expansion-rom.js';
import { SPACE_ROM } from '../workers/common/core-abi.js';

export interface BridgeStats {
  ioreqs: number;
  unclaimed: number;
  /** Writes that came posted from the transport (Xen's buffered ring). */
  posted: number;
  /** Synchronous register writes the bridge completed before the device ran them. */
  writesPosted: number;
  malformed: number;
  /** Accesses of an expansion ROM window the host serves (PciIdentity.romImage). */
  romReads: number;
}

export interface HostBridgeOptions {
  /** Complete plain register writes once queued (default true); see the file comment. */
  postWrites?: boolean;
}

const ZERO: Promise<bigint> = Promise.resolve(0n);
const CFG_STATUS_END = CFG_STATUS + 2;

/** What a device endpoint may offer to have its interrupt lines sampled on demand. */
interface IrqSampling {
  pollIrqs?(): void;
}

export class HostBridge {
  readonly bus = new PciBus<DeviceEndpoint>();
  readonly stats: BridgeStats = { ioreqs: 0, unclaimed: 0, posted: 0, writesPosted: 0, malformed: 0, romReads: 0 };
  /** Device-specific config bytes (0x40..0xff) as last written, replayed into a restarted core. */
  private readonly deviceConfigShadow = new Map<number, Map<number, number>>();
  private readonly postWrites: boolean;

  constructor(options: HostBridgeOptions = {}) {
    this.postWrites = options.postWrites ?? true;
  }

  /** Serves one synchronous ioreq; resolves with the value for reads (0 for writes). Not an
   *  async function: a device access returns the device's own promise, with no extra frame or
   *  microtask turn on the path every guest access takes. */
  handle(req: Ioreq): Promise<bigint> {
    this.stats.ioreqs++;
    const size = req.size as AccessSize;
    if (!isValidSize(req)) {
      this.stats.malformed++;
      return Promise.resolve(req.dir === 'read' ? ALL_ONES(Math.min(Math.max(req.size, 1), 8)) : 0n);
    }
    switch (req.type) {
      case IOREQ_TYPE_PCI_CONFIG:
        return this.config(req, size);
      case IOREQ_TYPE_PIO:
      case IOREQ_TYPE_COPY: {
        const route = this.route(req, size);
        if (!route) return Promise.resolve(this.unclaimed(req, size));
        const rom = route.space === SPACE_ROM ? route.fn.identity.romImage : undefined;
        if (rom) return Promise.resolve(this.romAccess(req, rom, route.offset, size));
        try {
          if (this.postWrites && req.dir === 'write' && req.count === 1 && !req.dataIsPtr) {
            this.stats.writesPosted++;
            route.fn.device.post(toAccess(req, route, size));
            return ZERO;
          }
          return route.fn.device.access(toAccess(req, route, size));
        } catch (err) {
          return Promise.reject(err);
        }
      }
      default:
        this.stats.malformed++;
        return Promise.resolve(req.dir === 'read' ? ALL_ONES(size) : 0n);
    }
  }

  /** A posted write (Xen's buffered ring): routed like any write, not waited for. */
  post(req: Ioreq): void {
    this.stats.posted++;
    const size = req.size as AccessSize;
    if (!isValidSize(req) || req.dir !== 'write' || req.type === IOREQ_TYPE_PCI_CONFIG) {
      this.stats.malformed++;
      return;
    }
    const route = this.route(req, size);
    if (!route) {
      this.stats.unclaimed++;
      return;
    }
    route.fn.device.post(toAccess(req, route, size));
  }

  /** Writes the shadowed device-specific config back into a freshly started core. */
  replayDeviceConfig(fn: PciFunction<DeviceEndpoint>): void {
    // Cores learn what they need of the standard header from config writes (COMMAND's
    // bus-master enable; the LSI's SCRIPTS RAM address from its BAR): a new core gets every
    // header dword after COMMAND, as the guest last programmed it, then COMMAND itself.
    for (let off = CFG_BAR0; off < STANDARD_HEADER_END; off += 4) {
      fn.device.post(configAccess('write', off, 4, BigInt(fn.config.read(off, 4))));
    }
    fn.device.post(configAccess('write', CFG_COMMAND, 2, BigInt(fn.config.command)));
    const shadow = this.deviceConfigShadow.get(fn.bdf);
    if (!shadow) return;
    for (const [offset, value] of [...shadow.entries()].sort((a, b) => a[0] - b[0])) {
      fn.device.post(configAccess('write', offset, 1, BigInt(value)));
    }
  }

  /** PCI RST# of one function: config header to power-on values, routing rebuilt, the
   *  device-specific shadow forgotten, and the device logic reset. */
  async resetFunction(fn: PciFunction<DeviceEndpoint>): Promise<void> {
    fn.config.powerOn();
    this.deviceConfigShadow.delete(fn.bdf);
    this.bus.rebuildRouting();
    await fn.device.reset?.();
  }

  private route(req: Ioreq, size: AccessSize): Route<DeviceEndpoint> | null {
    const addr = Number(req.addr);
    if (req.dataIsPtr && req.type === IOREQ_TYPE_COPY && req.count > 1) {
      // A string copy touches [first, last] element: the whole span must be one device's window.
      const span = (req.count - 1) * size;
      const lo = req.df ? addr - span : addr;
      const r = this.bus.routeMmio(lo, span + size);
      if (!r) return null;
      return { ...r, offset: r.offset + (addr - lo) };
    }
    return req.type === IOREQ_TYPE_PIO ? this.bus.routePio(addr, size) : this.bus.routeMmio(addr, size);
  }

  private async config(req: Ioreq, size: AccessSize): Promise<bigint> {
    const bdf = Number((req.addr >> 32n) & 0xffffn);
    const offset = Number(req.addr & 0xfffn);
    const fn = this.bus.get(bdf);
    if (!fn || offset + size > 256 || size > 4 || (offset & (size - 1)) !== 0) return this.unclaimed(req, size);
    const sz = size as 1 | 2 | 4;
    if (req.dir === 'read') {
      if (offset < STANDARD_HEADER_END) {
        // STATUS bit 3 mirrors INTx#: a device host that forwards interrupt changes only when
        // sampled (DeviceHost.deliverIrqsOnDemand) is sampled here first.
        if (offset < CFG_STATUS_END && offset + sz > CFG_STATUS) (fn.device as DeviceEndpoint & IrqSampling).pollIrqs?.();
        return BigInt(fn.config.read(offset, sz));
      }
      return fn.device.access(configAccess('read', offset, sz, 0n));
    }
    const value = Number(req.data & 0xffffffffn);
    if (offset < STANDARD_HEADER_END) {
      const changed = fn.config.write(offset, sz, value);
      if (changed.barsChanged || changed.commandChanged) this.bus.rebuildRouting();
    } else {
      let shadow = this.deviceConfigShadow.get(fn.bdf);
      if (!shadow) this.deviceConfigShadow.set(fn.bdf, (shadow = new Map()));
      for (let i = 0; i < sz; i++) shadow.set(offset + i, (value >>> (8 * i)) & 0xff);
    }
    // The core sees every write (COMMAND.BME gates its DMA); ordered with later accesses.
    fn.device.post(configAccess('write', offset, sz, BigInt(value)));
    return 0n;
  }

  /** The expansion ROM window of a function whose ROM the host holds: reads of the image,
   *  writes ignored (it is a ROM). A string copy into guest memory is refused like an
   *  unclaimed access: firmware reads ROMs with plain loads. */
  private romAccess(req: Ioreq, image: Uint8Array, offset: number, size: AccessSize): bigint {
    this.stats.romReads++;
    if (req.dir !== 'read') return 0n;
    if (req.dataIsPtr || req.count !== 1) return this.unclaimed(req, size);
    return readRomWindow(image, offset, size);
  }

  private unclaimed(req: Ioreq, size: number): bigint {
    this.stats.unclaimed++;
    return req.dir === 'read' ? ALL_ONES(size) : 0n;
  }
}

function isValidSize(req: Ioreq): boolean {
  const s = req.size;
  if (s !== 1 && s !== 2 && s !== 4 && s !== 8) return false;
  if (req.type === IOREQ_TYPE_PIO && s === 8) return false;
  return req.count >= 1 && req.count <= 0x10000;
}

function toAccess(req: Ioreq, route: Route<DeviceEndpoint>, size: AccessSize): DeviceAccess {
  return {
    kind: 'io',
    space: route.space,
    offset: route.offset,
    size,
    dir: req.dir,
    data: req.data,
    count: req.count,
    dataIsPtr: req.dataIsPtr,
    df: req.df,
    deviceAddressSteps: req.type === IOREQ_TYPE_COPY,
  };
}

function configAccess(dir: 'read' | 'write', offset: number, size: 1 | 2 | 4, data: bigint): DeviceAccess {
  return { kind: 'config', space: 0, offset, size, dir, data, count: 1, dataIsPtr: false, df: false, deviceAddressSteps: false };
}
