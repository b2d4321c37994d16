// What the LSI controller unit tests use to drive the core the way a guest driver does:
// register accesses through the I/O BAR (or the memory BARs), SCRIPTS loaded into guest RAM
// or the on-chip RAM, DSP writes to start them, the core's timers under the test's control.
// Built on test/helpers/core-harness.

import { createHash } from 'node:crypto';
import { loadCore, type BlockImage, type CompletionMode, type CoreHarness } from '../helpers/core-harness.js';
import { IRQ_PCI_INTA, SPACE_BAR0, type CoreImports } from '../../src/workers/common/core-abi.js';
import { encodeScsiConfig, type ScsiChip, type ScsiTargetConfig } from '../../src/workers/scsi/config.js';
import type { Script } from './scsi-assembler.js';

/** Operating register offsets (LSI53C895A data manual chapter 5). */
export const R = {
  SCNTL0: 0x00, SCNTL1: 0x01, SCNTL2: 0x02, SCNTL3: 0x03, SCID: 0x04, SXFER: 0x05, SDID: 0x06, GPREG: 0x07,
  SFBR: 0x08, SOCL: 0x09, SSID: 0x0a, SBCL: 0x0b, DSTAT: 0x0c, SSTAT0: 0x0d, SSTAT1: 0x0e, SSTAT2: 0x0f,
  DSA: 0x10, ISTAT: 0x14, ISTAT1: 0x15, MBOX0: 0x16, MBOX1: 0x17, CTEST0: 0x18, CTEST1: 0x19, CTEST2: 0x1a,
  CTEST3: 0x1b, TEMP: 0x1c, DFIFO: 0x20, CTEST4: 0x21, CTEST5: 0x22, CTEST6: 0x23, DBC: 0x24, DCMD: 0x27,
  DNAD: 0x28, DSP: 0x2c, DSPS: 0x30, SCRATCHA: 0x34, DMODE: 0x38, DIEN: 0x39, SBR: 0x3a, DCNTL: 0x3b,
  ADDER: 0x3c, SIEN0: 0x40, SIEN1: 0x41, SIST0: 0x42, SIST1: 0x43, SLPAR: 0x44, SWIDE: 0x45, MACNTL: 0x46,
  GPCNTL: 0x47, STIME0: 0x48, STIME1: 0x49, RESPID0: 0x4a, RESPID1: 0x4b, STEST0: 0x4c, STEST1: 0x4d,
  STEST2: 0x4e, STEST3: 0x4f, SIDL: 0x50, STEST4: 0x52, SODL: 0x54, CCNTL0: 0x56, CCNTL1: 0x57, SBDL: 0x58,
  SCRATCHB: 0x5c, SCRATCHC: 0x60, MMRS: 0xa0, MMWS: 0xa4, SFS: 0xa8, DRS: 0xac, SBMS: 0xb0, DBMS: 0xb4,
  DNAD64: 0xb8, PMJAD1: 0xc0, PMJAD2: 0xc4, RBC: 0xc8, UA: 0xcc, ESA: 0xd0, IA: 0xd4, SBC: 0xd8, CSBC: 0xdc,
} as const;

export const ISTAT = { ABRT: 0x80, SRST: 0x40, SIGP: 0x20, SEM: 0x10, CON: 0x08, INTF: 0x04, SIP: 0x02, DIP: 0x01 } as const;
export const DSTAT = { DFE: 0x80, MDPE: 0x40, BF: 0x20, ABRT: 0x10, SSI: 0x08, SIR: 0x04, IID: 0x01 } as const;
export const SIST0 = { MA: 0x80, CMP: 0x40, SEL: 0x20, RSL: 0x10, SGE: 0x08, UDC: 0x04, RST: 0x02, PAR: 0x01 } as const;
export const SIST1 = { SBMC: 0x10, STO: 0x04, GEN: 0x02, HTH: 0x01 } as const;

export const SPACE_IO = SPACE_BAR0;
export const SPACE_MMIO = SPACE_BAR0 + 1;
export const SPACE_RAM = SPACE_BAR0 + 2;
/** Where the tests place the SCRIPTS RAM BAR. */
export const RAM_BAR = 0xfebf0000;
export const TIMER_SCRIPTS = 0;
export const TIMER_GENERAL = 1;

/** A test target (the controller's mock) at drive `drive` with `sectors` sectors. */
export function testTarget(sectors: number, drive = 0, extra: Partial<ScsiTargetConfig> = {}): ScsiTargetConfig {
  return { kind: 'test', readOnly: false, drive, sectors, serial: `T${drive}`, vendor: 'HVMIO', product: 'TEST', revision: '1', ...extra };
}

export function diskTarget(sectors: number, drive = 0, extra: Partial<ScsiTargetConfig> = {}): ScsiTargetConfig {
  return { kind: 'disk', readOnly: false, drive, sectors, serial: `D${drive}`, ...extra };
}

