// What the IDE unit tests use to talk to the core the way a guest driver does: port I/O on
// the command/control blocks (legacy ports or native BARs), bus master registers, PRD
// tables in guest RAM, and ATA/ATAPI command sequences. Built on test/helpers/core-harness.

import { loadCore, type BlockImage, type CompletionMode, type CoreHarness } from '../helpers/core-harness.js';
import {
  IRQ_PCI_INTA,
  SPACE_BAR0,
  SPACE_LEGACY_IO,
  type CoreImports,
} from '../../src/workers/common/core-abi.js';
import { encodeIdeConfig, type IdeDriveConfig } from '../../src/workers/ide/config.js';

export const REG = {
  DATA: 0,
  ERROR: 1,
  FEATURE: 1,
  COUNT: 2,
  LBA_LOW: 3,
  LBA_MID: 4,
  LBA_HIGH: 5,
  DEVICE: 6,
  STATUS: 7,
  COMMAND: 7,
} as const;

export const ST = { BSY: 0x80, DRDY: 0x40, DSC: 0x10, DRQ: 0x08, ERR: 0x01 } as const;
export const ERR = { UNC: 0x40, IDNF: 0x10, ABRT: 0x04 } as const;
export const CTL = { HOB: 0x80, SRST: 0x04, NIEN: 0x02 } as const;
export const BM = { CMD: 0, STATUS: 2, PRD: 4, START: 0x01, TO_MEMORY: 0x08, ACTIVE: 0x01, ERROR: 0x02, INTR: 0x04 } as const;

export const ATA = {
  READ_SECTORS: 0x20,
  READ_SECTORS_EXT: 0x24,
  READ_DMA_EXT: 0x25,
  READ_NATIVE_MAX_EXT: 0x27,
  READ_MULTIPLE_EXT: 0x29,
  WRITE_SECTORS: 0x30,
  WRITE_SECTORS_EXT: 0x34,
  WRITE_DMA_EXT: 0x35,
  WRITE_MULTIPLE_EXT: 0x39,
  READ_VERIFY: 0x40,
  READ_VERIFY_EXT: 0x42,
  DIAGNOSTIC: 0x90,
  INIT_PARAMS: 0x91,
  PACKET: 0xa0,
  IDENTIFY_PACKET: 0xa1,
  READ_MULTIPLE: 0xc4,
  WRITE_MULTIPLE: 0xc5,
  SET_MULTIPLE: 0xc6,
  READ_DMA: 0xc8,
  WRITE_DMA: 0xca,
  STANDBY_IMMEDIATE: 0xe0,
  IDLE_IMMEDIATE: 0xe1,
  CHECK_POWER_MODE: 0xe5,
  FLUSH_CACHE: 0xe7,
  FLUSH_CACHE_EXT: 0xea,
  IDENTIFY: 0xec,
  SET_FEATURES: 0xef,
  READ_NATIVE_MAX: 0xf8,
  DEVICE_RESET: 0x08,
} as const;

export const LEGACY_BASE = [0x1f0, 0x170] as const;
export const LEGACY_CONTROL = [0x3f6, 0x376] as const;
const BAR4 = SPACE_BAR0 + 4;

export function disk(sectors: number, extra: Partial<IdeDriveConfig> = {}): IdeDriveConfig {
  return { media: 'disk', readOnly: false, sectors, serial: 'SN-DISK-0001', model: 'HVMIO HARDDISK', ...extra };
}

export function cdrom(sectors: number, extra: Partial<IdeDriveConfig> = {}): IdeDriveConfig {
  return { media: 'cdrom', readOnly: true, sectors, serial: 'SN-CD-0001', model: 'HVMIO DVD-ROM', ...extra };
}

export interface CommandArgs {
  lba?: number;
  count?: number;
  feature?: number;
  lba48?: boolean;
  /** Device register value without the DEV bit; default LBA mode (0x40 | lba bits 27:24). */
  device?: number;
}

export interface RigOptions {
  mode?: 'legacy' | 'native';
  drives: (IdeDriveConfig | null)[];
  images?: Record<number, BlockImage>;
  ramBytes?: number;
  completion?: CompletionMode;
  imports?: Partial<CoreImports>;
  /** Enable PCI bus mastering and the IDETIM decode bits, as firmware does (default true). */
  firmwareSetup?: boolean;
}

export class IdeRig {
  private constructor(
    readonly h: CoreHarness,
    readonly mode: 'legacy' | 'native',
  ) {}

  static async create(opts: RigOptions): Promise<IdeRig> {
    const h = await loadCore('ide', {
      images: opts.images,
      ramBytes: opts.ramBytes,
      completion: opts.completion,
      imports: opts.imports,
    });
    const mode = opts.mode ?? 'legacy';
    const rc = h.init(encodeIdeConfig({ mode, drives: opts.drives }));
    if (rc !== 0) throw new Error(`init failed: ${rc}`);
    const rig = new IdeRig(h, mode);
    if (opts.firmwareSetup ?? true) rig.firmwareSetup();
    return rig;
  }

