// What a PC BIOS (SeaBIOS pciinit.c, in spirit) does before any driver runs: find every
// function on bus 0, size its BARs, place them in the I/O and MMIO windows, route its
// interrupt, enable decoding and bus mastering, and apply chipset quirks such as PIIX IDE's
// decode enables. The result is the table a kernel's PCI core would build on top.

import type { GuestBus } from '../guest-bus.js';
import { PciConfigAccess } from './pci-config-access.js';
import {
  PCI_BAR0,
  PCI_BAR_COUNT,
  PCI_BAR_IO_MASK,
  PCI_BAR_MEM_MASK,
  PCI_BAR_MEM_PREFETCH,
  PCI_BAR_MEM_TYPE_64,
  PCI_BAR_MEM_TYPE_MASK,
  PCI_BAR_SPACE_IO,
  PCI_CLASS_REVISION,
  PCI_CLASS_STORAGE_IDE,
  PCI_COMMAND,
  PCI_COMMAND_IO,
  PCI_COMMAND_MASTER,
  PCI_COMMAND_MEMORY,
  PCI_DEVICE_ID,
  PCI_HEADER_LAYOUT_MASK,
  PCI_HEADER_LAYOUT_NORMAL,
  PCI_HEADER_MULTI_FUNCTION,
  PCI_HEADER_TYPE,
  PCI_INTERRUPT_LINE,
  PCI_INTERRUPT_PIN,
  PCI_ROM_ADDRESS,
  PCI_ROM_ADDRESS_MASK,
  PCI_VENDOR_ABSENT,
  PCI_VENDOR_ID,
  formatBdf,
  makeBdf,
} from './pci-regs.js';

export type PciBarKind = 'io' | 'mem32' | 'mem64';

export interface PciBarInfo {
  index: number;
  kind: PciBarKind;
  prefetchable: boolean;
  /** Bytes decoded; a power of two. */
  size: number;
  /** Address the BIOS assigned (or moveBar moved it to). */
  address: number;
}

export interface PciRomInfo {
  size: number;
  /** Assigned address; the ROM is left disabled (bit 0 clear) as a BIOS does after running it. */
  address: number;
}

export interface PciFunctionInfo {
  bdf: number;
  bus: number;
  device: number;
  fn: number;
  vendorId: number;
  deviceId: number;
  revision: number;
  /** Base class << 16 | sub-class << 8 | programming interface. */
  classCode: number;
  baseClass: number;
  subClass: number;
  progIf: number;
  headerType: number;
  multiFunction: boolean;
  /** 0 = none, 1..4 = INTA#..INTD#. */
  interruptPin: number;
  /** What the BIOS wrote to 0x3C (the platform's line for the pin), or null without a pin. */
  interruptLine: number | null;
  bars: PciBarInfo[];
  rom: PciRomInfo | null;
  /** COMMAND as left after enumeration. */
  command: number;
}

export interface PciBiosOptions {
  /** The platform's routing of a function's INTA#; a BIOS writes it to 0x3C. */
  intxLine?: (bdf: number) => number;
  bus?: number;
  /** I/O window for BARs: SeaBIOS starts at 0xC000, below the 64 KiB port space end. */
  ioWindow?: { base: number; limit: number };
  /** MMIO window for BARs and ROMs, below the IOAPIC/LAPIC range at 0xFEC00000. */
  mmioWindow?: { base: number; limit: number };
}

const DEFAULT_IO_WINDOW = { base: 0xc000, limit: 0x10000 };
const DEFAULT_MMIO_WINDOW = { base: 0xe0000000, limit: 0xfec00000 };
const DEVICES_PER_BUS = 32;
const FUNCTIONS_PER_DEVICE = 8;

/** PIIX/PIIX3/PIIX4 IDE functions (8086:1230, 8086:7010, 8086:7111). */
const PIIX_IDE_DEVICE_IDS = new Set([0x1230, 0x7010, 0x7111]);
const INTEL_VENDOR_ID = 0x8086;
/** IDETIM primary/secondary (PIIX3 datasheet 2.3.12); bit 15 = IDE decode enable. */
export const PIIX_IDETIM_PRIMARY = 0x40;
export const PIIX_IDETIM_SECONDARY = 0x42;
export const PIIX_IDETIM_DECODE_ENABLE = 0x8000;