export interface LsiRigOptions {
  targets?: (ScsiTargetConfig | null)[];
  images?: Record<number, BlockImage>;
  completion?: CompletionMode;
  ramBytes?: number;
  imports?: Partial<CoreImports>;
  /** Leave PCI bus mastering off. */
  noBusMaster?: boolean;
  /** The QEMU-model behaviours SeaBIOS needs (config flag); the tests default to strict SPI. */
  firmwareQuirks?: boolean;
  /** The chip the core presents (default the 895A). */
  chip?: ScsiChip;
}

export class LsiRig {
  /** Armed timers: id -> ns. */
  readonly timers = new Map<number, bigint>();

  private constructor(readonly h: CoreHarness) {}

  static async create(opts: LsiRigOptions = {}): Promise<LsiRig> {
    let rig: LsiRig | null = null;
    const h = await loadCore('scsi', {
      ramBytes: opts.ramBytes ?? 4 * 1024 * 1024,
      images: opts.images ?? {},
      completion: opts.completion ?? 'manual',
      imports: {
        timer_arm(id, ns) {
          if (ns < 0n) rig?.timers.delete(id);
          else rig?.timers.set(id, ns);
        },
        ...opts.imports,
      },
    });
    rig = new LsiRig(h);
    const rc = h.init(encodeScsiConfig({ targets: opts.targets ?? [], firmwareQuirks: opts.firmwareQuirks ?? false, chip: opts.chip }));
    if (rc !== 0) throw new Error(`init returned ${rc}`);
    h.core.reset(0);
    if (!opts.noBusMaster) rig.config(0x04, 2, 0x0007);
    rig.config(0x18, 4, RAM_BAR);
    return rig;
  }

  get core() {
    return this.h.core;
  }

  get ram(): Uint8Array {
    return this.h.ram;
  }

  config(offset: number, size: number, value: number): void {
    this.core.pci_config_write(offset, size, value);
  }

  read(offset: number, size: 1 | 2 | 4 = 1, space = SPACE_IO): number {
    return Number(this.core.io_read(space, BigInt(offset), size));
  }

  write(offset: number, value: number, size: 1 | 2 | 4 = 1, space = SPACE_IO): void {
    this.core.io_write(space, BigInt(offset), size, BigInt(value >>> 0));
  }

  read32(offset: number): number {
    return this.read(offset, 4) >>> 0;
  }

  write32(offset: number, value: number): void {
    this.write(offset, value, 4);
  }

  irq(): boolean {
    return this.h.irq(IRQ_PCI_INTA) === 1;
  }

  /** Puts an assembled script where it lives: guest RAM, or SCRIPTS RAM through BAR2. */
  load(script: Script): void {
    const bytes = script.assemble();
    if (script.base >= RAM_BAR && script.base < RAM_BAR + 8192) {
      const view = new DataView(bytes.buffer);
      for (let i = 0; i < bytes.length; i += 4) {
        this.core.io_write(SPACE_RAM, BigInt(script.base - RAM_BAR + i), 4, BigInt(view.getUint32(i, true)));
      }
    } else {
      this.ram.set(bytes, script.base);
    }
  }

  /** Starts SCRIPTS at `addr` (a DSP write), then lets yields run to their end. */
  start(addr: number, opts: { drain?: boolean } = {}): void {
    this.write32(R.DSP, addr);
    if (opts.drain !== false) this.drainYields();
  }

  /** Fires the SCRIPTS yield timer until the processor stops asking (bounded). */
  drainYields(limit = 10_000): number {
    let n = 0;
    while (this.timers.has(TIMER_SCRIPTS)) {
      if (++n > limit) throw new Error('SCRIPTS keep yielding');
      this.timers.delete(TIMER_SCRIPTS);
      this.core.timer_fired(TIMER_SCRIPTS);
    }
    return n;
  }

  /** Serves and completes every pending block request, then lets SCRIPTS run on. */
  flushIo(): number {
    const n = this.h.flush();
    this.drainYields();
    return n;
  }

  running(): boolean {
    return (this.read(R.ISTAT1) & 0x02) !== 0;
  }

  putDword(addr: number, value: number): void {
    new DataView(this.ram.buffer).setUint32(addr, value >>> 0, true);
  }

  dword(addr: number): number {
    return new DataView(this.ram.buffer).getUint32(addr, true);
  }

  putBytes(addr: number, bytes: ArrayLike<number>): void {
    this.ram.set(bytes, addr);
  }

  bytes(addr: number, len: number): Uint8Array {
    return this.ram.slice(addr, addr + len);
  }
}

export function md5(...parts: Uint8Array[]): string {
  const h = createHash('md5');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}
