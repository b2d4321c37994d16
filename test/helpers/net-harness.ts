// Test harness for network cores (assembly/net): loads build/net.wasm through the generic
// core harness and fakes the network half of the device ABI — net_transmit records each
// frame (the bytes its SG list references at the moment of the call, plus the list itself)
// and answers NET_TX_OK or NET_TX_BUSY as the test says; receive plays the worker's part
// (header copy, net_rx_begin, writing the frame into the SG ranges, net_rx_end). Time is a
// fake clock: timer_arm calls are recorded and `advance(ns)` fires the due timers in order.
// Register access goes through BAR0 (MMIO) or the BAR1 IOADDR/IODATA window.

import { loadCore, type CoreHarness } from './core-harness.js';
import {
  IRQ_PCI_INTA,
  NET_TX_BUSY,
  NET_TX_OK,
  SG_ENTRY_SIZE,
  SG_FLAG_CORE_MEMORY,
  SPACE_BAR0,
  STATUS_EFAULT,
  STATUS_OK,
  type NetCoreExports,
  type SgEntry,
} from '../../src/workers/common/core-abi.js';
import { encodeE1000Config, type MacAddress } from '../../src/workers/net/config.js';

export const REG = {
  CTRL: 0x0000, STATUS: 0x0008, EECD: 0x0010, EERD: 0x0014, CTRL_EXT: 0x0018, MDIC: 0x0020,
  FCAL: 0x0028, FCAH: 0x002c, FCT: 0x0030, VET: 0x0038, ICR: 0x00c0, ITR: 0x00c4, ICS: 0x00c8,
  IMS: 0x00d0, IMC: 0x00d8, RCTL: 0x0100, FCTTV: 0x0170, TCTL: 0x0400, TIPG: 0x0410, PBA: 0x1000,
  RDBAL: 0x2800, RDBAH: 0x2804, RDLEN: 0x2808, RDH: 0x2810, RDT: 0x2818, RDTR: 0x2820,
  RXDCTL: 0x2828, RADV: 0x282c, TDBAL: 0x3800, TDBAH: 0x3804, TDLEN: 0x3808, TDH: 0x3810,
  TDT: 0x3818, TIDV: 0x3820, TXDCTL: 0x3828, TADV: 0x382c, RXCSUM: 0x5000, MTA: 0x5200,
  RAL0: 0x5400, RAH0: 0x5404, VFTA: 0x5600,
  MPC: 0x4010, COLC: 0x4028, GPRC: 0x4074, BPRC: 0x4078, MPRC: 0x407c, GPTC: 0x4080,
  GORCL: 0x4088, GORCH: 0x408c, GOTCL: 0x4090, GOTCH: 0x4094, RNBC: 0x40a0, RUC: 0x40a4,
  ROC: 0x40ac, TORL: 0x40c0, TORH: 0x40c4, TOTL: 0x40c8, TOTH: 0x40cc, TPR: 0x40d0, TPT: 0x40d4,
  MPTC: 0x40f0, BPTC: 0x40f4, TSCTC: 0x40f8, TSCTFC: 0x40fc,
} as const;

export const CTRL = { FD: 1, SLU: 1 << 6, RST: 1 << 26, VME: 1 << 30, PHY_RST: 1 << 31 } as const;
export const STATUS = { FD: 1, LU: 2, TXOFF: 1 << 4, SPEED_1000: 2 << 6 } as const;
export const ICR = {
  TXDW: 1, TXQE: 2, LSC: 4, RXSEQ: 8, RXDMT0: 0x10, RXO: 0x40, RXT0: 0x80, MDAC: 0x200,
} as const;
export const RCTL = {
  EN: 2, SBP: 4, UPE: 8, MPE: 0x10, LPE: 0x20, BAM: 1 << 15, VFE: 1 << 18, CFIEN: 1 << 19,
  BSEX: 1 << 25, SECRC: 1 << 26,
} as const;
export const TCTL = { EN: 2, PSP: 8 } as const;
/** Legacy/extended transmit command bits (byte 11 of the descriptor). */
export const TXD = { EOP: 1, IFCS: 2, IC: 4, TSE: 4, RS: 8, DEXT: 0x20, VLE: 0x40, IDE: 0x80 } as const;
export const RXD_STATUS = { DD: 1, EOP: 2, IXSM: 4, VP: 8 } as const;

export const TIMER = { ITR: 0, RDTR: 1, RADV: 2, TIDV: 3, TADV: 4, AUTONEG: 5 } as const;