export class PciBios {
  readonly config: PciConfigAccess;
  private table: PciFunctionInfo[] = [];
  private readonly busNumber: number;
  private readonly ioWindow: { base: number; limit: number };
  private readonly mmioWindow: { base: number; limit: number };

  constructor(
    private readonly bus: GuestBus,
    private readonly opts: PciBiosOptions = {},
  ) {
    this.config = new PciConfigAccess(bus);
    this.busNumber = opts.bus ?? 0;
    this.ioWindow = opts.ioWindow ?? DEFAULT_IO_WINDOW;
    this.mmioWindow = opts.mmioWindow ?? DEFAULT_MMIO_WINDOW;
  }

  get functions(): readonly PciFunctionInfo[] {
    return this.table;
  }

  byBdf(bdf: number): PciFunctionInfo {
    const f = this.table.find((x) => x.bdf === bdf);
    if (!f) throw new Error(`no PCI function ${formatBdf(bdf)} was enumerated`);
    return f;
  }

  /** Scans, sizes, assigns and enables; returns the function table. */
  async enumerate(): Promise<PciFunctionInfo[]> {
    const found: { info: PciFunctionInfo; originalCommand: number }[] = [];
    for (let device = 0; device < DEVICES_PER_BUS; device++) {
      const fn0 = makeBdf(this.busNumber, device, 0);
      if ((await this.config.read(fn0, PCI_VENDOR_ID, 2)) === PCI_VENDOR_ABSENT) continue;
      const multi = ((await this.config.read(fn0, PCI_HEADER_TYPE, 1)) & PCI_HEADER_MULTI_FUNCTION) !== 0;
      for (let fn = 0; fn < (multi ? FUNCTIONS_PER_DEVICE : 1); fn++) {
        const bdf = makeBdf(this.busNumber, device, fn);
        if ((await this.config.read(bdf, PCI_VENDOR_ID, 2)) === PCI_VENDOR_ABSENT) continue;
        found.push(await this.probeFunction(bdf));
      }
    }
    this.assignAddresses(found.map((f) => f.info));
    for (const f of found) await this.programFunction(f.info, f.originalCommand);
    this.table = found.map((f) => f.info);
    return this.table;
  }

  /**
   * Moves one BAR, the way a kernel does when it reassigns resources: decoding of that
   * space is switched off while the (possibly two-dword) address is half written.
   */
  async moveBar(bdf: number, barIndex: number, newAddress: number): Promise<void> {
    const info = this.byBdf(bdf);
    const bar = info.bars.find((b) => b.index === barIndex);
    if (!bar) throw new Error(`${formatBdf(bdf)} has no BAR${barIndex}`);
    if (newAddress % bar.size !== 0) {
      throw new RangeError(`BAR${barIndex} (${bar.size} bytes) cannot sit at unaligned 0x${newAddress.toString(16)}`);
    }
    const decodeBit = bar.kind === 'io' ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY;
    const command = await this.config.read(bdf, PCI_COMMAND, 2);
    await this.config.write(bdf, PCI_COMMAND, 2, command & ~decodeBit);
    await this.writeBarAddress(bdf, bar, newAddress);
    await this.config.write(bdf, PCI_COMMAND, 2, command);
    bar.address = newAddress;
  }

  /** Reads a BAR's current address back from the function (e.g. after a device restart). */
  async readBarAddress(bdf: number, barIndex: number): Promise<number> {
    const raw = await this.config.read(bdf, PCI_BAR0 + 4 * barIndex, 4);
    if (raw & PCI_BAR_SPACE_IO) return (raw & PCI_BAR_IO_MASK) >>> 0;
    let address = (raw & PCI_BAR_MEM_MASK) >>> 0;
    if ((raw & PCI_BAR_MEM_TYPE_MASK) === PCI_BAR_MEM_TYPE_64 && barIndex < PCI_BAR_COUNT - 1) {
      address += (await this.config.read(bdf, PCI_BAR0 + 4 * (barIndex + 1), 4)) * 2 ** 32;
    }
    return address;
  }

