// The remote side of QEMU's multi-process protocol (spec/mpqemu.md): one socket, one PCI
// function. Messages are read when libuv reports the socket readable, each request goes
// through the same bridge, ring and worker as under `sim`, and exactly one RET answers it, in
// order (the proxy blocks its vCPU until then, 1). While a request is being served the socket
// is not watched, so messages are handled strictly one after another.

import { IOREQ_TYPE_COPY, IOREQ_TYPE_PCI_CONFIG, IOREQ_TYPE_PIO, type Ioreq } from '../../../shared-mem/ioreq.js';
import type { GuestRam } from '../../../shared-mem/guest-ram.js';
import { pollIn, watchReadable, type Fd, type FdWatch } from '../../../native/addon.js';
import type { HostBridge } from '../../bridge.js';
import type { DeviceHost } from '../../device-host.js';
import type { DeviceEndpoint } from '../../device-endpoint.js';
import type { PciFunction } from '../../pci/pci-bus.js';
import { IrqfdLine } from './irqfd-line.js';
import { MessageReader, writeRet } from './message-reader.js';
import type { MpqemuMessage } from './messages.js';
import { ProtocolError } from './protocol-error.js';
import { SysmemMapper } from './sysmem.js';

export interface MpqemuServerOptions {
  fd: Fd;
  bridge: HostBridge;
  fn: PciFunction<DeviceEndpoint>;
  host: DeviceHost;
  ram: GuestRam;
  log(line: string): void;
}

export type ServerEnd = { reason: 'eof' } | { reason: 'protocol-error'; message: string } | { reason: 'socket-error'; message: string };

export interface MpqemuStats {
  messages: number;
  configReads: number;
  configWrites: number;
  barReads: number;
  barWrites: number;
  sysmemSyncs: number;
  resets: number;
  outsideBar: number;
}

/** Log lines about bad BAR accesses per second: a guest could otherwise flood our stderr. */
const BAD_ACCESS_LOGS_PER_SECOND = 5;

export class MpqemuServer {
  readonly irq: IrqfdLine;
  readonly stats: MpqemuStats = { messages: 0, configReads: 0, configWrites: 0, barReads: 0, barWrites: 0, sysmemSyncs: 0, resets: 0, outsideBar: 0 };
  private readonly reader: MessageReader;
  private readonly mapper = new SysmemMapper();
  private watch: FdWatch | null = null;
  private finish!: (end: ServerEnd) => void;
  private ended = false;
  private logWindow = { start: 0, count: 0 };

  constructor(private readonly opts: MpqemuServerOptions) {
    this.reader = new MessageReader(opts.fd, 'proxy');
    this.irq = new IrqfdLine(opts.log);
  }

  /** Serves until the proxy closes the socket or breaks the protocol. */
  run(): Promise<ServerEnd> {
    const done = new Promise<ServerEnd>((resolve) => (this.finish = resolve));
    this.arm();
    return done;
  }

  /** The device's INTA# changed. */
  setIntx(level: boolean): void {
    this.irq.set(level);
  }

  private arm(): void {
    if (this.ended) return;
    this.watch = watchReadable(this.opts.fd, () => {
      this.watch?.stop();
      this.watch = null;
      void this.drain();
    });
  }

  /** Handles every message already queued on the socket, then watches it again. */
  private async drain(): Promise<void> {
    try {
      do {
        const msg = this.reader.read();
        if (msg === null) return this.end({ reason: 'eof' });
        this.stats.messages++;
        await this.handle(msg);
      } while (!this.ended && pollIn([this.opts.fd], 0).length > 0);
      this.arm();
    } catch (err) {
      if (err instanceof ProtocolError) this.end({ reason: 'protocol-error', message: err.message });
      else this.end({ reason: 'socket-error', message: (err as Error).message });
    }
  }

  private end(e: ServerEnd): void {
    if (this.ended) return;
    this.ended = true;
    this.watch?.stop();
    this.watch = null;
    this.irq.detach();
    this.finish(e);
  }

  private async handle(msg: MpqemuMessage): Promise<void> {
    const { bridge, fn } = this.opts;
    switch (msg.kind) {
      case 'sync-sysmem': {
        const regions = this.mapper.apply(msg.regions);
        this.opts.ram.replaceRegions(regions);
        this.stats.sysmemSyncs++;
        await this.opts.host.syncRam();
        return;
      }
      case 'set-irqfd':
        this.irq.attach(msg.irqfd, msg.resamplefd);
        return;
      case 'pci-cfgread': {
        this.stats.configReads++;
        const v = await bridge.handle(configIoreq(fn.bdf, msg.offset, msg.width, 'read', 0n));
        return this.reply(v & ((1n << BigInt(msg.width * 8)) - 1n));
      }
      case 'pci-cfgwrite':
        this.stats.configWrites++;
        await bridge.handle(configIoreq(fn.bdf, msg.offset, msg.width, 'write', BigInt(msg.value >>> 0)));
        return this.reply(0n);
      case 'bar-read':
      case 'bar-write': {
        const read = msg.kind === 'bar-read';
        if (read) this.stats.barReads++;
        else this.stats.barWrites++;
        const unclaimedBefore = bridge.stats.unclaimed;
        const v = await bridge.handle({
          addr: msg.addr,
          data: read ? 0n : msg.value,
          count: 1,
          size: msg.size,
          space: 0,
          dataIsPtr: false,
          dir: read ? 'read' : 'write',
          df: false,
          type: msg.space === 'io' ? IOREQ_TYPE_PIO : IOREQ_TYPE_COPY,
        });
        if (bridge.stats.unclaimed !== unclaimedBefore) this.badAccess(msg.kind, msg.space, msg.addr, msg.size);
        return this.reply(read ? v : 0n);
      }
      case 'device-reset':
        this.stats.resets++;
        this.irq.set(false);
        await bridge.resetFunction(fn);
        return this.reply(null);
      case 'ret':
        throw new ProtocolError('bad-command', 'the proxy never sends RET');
    }
  }

  private reply(value: bigint | null): void {
    writeRet(this.opts.fd, value);
  }

  private badAccess(kind: string, space: string, addr: bigint, size: number): void {
    this.stats.outsideBar++;
    const now = Date.now();
    if (now - this.logWindow.start > 1000) this.logWindow = { start: now, count: 0 };
    if (++this.logWindow.count > BAD_ACCESS_LOGS_PER_SECOND) return;
    this.opts.log(`mpqemu: ${kind} ${space} 0x${addr.toString(16)}/${size} is outside every BAR; answered as an absent device`);
  }
}

function configIoreq(bdf: number, offset: number, width: number, dir: 'read' | 'write', data: bigint): Ioreq {
  return {
    addr: (BigInt(bdf) << 32n) | BigInt(offset),
    data,
    count: 1,
    size: width,
    space: 0,
    dataIsPtr: false,
    dir,
    df: false,
    type: IOREQ_TYPE_PCI_CONFIG,
  };
}
