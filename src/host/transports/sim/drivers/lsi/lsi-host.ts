// A simulated guest's host driver for the LSI53C895A, the part of sym53c8xx that sits below
// its SCRIPTS: find the function the BIOS enumerated, reset and set up the chip, put a SCRIPTS
// program into the on-chip SCRIPTS RAM through BAR2, start it with a DSP write, and collect
// the interrupt that ends it. The SCRIPTS themselves (selection, phases, data moves) are the
// caller's: the chip runs whatever program it is given, as with a real driver.

import type { GuestBus } from '../../guest-bus.js';
import { gpa, ioPort } from '../../../../../shared-mem/types.js';
import type { PciBarInfo, PciFunctionInfo } from '../pci-enum.js';
import { Deadline, pollUntil } from '../deadline.js';
import {
  DCNTL_COM, ISTAT_DIP, ISTAT_SIP, ISTAT_SRST, LSI_DCNTL, LSI_DIEN, LSI_DSP, LSI_DSPS, LSI_DSTAT, LSI_ISTAT,
  LSI_RESPID0, LSI_RESPID1, LSI_SCID, LSI_SIEN0, LSI_SIEN1, LSI_SIST0, LSI_SIST1, LSI_STIME0, SCID_RRE,
  DSTAT_ABRT, DSTAT_BF, DSTAT_IID, DSTAT_MDPE, DSTAT_SIR, DSTAT_SSI, SIST0_MA, SIST0_PAR, SIST0_RST,
  SIST0_SGE, SIST0_UDC, SIST1_GEN, SIST1_STO, STIME0_SEL_204MS,
} from './lsi-registers.js';

export const LSI_VENDOR_ID = 0x1000;
export const LSI_53C895A_DEVICE_ID = 0x0012;
const IO_BAR_BYTES = 256;
const MMIO_BAR_BYTES = 1024;
/** The on-chip SCRIPTS RAM (BAR2). */
export const SCRIPTS_RAM_BYTES = 8192;
/** The initiator's SCSI ID, as sym53c8xx uses by default. */
export const HOST_SCSI_ID = 7;

/** What the chip reported when a SCRIPTS program stopped. */
export interface LsiStop {
  istat: number;
  /** DSTAT (SCRIPTS interrupts: SIR, IID, BF, ...), 0 if none was pending. */
  dstat: number;
  /** SIST0/SIST1 (SCSI interrupts: MA, UDC, STO, ...), 0 if none was pending. */
  sist0: number;
  sist1: number;
  /** The INT instruction's vector when DSTAT SIR is set. */
  dsps: number;
  /** Where the SCRIPTS stopped. */
  dsp: number;
}

export class LsiHostError extends Error {
  override name = 'LsiHostError';
}

export class LsiHost {
  private constructor(
    private readonly bus: GuestBus,
    readonly fn: PciFunctionInfo,
    private readonly ioBase: number,
    /** Bus address of the SCRIPTS RAM: where a program placed there runs from. */
    readonly scriptsRamAddress: number,
    /** The interrupt line INTA# was routed to. */
    readonly irqLine: number,
  ) {}

  /** Binds to an enumerated 1000:0012 function with its three BARs, resets and sets up the chip. */
  static async attach(bus: GuestBus, fn: PciFunctionInfo): Promise<LsiHost> {
    if (fn.vendorId !== LSI_VENDOR_ID || fn.deviceId !== LSI_53C895A_DEVICE_ID) {
      throw new LsiHostError(`PCI function ${fn.bdf.toString(16)} is ${fn.vendorId.toString(16)}:${fn.deviceId.toString(16)}, not an LSI 53C895A`);
    }
    const io = bar(fn, 0, 'io', IO_BAR_BYTES);
    bar(fn, 1, 'mem32', MMIO_BAR_BYTES);
    const ram = bar(fn, 2, 'mem32', SCRIPTS_RAM_BYTES);
    if (fn.interruptLine === null) throw new LsiHostError('the LSI function has no interrupt line');
    const host = new LsiHost(bus, fn, io.address, ram.address, fn.interruptLine);
    await host.resetChip();
    return host;
  }

  async read8(reg: number): Promise<number> {
    return this.bus.in(ioPort(this.ioBase + reg), 1);
  }

  async write8(reg: number, value: number): Promise<void> {
    await this.bus.out(ioPort(this.ioBase + reg), 1, value & 0xff);
  }

  async read32(reg: number): Promise<number> {
    return (await this.bus.in(ioPort(this.ioBase + reg), 4)) >>> 0;
  }

  async write32(reg: number, value: number): Promise<void> {
    await this.bus.out(ioPort(this.ioBase + reg), 4, value >>> 0);
  }

