// One IDE channel as a driver sees it (libata's struct ata_port for an SFF controller): the
// command block, the control block, this channel's bus-master registers and its interrupt
// line, plus the primitives every protocol is built from. Every wait here is bounded by a
// Deadline; a device that stays busy or never interrupts becomes a timeout, never a hang.

import type { GuestBus } from '../guest-bus.js';
import { gpa, ioPort, type GuestPhysAddr, type IoPort } from '../../../../shared-mem/types.js';
import { AsyncMutex } from './async-mutex.js';
import { BusMasterDma } from './bus-master-dma.js';
import { Deadline, pollUntil, sleepMs, yieldToEventLoop } from './deadline.js';
import type { GuestBuffer } from './guest-buffer.js';
import { allocTable } from './prd-table.js';
import {
  ATA_DEVCTL_HOB,
  ATA_DEVCTL_OBS,
  ATA_DEVICE_DEV1,
  ATA_DEVICE_OBS,
  ATA_REG_DATA,
  ATA_REG_DEVICE,
  ATA_REG_STATUS,
  ATA_ST_BSY,
} from './ata-regs.js';

export interface AtaChannelPorts {
  /** Command block base (Data .. Status/Command, 8 registers). */
  command: IoPort;
  /** Alternate Status (read) / Device Control (write). */
  control: IoPort;
  /** This channel's bus-master block (BAR4 + 8 * channel), or null without one. */
  busMaster: IoPort | null;
  /** Interrupt line as the guest's interrupt controller numbers it. */
  irqLine: number;
}

export interface AtaTimeouts {
  /** One command, from issue to completion interrupt. */
  commandMs: number;
  /** Soft reset until BSY clears (ATA allows up to 31 s; emulated devices take microseconds). */
  resetMs: number;
}

export const DEFAULT_ATA_TIMEOUTS: AtaTimeouts = { commandMs: 5000, resetMs: 5000 };

/** Data transfer width on the Data register: 16-bit (libata default) or 32-bit PIO. */
export type PioWidth = 2 | 4;

/** What the channel's error handler needs from an attached device. */
export interface AtaLinkDevice {
  readonly unit: 0 | 1;
  /** Puts the device back into the configured state after a reset (SET FEATURES etc.). */
  revalidate(): Promise<void>;
}

/**
 * This channel's own guest RAM: a command packet, a small data buffer (IDENTIFY, sense
 * data), a response buffer for ATAPI commands, and a sink for data the host throws away
 * (up to the largest ATAPI DRQ block). Separate areas, so no use overwrites another.
 */
const SCRATCH_CDB = 0x0000;
const SCRATCH_SMALL = 0x0200;
const SCRATCH_RESPONSE = 0x1000;
export const RESPONSE_BUFFER_BYTES = 0xf000;
const SCRATCH_SINK = 0x10000;
const SINK_BYTES = 0x10000;
const SCRATCH_BYTES = SCRATCH_SINK + SINK_BYTES;
/**
 * PRD entries per command: a whole 64 KiB table, the most the hardware can walk (libata
 * itself stops at 128 segments; a 32 MiB LBA48 command over scattered 4 KiB pages needs 8192).
 */
export const PRD_TABLE_CAPACITY = 8192;

export class AtaChannel {
  /** One command at a time per channel: master and slave share the taskfile. */
  readonly lock = new AsyncMutex();
  readonly bm: BusMasterDma | null;
  readonly devices: (AtaLinkDevice | null)[] = [null, null];
  /** Guest RAM owned by this channel, allocated at construction (before any caller's mark()). */
  private readonly scratch: GuestPhysAddr;
  /** This channel's PRD table area (libata: one table per port, allocated at port start). */
  readonly prdArea: GuestPhysAddr;
  private deviceControl = ATA_DEVCTL_OBS; // nIEN clear: interrupts on

  constructor(
    readonly bus: GuestBus,
    readonly index: 0 | 1,
    readonly ports: AtaChannelPorts,
    readonly timeouts: AtaTimeouts = DEFAULT_ATA_TIMEOUTS,
  ) {
    this.bm = ports.busMaster === null ? null : new BusMasterDma(bus, ports.busMaster);
    this.scratch = bus.ram.alloc(SCRATCH_BYTES, 4096);
    this.prdArea = allocTable(bus.ram, PRD_TABLE_CAPACITY);
  }

  /** 16 bytes for an ATAPI command packet. */
  get cdbBuffer(): GuestPhysAddr {
    return gpa(this.scratch + SCRATCH_CDB);
  }

  /** 512 bytes for IDENTIFY data or sense data. */
  get smallBuffer(): GuestPhysAddr {
    return gpa(this.scratch + SCRATCH_SMALL);
  }

  /** RESPONSE_BUFFER_BYTES for ATAPI command responses. */
  get responseBuffer(): GuestPhysAddr {
    return gpa(this.scratch + SCRATCH_RESPONSE);
  }

  read(reg: number): Promise<number> {
    return this.bus.in(ioPort(this.ports.command + reg), 1);
  }

  write(reg: number, value: number): Promise<void> {
    return this.bus.out(ioPort(this.ports.command + reg), 1, value & 0xff);
  }

  /** Reads Status, which also acknowledges (deasserts) a pending INTRQ. */
  status(): Promise<number> {
    return this.read(ATA_REG_STATUS);
  }

  /**
   * Handles a device interrupt the way libata's ata_bmdma_port_intr does for every protocol:
   * read Status (deasserts INTRQ), then clear the bus-master Interrupt bit, which PIIX latches
   * on any device interrupt, PIO ones included. Left set, it would make the next DMA command
   * look complete before it started. Returns the Status read.
   */
  async acknowledgeInterrupt(): Promise<number> {
    const status = await this.status();
    if (this.bm) await this.bm.clearStatus();
    return status;
  }