export const DEFAULT_MAC: MacAddress = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56];

/** A frame as the backend received it from net_transmit. */
export interface SentFrame {
  reqId: number;
  sg: SgEntry[];
  bytes: Uint8Array;
  /** A guest range lay outside RAM: the backend would fail it (its bytes read as zero). */
  fault: boolean;
}

export interface NetRigOptions {
  mac?: MacAddress;
  linkUp?: boolean;
  ramBytes?: number;
  /** Skip waiting for autonegotiation after init. */
  noLinkWait?: boolean;
}

export class NetRig {
  /** Fake clock in nanoseconds. */
  now = 0n;
  /** Armed timers: id -> absolute deadline. */
  readonly timers = new Map<number, bigint>();
  /** Every timer_arm call: [id, ns]. */
  readonly timerCalls: [number, bigint][] = [];
  readonly sent: SentFrame[] = [];
  /** Frames accepted by net_transmit and not completed yet. */
  readonly inFlight: SentFrame[] = [];
  /** What net_transmit answers next (NET_TX_OK unless a test makes the backend busy). */
  txAnswer = NET_TX_OK;
  busyAnswers = 0;
  /** Number of net_transmit calls in total, including refused ones. */
  transmitCalls = 0;

  private constructor(readonly h: CoreHarness<NetCoreExports>) {}

  static async create(options: NetRigOptions = {}): Promise<NetRig> {
    let rig: NetRig | null = null;
    const h = await loadCore<NetCoreExports>('net', {
      ramBytes: options.ramBytes ?? 4 * 1024 * 1024,
      imports: {
        timer_arm(id: number, ns: bigint) {
          rig!.timerCalls.push([id, ns]);
          if (ns < 0n) rig!.timers.delete(id);
          else rig!.timers.set(id, rig!.now + ns);
        },
        net_transmit(reqId: number, sgPtr: number, sgCount: number) {
          return rig!.onTransmit(reqId, sgPtr, sgCount);
        },
      },
    });
    rig = new NetRig(h);
    const result = h.init(encodeE1000Config({ mac: options.mac ?? DEFAULT_MAC, linkUp: options.linkUp ?? true }));
    if (result !== 0) throw new Error(`init refused the config: ${result}`);
    if (!options.noLinkWait && (options.linkUp ?? true)) rig.advance(100_000_000n);
    return rig;
  }

  get core(): NetCoreExports {
    return this.h.core;
  }
  get ram(): Uint8Array {
    return this.h.ram;
  }
  get irq(): number {
    return this.h.irq(IRQ_PCI_INTA);
  }

  // ---- registers
  read(reg: number, size = 4): number {
    return Number(this.core.io_read(SPACE_BAR0, BigInt(reg), size));
  }
  write(reg: number, value: number, size = 4): void {
    this.core.io_write(SPACE_BAR0, BigInt(reg), size, BigInt(value >>> 0));
  }
  ioRead(reg: number): number {
    this.core.io_write(SPACE_BAR0 + 1, 0n, 4, BigInt(reg));
    return Number(this.core.io_read(SPACE_BAR0 + 1, 4n, 4));
  }
  ioWrite(reg: number, value: number): void {
    this.core.io_write(SPACE_BAR0 + 1, 0n, 4, BigInt(reg));
    this.core.io_write(SPACE_BAR0 + 1, 4n, 4, BigInt(value >>> 0));
  }

  // ---- fake clock
  /** Moves the clock forward, firing every timer that falls due, earliest first. */
  advance(ns: bigint | number): void {
    const end = this.now + BigInt(ns);
    for (let guard = 0; guard < 10_000; guard++) {
      let nextId = -1;
      let nextAt = end + 1n;
      for (const [id, at] of this.timers) if (at <= end && at < nextAt) { nextId = id; nextAt = at; }
      if (nextId < 0) break;
      this.now = nextAt;
      this.timers.delete(nextId);
      this.core.timer_fired(nextId);
    }
    this.now = end;
  }

  // ---- MDIC / EEPROM helpers like the Linux driver's
  phyRead(reg: number, phy = 1): number {
    this.write(REG.MDIC, (2 << 26) | (phy << 21) | (reg << 16));
    const v = this.read(REG.MDIC);
    if ((v & (1 << 28)) === 0) throw new Error('MDIC not ready');
    if (v & (1 << 30)) throw new Error('MDIC error');
    return v & 0xffff;
  }
  phyWrite(reg: number, value: number, phy = 1): void {
    this.write(REG.MDIC, (1 << 26) | (phy << 21) | (reg << 16) | value);
  }