  /** What a BIOS does to the function (again after a reset): I/O and bus master enable in
   *  COMMAND, IDE decode enable in both IDETIM registers. */
  firmwareSetup(): void {
    this.core.pci_config_write(0x04, 2, 0x0005);
    this.core.pci_config_write(0x40, 4, 0x80008000);
  }

  get core() {
    return this.h.core;
  }

  // ---- raw register access
  private cmdRead(ch: number, reg: number, size: number): number {
    const v =
      this.mode === 'legacy'
        ? this.core.io_read(SPACE_LEGACY_IO, BigInt(LEGACY_BASE[ch]! + reg), size)
        : this.core.io_read(SPACE_BAR0 + ch * 2, BigInt(reg), size);
    return Number(v);
  }
  private cmdWrite(ch: number, reg: number, size: number, value: number): void {
    if (this.mode === 'legacy') this.core.io_write(SPACE_LEGACY_IO, BigInt(LEGACY_BASE[ch]! + reg), size, BigInt(value));
    else this.core.io_write(SPACE_BAR0 + ch * 2, BigInt(reg), size, BigInt(value));
  }
  inb(ch: number, reg: number): number {
    return this.cmdRead(ch, reg, 1);
  }
  outb(ch: number, reg: number, value: number): void {
    this.cmdWrite(ch, reg, 1, value);
  }
  inw(ch: number): number {
    return this.cmdRead(ch, 0, 2);
  }
  outw(ch: number, value: number): void {
    this.cmdWrite(ch, 0, 2, value);
  }
  inl(ch: number): number {
    return this.cmdRead(ch, 0, 4);
  }
  outl(ch: number, value: number): void {
    this.cmdWrite(ch, 0, 4, value >>> 0);
  }
  status(ch: number): number {
    return this.inb(ch, REG.STATUS);
  }
  error(ch: number): number {
    return this.inb(ch, REG.ERROR);
  }
  altStatus(ch: number): number {
    return this.mode === 'legacy'
      ? Number(this.core.io_read(SPACE_LEGACY_IO, BigInt(LEGACY_CONTROL[ch]!), 1))
      : Number(this.core.io_read(SPACE_BAR0 + ch * 2 + 1, 2n, 1));
  }
  control(ch: number, value: number): void {
    if (this.mode === 'legacy') this.core.io_write(SPACE_LEGACY_IO, BigInt(LEGACY_CONTROL[ch]!), 1, BigInt(value));
    else this.core.io_write(SPACE_BAR0 + ch * 2 + 1, 2n, 1, BigInt(value));
  }
  bmRead(ch: number, reg: number, size = 1): number {
    return Number(this.core.io_read(BAR4, BigInt(ch * 8 + reg), size));
  }
  bmWrite(ch: number, reg: number, value: number, size = 1): void {
    this.core.io_write(BAR4, BigInt(ch * 8 + reg), size, BigInt(value >>> 0));
  }

  // ---- interrupts
  irqLine(ch: number): number {
    return this.mode === 'legacy' ? 14 + ch : IRQ_PCI_INTA;
  }
  irq(ch: number): boolean {
    return this.h.irq(this.irqLine(ch)) === 1;
  }

  // ---- ATA sequences
  select(ch: number, unit: number, device = 0x40): void {
    this.outb(ch, REG.DEVICE, (device & ~0x10) | (unit ? 0x10 : 0));
  }

  /** Writes the task file the way libata does (HOB bytes first for 48-bit) and the command. */
  issue(ch: number, unit: number, opcode: number, args: CommandArgs = {}): void {
    const lba = args.lba ?? 0;
    const count = args.count ?? 1;
    const feature = args.feature ?? 0;
    const device = args.device ?? (0x40 | (args.lba48 ? 0 : Math.floor(lba / 2 ** 24) & 0x0f));
    this.select(ch, unit, device);
    if (args.lba48) {
      this.outb(ch, REG.FEATURE, (feature >> 8) & 0xff);
      this.outb(ch, REG.COUNT, (count >> 8) & 0xff);
      this.outb(ch, REG.LBA_LOW, Math.floor(lba / 2 ** 24) & 0xff);
      this.outb(ch, REG.LBA_MID, Math.floor(lba / 2 ** 32) & 0xff);
      this.outb(ch, REG.LBA_HIGH, Math.floor(lba / 2 ** 40) & 0xff);
    }
    this.outb(ch, REG.FEATURE, feature & 0xff);
    this.outb(ch, REG.COUNT, count & 0xff);
    this.outb(ch, REG.LBA_LOW, lba & 0xff);
    this.outb(ch, REG.LBA_MID, (lba >>> 8) & 0xff);
    this.outb(ch, REG.LBA_HIGH, (lba >>> 16) & 0xff);
    this.outb(ch, REG.COMMAND, opcode);
  }