  /**
   * Software reset (ISTAT SRST set, then cleared, as sym53c8xx's sym_soft_reset ends), then
   * the set-up a driver does: our ID with reselection enabled, the selection timeout, SFBR
   * kept on reselection, and every interrupt that matters enabled so that it reaches INTA#.
   */
  async resetChip(): Promise<void> {
    await this.write8(LSI_ISTAT, ISTAT_SRST);
    await this.write8(LSI_ISTAT, 0);
    await this.write8(LSI_SCID, SCID_RRE | HOST_SCSI_ID);
    await this.write8(LSI_RESPID0, 1 << HOST_SCSI_ID);
    await this.write8(LSI_RESPID1, 0);
    await this.write8(LSI_STIME0, STIME0_SEL_204MS);
    await this.write8(LSI_DCNTL, DCNTL_COM);
    await this.write8(LSI_SIEN0, SIST0_MA | SIST0_SGE | SIST0_UDC | SIST0_RST | SIST0_PAR);
    await this.write8(LSI_SIEN1, SIST1_STO | SIST1_GEN);
    await this.write8(LSI_DIEN, DSTAT_MDPE | DSTAT_BF | DSTAT_ABRT | DSTAT_SSI | DSTAT_SIR | DSTAT_IID);
  }

  /** Writes a program (little-endian dwords) into SCRIPTS RAM at `offset`, one dword per MMIO write. */
  async loadScripts(program: Uint8Array, offset = 0): Promise<void> {
    if (program.length % 4 !== 0 || offset % 4 !== 0) throw new RangeError('SCRIPTS are whole dwords');
    if (offset < 0 || offset + program.length > SCRIPTS_RAM_BYTES) {
      throw new RangeError(`${program.length} bytes at ${offset} do not fit the ${SCRIPTS_RAM_BYTES}-byte SCRIPTS RAM`);
    }
    const view = new DataView(program.buffer, program.byteOffset, program.byteLength);
    for (let i = 0; i < program.length; i += 4) {
      await this.bus.mmioWrite(gpa(this.scriptsRamAddress + offset + i), 4, BigInt(view.getUint32(i, true)));
    }
  }

  /** `len` bytes of SCRIPTS RAM at `offset`, read through BAR2. */
  async readScriptsRam(offset: number, len: number): Promise<Uint8Array> {
    if (offset % 4 !== 0 || len % 4 !== 0 || offset < 0 || offset + len > SCRIPTS_RAM_BYTES) {
      throw new RangeError(`cannot read ${len} bytes at ${offset} of SCRIPTS RAM`);
    }
    const out = new Uint8Array(len);
    const view = new DataView(out.buffer);
    for (let i = 0; i < len; i += 4) {
      view.setUint32(i, Number(await this.bus.mmioRead(gpa(this.scriptsRamAddress + offset + i), 4)), true);
    }
    return out;
  }

  /**
   * Starts SCRIPTS at bus address `dsp` and waits (at most `timeoutMs`) for the interrupt that
   * stops them: INTA# asserted, then ISTAT says which kind. Reading DSTAT and SIST0/SIST1
   * clears the causes, which lowers INTA# unless another one is stacked behind.
   */
  async run(dsp: number, timeoutMs = 5000): Promise<LsiStop> {
    await this.write32(LSI_DSP, dsp);
    return this.waitForStop(timeoutMs);
  }

  /** Waits for the next interrupt and collects it (see run). */
  async waitForStop(timeoutMs = 5000): Promise<LsiStop> {
    const deadline = new Deadline(timeoutMs);
    if (!(await this.bus.irq.waitFor(this.irqLine, deadline.remainingMs()))) {
      // No interrupt: the chip may still report a stop it was not allowed to signal.
      const istat = await this.read8(LSI_ISTAT);
      throw new LsiHostError(`no interrupt on line ${this.irqLine} within ${timeoutMs} ms (ISTAT 0x${istat.toString(16)})`);
    }
    const { value: istat } = await pollUntil(() => this.read8(LSI_ISTAT), (v) => (v & (ISTAT_SIP | ISTAT_DIP)) !== 0, deadline);
    const stop: LsiStop = { istat, dstat: 0, sist0: 0, sist1: 0, dsps: 0, dsp: await this.read32(LSI_DSP) };
    if (istat & ISTAT_DIP) {
      stop.dstat = await this.read8(LSI_DSTAT);
      stop.dsps = await this.read32(LSI_DSPS);
    }
    if (istat & ISTAT_SIP) {
      stop.sist0 = await this.read8(LSI_SIST0);
      stop.sist1 = await this.read8(LSI_SIST1);
    }
    return stop;
  }
}

function bar(fn: PciFunctionInfo, index: number, kind: PciBarInfo['kind'], size: number): PciBarInfo {
  const b = fn.bars.find((x) => x.index === index);
  if (!b || b.kind !== kind || b.size !== size) {
    throw new LsiHostError(`LSI BAR${index}: expected ${kind} of ${size} bytes, found ${b ? `${b.kind} of ${b.size}` : 'none'}`);
  }
  return b;
}