  // ---- transmit side of the backend
  private onTransmit(reqId: number, sgPtr: number, sgCount: number): number {
    this.transmitCalls++;
    if (this.busyAnswers > 0) {
      this.busyAnswers--;
      return NET_TX_BUSY;
    }
    if (this.txAnswer !== NET_TX_OK) return this.txAnswer;
    const view = new DataView(this.core.memory.buffer);
    const sg: SgEntry[] = [];
    for (let i = 0; i < sgCount; i++) {
      const at = sgPtr + i * SG_ENTRY_SIZE;
      sg.push({
        addr: Number(view.getBigUint64(at, true)),
        len: view.getUint32(at + 8, true),
        coreMemory: (view.getUint32(at + 12, true) & SG_FLAG_CORE_MEMORY) !== 0,
      });
    }
    const total = sg.reduce((n, e) => n + e.len, 0);
    const bytes = new Uint8Array(total);
    let off = 0;
    let fault = false;
    const mem = new Uint8Array(this.core.memory.buffer);
    for (const e of sg) {
      if (e.coreMemory && e.addr + e.len > mem.length) throw new Error(`SG entry outside core memory: ${e.addr}+${e.len}`);
      if (!e.coreMemory && e.addr + e.len > this.ram.length) fault = true;
      else bytes.set((e.coreMemory ? mem : this.ram).subarray(e.addr, e.addr + e.len), off);
      off += e.len;
    }
    const frame = { reqId, sg, bytes, fault };
    this.sent.push(frame);
    this.inFlight.push(frame);
    return NET_TX_OK;
  }

  /** Completes the oldest (or every) frame in flight, as the backend does once sent. */
  completeTx(count = Infinity): number {
    let n = 0;
    while (this.inFlight.length > 0 && n < count) {
      const f = this.inFlight.shift()!;
      this.core.net_tx_complete(f.reqId, f.fault ? STATUS_EFAULT : STATUS_OK);
      n++;
    }
    return n;
  }

  // ---- receive side of the backend
  /** Delivers `frame` like the worker: returns net_rx_begin's answer. */
  deliver(frame: Uint8Array, options: { faultStatus?: boolean } = {}): number {
    const header = this.core.net_rx_header_ptr();
    const mem = () => new Uint8Array(this.core.memory.buffer);
    mem().set(frame.subarray(0, Math.min(frame.length, 128)), header);
    const n = this.core.net_rx_begin(frame.length);
    if (n < 0) return n;
    const sgPtr = this.core.net_rx_sg_ptr();
    const view = new DataView(this.core.memory.buffer);
    let off = 0;
    let status = STATUS_OK;
    for (let i = 0; i < n; i++) {
      const at = sgPtr + i * SG_ENTRY_SIZE;
      const addr = Number(view.getBigUint64(at, true));
      const len = view.getUint32(at + 8, true);
      const core = (view.getUint32(at + 12, true) & SG_FLAG_CORE_MEMORY) !== 0;
      if (core) mem().set(frame.subarray(off, off + len), addr);
      else if (addr + len > this.ram.length) status = STATUS_EFAULT;
      else this.ram.set(frame.subarray(off, off + len), addr);
      off += len;
    }
    if (off !== frame.length) throw new Error(`SG covers ${off} bytes of a ${frame.length}-byte frame`);
    this.core.net_rx_end(frame.length, options.faultStatus ? STATUS_EFAULT : status);
    return n;
  }

  // ---- guest memory
  put(addr: number, bytes: Uint8Array): void {
    this.ram.set(bytes, addr);
  }
  u32(addr: number): number {
    return new DataView(this.ram.buffer).getUint32(addr, true);
  }
}

/** A receive ring as the Linux driver sets it up: `count` descriptors at `ring`, buffers of
 *  `bufferSize` bytes from `buffers`, RDT = count - 1 (one descriptor kept back). */
export function setupReceive(rig: NetRig, o: { ring: number; count: number; buffers: number; bufferSize?: number; rctl?: number; tail?: number }): void {
  const size = o.bufferSize ?? 2048;
  const view = new DataView(rig.ram.buffer);
  for (let i = 0; i < o.count; i++) {
    view.setBigUint64(o.ring + i * 16, BigInt(o.buffers + i * size), true);
    view.setBigUint64(o.ring + i * 16 + 8, 0n, true);
  }
  rig.write(REG.RDBAL, o.ring);
  rig.write(REG.RDBAH, 0);
  rig.write(REG.RDLEN, o.count * 16);
  rig.write(REG.RDH, 0);
  rig.write(REG.RDT, o.tail ?? o.count - 1);
  rig.write(REG.RCTL, o.rctl ?? (RCTL.EN | RCTL.BAM | RCTL.SECRC));
}