  private async probeFunction(bdf: number): Promise<{ info: PciFunctionInfo; originalCommand: number }> {
    const cfg = this.config;
    const classRev = await cfg.read(bdf, PCI_CLASS_REVISION, 4);
    const headerType = await cfg.read(bdf, PCI_HEADER_TYPE, 1);
    const interruptPin = await cfg.read(bdf, PCI_INTERRUPT_PIN, 1);
    const info: PciFunctionInfo = {
      bdf,
      bus: bdf >> 8,
      device: (bdf >> 3) & 0x1f,
      fn: bdf & 7,
      vendorId: await cfg.read(bdf, PCI_VENDOR_ID, 2),
      deviceId: await cfg.read(bdf, PCI_DEVICE_ID, 2),
      revision: classRev & 0xff,
      classCode: classRev >>> 8,
      baseClass: classRev >>> 24,
      subClass: (classRev >>> 16) & 0xff,
      progIf: (classRev >>> 8) & 0xff,
      headerType,
      multiFunction: (headerType & PCI_HEADER_MULTI_FUNCTION) !== 0,
      interruptPin,
      interruptLine: null,
      bars: [],
      rom: null,
      command: 0,
    };
    const originalCommand = await cfg.read(bdf, PCI_COMMAND, 2);
    // Only ordinary (type 0) headers have six BARs at 0x10; bridges are not configured here.
    if ((headerType & PCI_HEADER_LAYOUT_MASK) !== PCI_HEADER_LAYOUT_NORMAL) return { info, originalCommand };

    // Sizing writes all-ones into the BARs; with decoding on, the function would briefly
    // claim addresses it does not own (Linux __pci_read_base switches decoding off too).
    await cfg.write(bdf, PCI_COMMAND, 2, originalCommand & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
    for (let index = 0; index < PCI_BAR_COUNT; index++) {
      const bar = await this.sizeBar(bdf, index);
      if (!bar) continue;
      info.bars.push(bar);
      if (bar.kind === 'mem64') index++; // the upper half occupies the next BAR slot
    }
    info.rom = await this.sizeRom(bdf);
    return { info, originalCommand };
  }

  /** Writes all-ones, reads the mask back and restores the original (6.2.5.1). */
  private async sizeBar(bdf: number, index: number): Promise<PciBarInfo | null> {
    const reg = PCI_BAR0 + 4 * index;
    const original = await this.config.read(bdf, reg, 4);
    await this.config.write(bdf, reg, 4, 0xffffffff);
    const mask = await this.config.read(bdf, reg, 4);
    await this.config.write(bdf, reg, 4, original);
    if (mask === 0 || mask === 0xffffffff) return null; // unimplemented (or an absent function)

    if (mask & PCI_BAR_SPACE_IO) {
      let addrMask = (mask & PCI_BAR_IO_MASK) >>> 0;
      // Upper 16 bits of an I/O BAR may be hardwired to zero on x86 (64 KiB port space).
      if ((addrMask & 0xffff0000) === 0) addrMask = (addrMask | 0xffff0000) >>> 0;
      const size = lowestSetBit(addrMask);
      if (size === 0) return null;
      return { index, kind: 'io', prefetchable: false, size, address: 0 };
    }

    const prefetchable = (mask & PCI_BAR_MEM_PREFETCH) !== 0;
    const is64 = (mask & PCI_BAR_MEM_TYPE_MASK) === PCI_BAR_MEM_TYPE_64;
    const lowMask = (mask & PCI_BAR_MEM_MASK) >>> 0;
    if (!is64) {
      const size = lowestSetBit(lowMask);
      return size === 0 ? null : { index, kind: 'mem32', prefetchable, size, address: 0 };
    }
    if (index === PCI_BAR_COUNT - 1) return null; // a 64-bit BAR cannot start in the last slot
    const highReg = reg + 4;
    const highOriginal = await this.config.read(bdf, highReg, 4);
    await this.config.write(bdf, highReg, 4, 0xffffffff);
    const highMask = await this.config.read(bdf, highReg, 4);
    await this.config.write(bdf, highReg, 4, highOriginal);
    const size = lowMask !== 0 ? lowestSetBit(lowMask) : lowestSetBit(highMask) * 2 ** 32;
    return size === 0 ? null : { index, kind: 'mem64', prefetchable, size, address: 0 };
  }

  private async sizeRom(bdf: number): Promise<PciRomInfo | null> {
    const original = await this.config.read(bdf, PCI_ROM_ADDRESS, 4);
    await this.config.write(bdf, PCI_ROM_ADDRESS, 4, PCI_ROM_ADDRESS_MASK);
    const mask = (await this.config.read(bdf, PCI_ROM_ADDRESS, 4)) & PCI_ROM_ADDRESS_MASK;
    await this.config.write(bdf, PCI_ROM_ADDRESS, 4, original);
    const size = lowestSetBit(mask >>> 0);
    return size === 0 ? null : { size, address: 0 };
  }

  /** Largest first, each aligned to its size: the packing SeaBIOS uses, with no overlaps. */
  private assignAddresses(functions: PciFunctionInfo[]): void {
    type Slot = { size: number; place: (address: number) => void };
    const io: Slot[] = [];
    const mem: Slot[] = [];
    for (const f of functions) {
      for (const bar of f.bars) {
        (bar.kind === 'io' ? io : mem).push({ size: bar.size, place: (a) => (bar.address = a) });
      }
      const rom = f.rom;
      if (rom) mem.push({ size: rom.size, place: (a) => (rom.address = a) });
    }
    placeInWindow(io, this.ioWindow, 'I/O');
    placeInWindow(mem, this.mmioWindow, 'MMIO');
  }

  private async programFunction(info: PciFunctionInfo, originalCommand: number): Promise<void> {
    const { bdf } = info;
    for (const bar of info.bars) await this.writeBarAddress(bdf, bar, bar.address);
    if (info.rom) await this.config.write(bdf, PCI_ROM_ADDRESS, 4, info.rom.address);

    if (info.interruptPin !== 0 && this.opts.intxLine) {
      const line = this.opts.intxLine(bdf);
      await this.config.write(bdf, PCI_INTERRUPT_LINE, 1, line);
      info.interruptLine = line;
    }

    let command = originalCommand;
    const isIde = info.classCode >>> 8 === PCI_CLASS_STORAGE_IDE;
    // Compatibility-mode IDE decodes the ISA ports without any BAR, gated by COMMAND.IO.
    if (isIde || info.bars.some((b) => b.kind === 'io')) command |= PCI_COMMAND_IO;
    if (info.rom || info.bars.some((b) => b.kind !== 'io')) command |= PCI_COMMAND_MEMORY;
    if (info.bars.length > 0 || isIde) command |= PCI_COMMAND_MASTER;
    await this.config.write(bdf, PCI_COMMAND, 2, command);
    info.command = await this.config.read(bdf, PCI_COMMAND, 2);

    if (info.vendorId === INTEL_VENDOR_ID && PIIX_IDE_DEVICE_IDS.has(info.deviceId)) {
      // SeaBIOS piix_ide_setup: turn on both channels' decode (IDETIM bit 15); ata_piix
      // refuses to probe a channel whose enable bit is clear.
      await this.config.write(bdf, PIIX_IDETIM_PRIMARY, 2, PIIX_IDETIM_DECODE_ENABLE);
      await this.config.write(bdf, PIIX_IDETIM_SECONDARY, 2, PIIX_IDETIM_DECODE_ENABLE);
    }
  }

  private async writeBarAddress(bdf: number, bar: PciBarInfo, address: number): Promise<void> {
    const reg = PCI_BAR0 + 4 * bar.index;
    await this.config.write(bdf, reg, 4, address % 2 ** 32);
    if (bar.kind === 'mem64') await this.config.write(bdf, reg + 4, 4, Math.floor(address / 2 ** 32));
  }
}

/** Convenience: enumerate bus 0 and return the table. */
export async function enumeratePci(bus: GuestBus, opts: PciBiosOptions = {}): Promise<{ bios: PciBios; functions: PciFunctionInfo[] }> {
  const bios = new PciBios(bus, opts);
  const functions = await bios.enumerate();
  return { bios, functions };
}

function lowestSetBit(mask: number): number {
  return mask === 0 ? 0 : (mask & -mask) >>> 0;
}

function placeInWindow(
  slots: { size: number; place: (address: number) => void }[],
  window: { base: number; limit: number },
  what: string,
): void {
  let next = window.base;
  for (const slot of [...slots].sort((a, b) => b.size - a.size)) {
    const address = Math.ceil(next / slot.size) * slot.size;
    if (address + slot.size > window.limit) {
      throw new Error(`PCI ${what} window 0x${window.base.toString(16)}-0x${window.limit.toString(16)} is full`);
    }
    slot.place(address);
    next = address + slot.size;
  }
}