  /** Reads `bytes` through the data port with 16-bit accesses. */
  readData(ch: number, bytes: number): Uint8Array {
    const out = new Uint8Array(bytes + (bytes & 1));
    for (let i = 0; i < out.length; i += 2) {
      const w = this.inw(ch);
      out[i] = w & 0xff;
      out[i + 1] = w >> 8;
    }
    return out.subarray(0, bytes);
  }

  writeData(ch: number, data: Uint8Array): void {
    for (let i = 0; i < data.length; i += 2) this.outw(ch, data[i]! | ((data[i + 1] ?? 0) << 8));
  }

  /** IDENTIFY (or IDENTIFY PACKET) data as 256 words. */
  identify(ch: number, unit: number, opcode: number = ATA.IDENTIFY): Uint16Array {
    this.issue(ch, unit, opcode);
    const bytes = this.readData(ch, 512);
    return new Uint16Array(bytes.buffer, bytes.byteOffset, 256);
  }

  // ---- guest memory
  /** Writes a PRD table at `at`; each entry is [address, bytes (65536 = 0 in the entry)]. */
  prdTable(at: number, entries: Array<[number, number]>, eotOnLast = true): number {
    const view = new DataView(this.h.ram.buffer);
    entries.forEach(([addr, bytes], i) => {
      view.setUint32(at + i * 8, addr, true);
      const eot = eotOnLast && i === entries.length - 1 ? 0x80000000 : 0;
      view.setUint32(at + i * 8 + 4, ((bytes & 0xffff) | eot) >>> 0, true);
    });
    return at;
  }

  /** Points channel `ch`'s bus master at a PRD table and sets direction (not start). */
  bmSetup(ch: number, table: number, toMemory: boolean): void {
    this.bmWrite(ch, BM.PRD, table, 4);
    this.bmWrite(ch, BM.CMD, toMemory ? BM.TO_MEMORY : 0);
  }

  bmStart(ch: number, toMemory: boolean): void {
    this.bmWrite(ch, BM.CMD, (toMemory ? BM.TO_MEMORY : 0) | BM.START);
  }

  bmStop(ch: number): void {
    this.bmWrite(ch, BM.CMD, 0);
  }

  // ---- ATAPI
  /** Sends PACKET with a CDB; `byteLimit` goes to LBA mid/high, `dma` sets features bit 0. */
  packet(ch: number, unit: number, cdb: number[], opts: { dma?: boolean; byteLimit?: number } = {}): void {
    const limit = opts.byteLimit ?? 0xfffe;
    this.select(ch, unit, 0);
    this.outb(ch, REG.FEATURE, opts.dma ? 1 : 0);
    this.outb(ch, REG.LBA_MID, limit & 0xff);
    this.outb(ch, REG.LBA_HIGH, limit >> 8);
    this.outb(ch, REG.COMMAND, ATA.PACKET);
    const packet = new Uint8Array(12);
    packet.set(cdb.slice(0, 12));
    this.writeData(ch, packet);
  }

  /** The byte count of the current ATAPI DRQ block. */
  byteCount(ch: number): number {
    return this.inb(ch, REG.LBA_MID) | (this.inb(ch, REG.LBA_HIGH) << 8);
  }

  /** Reads a whole ATAPI PIO data-in phase, DRQ block by DRQ block (bounded). */
  readAtapiPio(ch: number, maxBlocks = 10_000): { data: Uint8Array; blocks: number[] } {
    const chunks: Uint8Array[] = [];
    const blocks: number[] = [];
    for (let i = 0; i < maxBlocks; i++) {
      this.h.flush();
      const st = this.status(ch);
      if (!(st & ST.DRQ)) break;
      const n = this.byteCount(ch);
      blocks.push(n);
      chunks.push(this.readData(ch, n));
    }
    const data = new Uint8Array(chunks.reduce((s, c) => s + c.length, 0));
    let off = 0;
    for (const c of chunks) {
      data.set(c, off);
      off += c.length;
    }
    return { data, blocks };
  }
}

/** READ(10) CDB. */
export function read10(lba: number, blocks: number): number[] {
  return [0x28, 0, (lba >>> 24) & 0xff, (lba >>> 16) & 0xff, (lba >>> 8) & 0xff, lba & 0xff, 0, (blocks >> 8) & 0xff, blocks & 0xff, 0, 0, 0];
}

export function be16(b: Uint8Array, at: number): number {
  return (b[at]! << 8) | b[at + 1]!;
}

export function be32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

export function ascii(b: Uint8Array): string {
  return String.fromCharCode(...b);
}

/** An ATA IDENTIFY string (two characters per word, first in the high byte). */
export function identifyString(words: Uint16Array, first: number, count: number): string {
  let s = '';
  for (let i = first; i < first + count; i++) s += String.fromCharCode(words[i]! >> 8, words[i]! & 0xff);
  return s;
}