export interface RxDescriptor {
  addr: number;
  length: number;
  csum: number;
  status: number;
  errors: number;
  special: number;
}

export function rxDescriptor(rig: NetRig, ring: number, index: number): RxDescriptor {
  const view = new DataView(rig.ram.buffer);
  const at = ring + index * 16;
  return {
    addr: Number(view.getBigUint64(at, true)),
    length: view.getUint16(at + 8, true),
    csum: view.getUint16(at + 10, true),
    status: view.getUint8(at + 12),
    errors: view.getUint8(at + 13),
    special: view.getUint16(at + 14, true),
  };
}

/** A transmit ring: `count` descriptors at `ring`, TCTL.EN (and PSP). */
export class TxRing {
  tail = 0;
  constructor(readonly rig: NetRig, readonly ring: number, readonly count: number, tctl: number = TCTL.EN | TCTL.PSP) {
    rig.ram.fill(0, ring, ring + count * 16);
    rig.write(REG.TDBAL, ring);
    rig.write(REG.TDBAH, 0);
    rig.write(REG.TDLEN, count * 16);
    rig.write(REG.TDH, 0);
    rig.write(REG.TDT, 0);
    rig.write(REG.TCTL, tctl);
  }

  private at(index: number): number {
    return this.ring + index * 16;
  }

  /** Writes a legacy descriptor at the tail; returns its index. */
  legacy(addr: number, length: number, cmd: number, extra: { cso?: number; css?: number; special?: number } = {}): number {
    const v = new DataView(this.rig.ram.buffer);
    const at = this.at(this.tail);
    v.setBigUint64(at, BigInt(addr), true);
    v.setUint16(at + 8, length, true);
    v.setUint8(at + 10, extra.cso ?? 0);
    v.setUint8(at + 11, cmd);
    v.setUint8(at + 12, 0);
    v.setUint8(at + 13, extra.css ?? 0);
    v.setUint16(at + 14, extra.special ?? 0, true);
    return this.advance();
  }

  /** A TCP/IP context descriptor (SDM 3.3.6). */
  context(c: {
    ipcss?: number; ipcso?: number; ipcse?: number; tucss?: number; tucso?: number; tucse?: number;
    paylen?: number; tucmd: number; hdrlen?: number; mss?: number;
  }): number {
    const v = new DataView(this.rig.ram.buffer);
    const at = this.at(this.tail);
    v.setUint8(at, c.ipcss ?? 0);
    v.setUint8(at + 1, c.ipcso ?? 0);
    v.setUint16(at + 2, c.ipcse ?? 0, true);
    v.setUint8(at + 4, c.tucss ?? 0);
    v.setUint8(at + 5, c.tucso ?? 0);
    v.setUint16(at + 6, c.tucse ?? 0, true);
    v.setUint32(at + 8, ((c.paylen ?? 0) & 0xfffff) | (0 << 20) | ((c.tucmd | TXD.DEXT) << 24), true);
    v.setUint8(at + 12, 0);
    v.setUint8(at + 13, c.hdrlen ?? 0);
    v.setUint16(at + 14, c.mss ?? 0, true);
    return this.advance();
  }

  /** A TCP/IP data descriptor (SDM 3.3.7). */
  data(addr: number, length: number, dcmd: number, popts = 0, special = 0): number {
    const v = new DataView(this.rig.ram.buffer);
    const at = this.at(this.tail);
    v.setBigUint64(at, BigInt(addr), true);
    v.setUint32(at + 8, (length & 0xfffff) | (1 << 20) | ((dcmd | TXD.DEXT) << 24), true);
    v.setUint8(at + 12, 0);
    v.setUint8(at + 13, popts);
    v.setUint16(at + 14, special, true);
    return this.advance();
  }

  private advance(): number {
    const i = this.tail;
    this.tail = (this.tail + 1) % this.count;
    return i;
  }

  /** Writes TDT (starts the walk). */
  kick(): void {
    this.rig.write(REG.TDT, this.tail);
  }

  done(index: number): boolean {
    return (this.rig.ram[this.at(index) + 12]! & 1) !== 0;
  }
}