  /** Reads Alternate Status: same bits, no side effect. */
  altStatus(): Promise<number> {
    return this.bus.in(this.ports.control, 1);
  }

  get currentDeviceControl(): number {
    return this.deviceControl;
  }

  async writeDeviceControl(value: number): Promise<void> {
    this.deviceControl = value & ~ATA_DEVCTL_HOB;
    await this.bus.out(this.ports.control, 1, value & 0xff);
  }

  /** Reads the "previous content" (high-order byte) of an LBA48 register. */
  async readHob(reg: number): Promise<number> {
    await this.bus.out(this.ports.control, 1, this.deviceControl | ATA_DEVCTL_HOB);
    const value = await this.read(reg);
    await this.bus.out(this.ports.control, 1, this.deviceControl);
    return value;
  }

  /** ata_sff_dev_select: write DEV, then the 400 ns settle read of Alternate Status. */
  async selectDevice(unit: 0 | 1, extra = 0): Promise<void> {
    await this.write(ATA_REG_DEVICE, ATA_DEVICE_OBS | (unit ? ATA_DEVICE_DEV1 : 0) | extra);
    await this.altStatus();
  }

  /** Polls Alternate Status until BSY clears. */
  waitNotBusy(deadline: Deadline): Promise<{ value: number; ok: boolean }> {
    return pollUntil(() => this.altStatus(), (s) => (s & ATA_ST_BSY) === 0, deadline);
  }

  /** Polls Alternate Status until `done` holds (BSY is always required clear). */
  pollStatus(deadline: Deadline, done: (status: number) => boolean): Promise<{ value: number; ok: boolean }> {
    return pollUntil(() => this.altStatus(), (s) => (s & ATA_ST_BSY) === 0 && done(s), deadline);
  }

  /**
   * Waits until this channel's interrupt line is asserted *and* `ours()` confirms the
   * interrupt belongs to this channel (a native-mode controller shares one INTA# between
   * both channels, so the line alone proves nothing: ata_sff_host_intr does the same check).
   * Returns false at the deadline.
   */
  async waitForInterrupt(deadline: Deadline, ours: () => Promise<boolean>): Promise<boolean> {
    for (let spurious = 0; ; spurious++) {
      const remaining = deadline.remainingMs();
      if (remaining <= 0) return false;
      const fired = await this.bus.irq.waitFor(this.ports.irqLine, remaining);
      if (!fired) return false;
      if (await ours()) return true;
      // The other channel holds the shared line until its driver acknowledges: back off.
      await (spurious < 16 ? yieldToEventLoop() : sleepMs(1));
    }
  }

  /** PIO data-in of `bytes` into `buffer` at `offset` (rep insw/insd per contiguous run). */
  async pioIn(buffer: GuestBuffer, offset: number, bytes: number, width: PioWidth): Promise<void> {
    for (const run of buffer.runs(offset, bytes)) await this.repIn(run.addr, run.len, width);
  }

  /** PIO data-out of `bytes` from `buffer` at `offset`. */
  async pioOut(buffer: GuestBuffer, offset: number, bytes: number, width: PioWidth): Promise<void> {
    for (const run of buffer.runs(offset, bytes)) await this.repOut(run.addr, run.len, width);
  }

  /** Reads and throws away `bytes` of data (a device offering more than the host asked for). */
  async drain(bytes: number, width: PioWidth): Promise<void> {
    for (let left = bytes; left > 0; ) {
      const n = Math.min(left, SINK_BYTES);
      await this.repIn(gpa(this.scratch + SCRATCH_SINK), n, width);
      left -= n;
    }
  }

  /** Writes `bytes` of zeros (a device asking for more than the host has to send). */
  async padOut(bytes: number): Promise<void> {
    const sink = gpa(this.scratch + SCRATCH_SINK);
    for (let left = bytes; left > 0; ) {
      const n = Math.min(left, SINK_BYTES);
      this.bus.ram.write(sink, new Uint8Array(n));
      await this.repOut(sink, n, 2);
      left -= n;
    }
  }

  /** Transfers whole elements with one rep string op; a trailing odd part element by element. */
  private async repIn(addr: GuestPhysAddr, len: number, width: PioWidth): Promise<void> {
    const data = ioPort(this.ports.command + ATA_REG_DATA);
    const whole = Math.floor(len / width);
    if (whole > 0) await this.bus.insRep(data, width, addr, whole);
    const tail = len - whole * width;
    if (tail > 0) {
      const value = await this.bus.in(data, width === 4 && tail <= 2 ? 2 : width);
      const bytes = new Uint8Array(tail);
      for (let i = 0; i < tail; i++) bytes[i] = (value >>> (8 * i)) & 0xff;
      this.bus.ram.write(gpa(addr + whole * width), bytes);
    }
  }

  private async repOut(addr: GuestPhysAddr, len: number, width: PioWidth): Promise<void> {
    const data = ioPort(this.ports.command + ATA_REG_DATA);
    const whole = Math.floor(len / width);
    if (whole > 0) await this.bus.outsRep(data, width, addr, whole);
    const tail = len - whole * width;
    if (tail > 0) {
      const bytes = this.bus.ram.read(gpa(addr + whole * width), tail);
      let value = 0;
      for (let i = tail - 1; i >= 0; i--) value = value * 256 + bytes[i]!;
      await this.bus.out(data, width === 4 && tail <= 2 ? 2 : width, value);
    }
  }
}
