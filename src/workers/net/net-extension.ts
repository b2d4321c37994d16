// The network half of a NIC's worker: it connects the e1000 core's network ABI
// (assembly/common/abi.ts, "network") to a backend. Transmit: the core's SG list becomes views
// of guest RAM and core memory that the backend writes as they are; the core hears
// net_tx_complete only once the backend has let go of them, and NET_TX_BUSY while the backend's
// queue is full (then net_tx_ready when there is room). Receive: each frame goes from the
// backend's buffer straight into the guest buffers the core picked; a frame the core cannot take
// (ring full, filtered, receiver off) is dropped and counted here and by the core.

import {
  NET_RX_BAD_LENGTH, NET_RX_DISABLED, NET_RX_FILTERED, NET_RX_HEADER_MAX, NET_RX_NO_BUFFER, NET_TX_BUSY, NET_TX_OK,
  STATUS_EFAULT, STATUS_OK, type NetCoreExports,
} from '../common/core-abi.js';
import type { DeviceControlApi, WorkerContext, WorkerExtension, WorkerStats } from '../common/device-worker.js';
import type { NetWorkerBackend } from './backend-spec.js';
import { MAX_FRAME_BYTES, type NetBackend, type TxOutcome } from './backends/backend.js';
import { openNetBackend } from './backends/open-backend.js';
import { emptyNetStats, type NetStats } from './net-stats.js';

export class NetWorkerExtension implements WorkerExtension {
  readonly asyncIo = true;
  private ctx!: WorkerContext;
  private backend: NetBackend | null = null;
  private readonly net: NetStats = emptyNetStats();

  constructor(
    private readonly spec: NetWorkerBackend,
    private readonly id: string,
    linkUp: boolean,
  ) {
    this.net.linkUp = linkUp;
  }

  private get core(): NetCoreExports {
    return this.ctx.core as NetCoreExports;
  }

  imports(ctx: WorkerContext) {
    this.ctx = ctx;
    return { net_transmit: (reqId: number, sgPtr: number, sgCount: number) => this.transmit(reqId, sgPtr, sgCount) };
  }

  async start(ctx: WorkerContext): Promise<void> {
    this.ctx = ctx;
    for (const name of ['net_tx_complete', 'net_tx_ready', 'net_rx_header_ptr', 'net_rx_sg_ptr', 'net_rx_begin', 'net_rx_end', 'net_set_link'] as const) {
      if (typeof (ctx.core as Partial<NetCoreExports>)[name] !== 'function') throw new Error(`${this.id}: the core does not export ${name}: not a network core`);
    }
    this.backend = await openNetBackend(this.spec, {
      receive: (frame) => this.receive(frame),
      writable: () => void this.ctx.fromEventLoop(() => this.core.net_tx_ready()),
      peer: (connected, reason) => {
        if (!connected && reason) console.error(`[${this.id}] network peer gone: ${reason}`);
      },
    });
  }

  control(): Partial<DeviceControlApi> {
    return {
      setLink: (up: boolean) => {
        this.net.linkUp = up;
        this.ctx.fromEventLoop(() => this.core.net_set_link(up ? 1 : 0));
      },
    };
  }

  stats(): Partial<WorkerStats> {
    return { net: { ...this.net, rxDrops: { ...this.net.rxDrops }, txDrops: { ...this.net.txDrops }, peerConnected: this.backend?.connected ?? false } };
  }

  async close(): Promise<void> {
    await this.backend?.close();
    this.backend = null;
  }

  /** The core's net_transmit import: runs inside a core call, so completions are deferred. */
  private transmit(reqId: number, sgPtr: number, sgCount: number): number {
    const segments = this.ctx.resolveSg(sgPtr, sgCount);
    if (typeof segments === 'number') {
      this.net.txDrops.fault++;
      this.completeLater(reqId, STATUS_EFAULT);
      return NET_TX_OK;
    }
    let bytes = 0;
    for (const s of segments) bytes += s.length;
    const backend = this.backend;
    if (!backend) {
      this.net.txDrops.noPeer++;
      this.completeLater(reqId, STATUS_OK);
      return NET_TX_OK;
    }
    if (!backend.transmit(segments, bytes, (outcome) => this.transmitted(reqId, bytes, outcome))) {
      this.net.txBusy++;
      return NET_TX_BUSY;
    }
    return NET_TX_OK;
  }

  /** The backend is done with a frame's memory. A frame lost on the wire (no peer, socket
   *  error) still completes with success, as on real hardware: the NIC sent it. */
  private transmitted(reqId: number, bytes: number, outcome: TxOutcome): void {
    if (outcome === 'sent') {
      this.net.framesOut++;
      this.net.bytesOut += bytes;
    } else if (outcome === 'no-peer') this.net.txDrops.noPeer++;
    else this.net.txDrops.error++;
    this.ctx.fromEventLoop(() => this.core.net_tx_complete(reqId, STATUS_OK));
  }

  private completeLater(reqId: number, status: number): void {
    queueMicrotask(() => void this.ctx.fromEventLoop(() => this.core.net_tx_complete(reqId, status)));
  }

  /** A frame from the backend (a view of its buffer, valid during this call). */
  private receive(frame: Uint8Array): void {
    const len = frame.length;
    if (len > MAX_FRAME_BYTES) {
      this.net.rxDrops.oversize++;
      return;
    }
    this.ctx.fromEventLoop(() => {
      const core = this.core;
      const headerLen = Math.min(len, NET_RX_HEADER_MAX);
      const header = this.ctx.coreBytes(core.net_rx_header_ptr(), headerLen);
      if (!header) throw new Error(`${this.id}: net_rx_header_ptr() outside core memory`);
      header.set(frame.subarray(0, headerLen));
      const count = core.net_rx_begin(len);
      if (count < 0) return this.countRxDrop(count);
      const views = this.ctx.resolveSg(core.net_rx_sg_ptr(), count);
      let status = STATUS_OK;
      if (typeof views === 'number') status = views;
      else {
        let at = 0;
        for (const v of views) {
          if (at >= len) break;
          const k = Math.min(v.length, len - at);
          v.set(frame.subarray(at, at + k));
          at += k;
        }
        if (at < len) status = STATUS_EFAULT; // the core's buffers do not cover the frame
      }
      core.net_rx_end(len, status);
      if (status === STATUS_OK) {
        this.net.framesIn++;
        this.net.bytesIn += len;
      } else this.net.rxDrops.fault++;
    });
  }

  private countRxDrop(code: number): void {
    const d = this.net.rxDrops;
    if (code === NET_RX_NO_BUFFER) d.noBuffer++;
    else if (code === NET_RX_FILTERED) d.filtered++;
    else if (code === NET_RX_BAD_LENGTH) d.badLength++;
    else if (code === NET_RX_DISABLED) d.disabled++;
    else d.badLength++;
  }
}

/** Link state at power-on from the config struct (src/workers/net/config.ts, flags at 12). */
export function linkUpInConfig(config: Uint8Array): boolean {
  return config.length >= 16 && (config[12]! & 1) !== 0;
}
