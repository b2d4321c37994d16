// Bus 0 of the emulated platform: which function owns which port, MMIO range and config
// address. Routing tables are rebuilt whenever a guest moves a BAR or flips COMMAND decode
// bits, so a moved BAR moves the routing (PCI 3.0 6.2.5) with no stale window left behind.

import { SPACE_BAR0, SPACE_LEGACY_IO, SPACE_ROM } from '../../workers/common/core-abi.js';
import { CMD_IO, PciConfigSpace } from './config-space.js';
import type { PciIdentity } from './pci-identity.js';
import { validateIdentity } from './pci-identity.js';

/** bus << 8 | device << 3 | function, the SBDF encoding Xen's PCI_CONFIG ioreqs use (without segment). */
export type Bdf = number;

export const bdfOf = (bus: number, device: number, fn: number): Bdf => ((bus & 0xff) << 8) | ((device & 0x1f) << 3) | (fn & 7);

export interface PciFunction<D = unknown> {
  bdf: Bdf;
  id: string;
  identity: PciIdentity;
  config: PciConfigSpace;
  /** Whatever serves this function's accesses (the host side of a device worker). */
  device: D;
}

export interface Route<D> {
  fn: PciFunction<D>;
  /** SPACE_* the core sees. */
  space: number;
  /** Offset inside the BAR (or the absolute port/address for legacy spaces). */
  offset: number;
}

interface MmioWindow<D> {
  base: number;
  end: number; // exclusive
  fn: PciFunction<D>;
  space: number;
}

const NO_ROUTE = -1;

export class PciBus<D = unknown> {
  private readonly functions = new Map<Bdf, PciFunction<D>>();
  /** Port -> index into ioRoutes (or NO_ROUTE). 64 K entries: one lookup per PIO ioreq. */
  private readonly portTable = new Int16Array(0x10000).fill(NO_ROUTE);
  private ioRoutes: { fn: PciFunction<D>; space: number; base: number }[] = [];
  private mmio: MmioWindow<D>[] = [];

  add(bdf: Bdf, id: string, identity: PciIdentity, device: D): PciFunction<D> {
    validateIdentity(identity);
    if (this.functions.has(bdf)) throw new Error(`PCI slot ${formatBdf(bdf)} is already taken`);
    const fn: PciFunction<D> = { bdf, id, identity, config: new PciConfigSpace(identity), device };
    this.functions.set(bdf, fn);
    this.rebuildRouting();
    return fn;
  }

  remove(bdf: Bdf): void {
    this.functions.delete(bdf);
    this.rebuildRouting();
  }

  get(bdf: Bdf): PciFunction<D> | undefined {
    return this.functions.get(bdf);
  }

  all(): PciFunction<D>[] {
    return [...this.functions.values()].sort((a, b) => a.bdf - b.bdf);
  }

  routePio(port: number, size: number): Route<D> | null {
    if (port < 0 || port + size > 0x10000) return null;
    const idx = this.portTable[port]!;
    if (idx === NO_ROUTE || this.portTable[port + size - 1] !== idx) return null;
    const r = this.ioRoutes[idx]!;
    return { fn: r.fn, space: r.space, offset: r.space === SPACE_LEGACY_IO ? port : port - r.base };
  }

  routeMmio(addr: number, size: number): Route<D> | null {
    for (const w of this.mmio) {
      if (addr >= w.base && addr + size <= w.end) return { fn: w.fn, space: w.space, offset: addr - w.base };
    }
    return null;
  }

  /** Rebuilds port and MMIO maps from every function's current BARs and COMMAND register. */
  rebuildRouting(): void {
    this.portTable.fill(NO_ROUTE);
    this.ioRoutes = [];
    this.mmio = [];
    const claim = (fn: PciFunction<D>, space: number, base: number, size: number): void => {
      const idx = this.ioRoutes.length;
      this.ioRoutes.push({ fn, space, base });
      for (let p = base; p < base + size && p < 0x10000; p++) {
        // First claim wins, like subtractive decode on a real bus; overlaps are a guest error.
        if (this.portTable[p] === NO_ROUTE) this.portTable[p] = idx;
      }
    };
    for (const fn of this.all()) {
      const cmd = fn.config.command;
      if (cmd & CMD_IO) for (const r of fn.identity.legacyIo) claim(fn, SPACE_LEGACY_IO, r.base, r.size);
      for (const bar of fn.config.decodedBars()) {
        if (bar.kind === 'io') claim(fn, SPACE_BAR0 + bar.index, bar.base, bar.size);
        else this.mmio.push({ base: bar.base, end: bar.base + bar.size, fn, space: SPACE_BAR0 + bar.index });
      }
      const rom = fn.config.decodedRom();
      if (rom) this.mmio.push({ base: rom.base, end: rom.base + rom.size, fn, space: SPACE_ROM });
    }
  }
}

export function formatBdf(bdf: Bdf): string {
  const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');
  return `${hex(bdf >> 8, 2)}:${hex((bdf >> 3) & 0x1f, 2)}.${bdf & 7}`;
}
