// PCI configuration mechanism #1 (PCI Local Bus Spec 3.0, 3.2.2.3.2): write the enable bit,
// bus, device, function and dword register to CONFIG_ADDRESS (0xCF8), then access
// CONFIG_DATA (0xCFC..0xCFF) at the byte offset within that dword. Under Xen the hypervisor
// latches 0xCF8 and turns the data access into a PCI_CONFIG ioreq; the sim transport does the
// same, so this is exactly what a BIOS or kernel issues.

import type { GuestBus } from '../guest-bus.js';
import { ioPort } from '../../../../shared-mem/types.js';
import { AsyncMutex } from './async-mutex.js';

const CONFIG_ADDRESS = ioPort(0xcf8);
const CONFIG_DATA = 0xcfc;
const CONFIG_ENABLE = 0x80000000;

export type PciAccessSize = 1 | 2 | 4;

export class PciConfigAccess {
  /** The address/data pair must not interleave with another access (Linux: pci_lock). */
  private readonly lock = new AsyncMutex();

  constructor(private readonly bus: GuestBus) {}

  read(bdf: number, reg: number, size: PciAccessSize): Promise<number> {
    checkAlignment(reg, size);
    return this.lock.run(async () => {
      await this.bus.out(CONFIG_ADDRESS, 4, configAddress(bdf, reg));
      const value = await this.bus.in(ioPort(CONFIG_DATA + (reg & 3)), size);
      return value >>> 0;
    });
  }

  write(bdf: number, reg: number, size: PciAccessSize, value: number): Promise<void> {
    checkAlignment(reg, size);
    return this.lock.run(async () => {
      await this.bus.out(CONFIG_ADDRESS, 4, configAddress(bdf, reg));
      await this.bus.out(ioPort(CONFIG_DATA + (reg & 3)), size, value >>> 0);
    });
  }

  /** Read-modify-write of the bits in `mask`. */
  async update(bdf: number, reg: number, size: PciAccessSize, mask: number, bits: number): Promise<number> {
    const old = await this.read(bdf, reg, size);
    const next = ((old & ~mask) | (bits & mask)) >>> 0;
    if (next !== old) await this.write(bdf, reg, size, next);
    return next;
  }
}

function configAddress(bdf: number, reg: number): number {
  return (CONFIG_ENABLE | ((bdf & 0xffff) << 8) | (reg & 0xfc)) >>> 0;
}

/** Mechanism #1 cannot express an access that crosses a dword; such a call is a driver bug. */
function checkAlignment(reg: number, size: PciAccessSize): void {
  if (reg < 0 || reg > 0xff || (reg & (size - 1)) !== 0) {
    throw new RangeError(`misaligned PCI config access: ${size} bytes at 0x${reg.toString(16)}`);
  }
}
