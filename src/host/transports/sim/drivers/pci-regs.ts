// Type-0 configuration header offsets and bits a BIOS and a driver use
// (PCI Local Bus Specification 3.0, sections 6.1-6.2 and 6.2.5).

export const PCI_VENDOR_ID = 0x00;
export const PCI_DEVICE_ID = 0x02;
export const PCI_COMMAND = 0x04;
export const PCI_STATUS = 0x06;
/** Revision at 0x08, then programming interface, sub-class and base class at 0x09..0x0b. */
export const PCI_CLASS_REVISION = 0x08;
export const PCI_HEADER_TYPE = 0x0e;
export const PCI_BAR0 = 0x10;
export const PCI_BAR_COUNT = 6;
export const PCI_ROM_ADDRESS = 0x30;
export const PCI_INTERRUPT_LINE = 0x3c;
export const PCI_INTERRUPT_PIN = 0x3d;

export const PCI_COMMAND_IO = 1 << 0;
export const PCI_COMMAND_MEMORY = 1 << 1;
export const PCI_COMMAND_MASTER = 1 << 2;

/** Header type bit 7: the device implements functions 1..7 as well (6.2.1). */
export const PCI_HEADER_MULTI_FUNCTION = 0x80;
export const PCI_HEADER_LAYOUT_MASK = 0x7f;
export const PCI_HEADER_LAYOUT_NORMAL = 0;

/** BAR bit 0: I/O space indicator (6.2.5.1). */
export const PCI_BAR_SPACE_IO = 0x1;
export const PCI_BAR_IO_MASK = 0xfffffffc;
export const PCI_BAR_MEM_MASK = 0xfffffff0;
/** Memory BAR bits 2:1: 00 = 32-bit, 10 = 64-bit. */
export const PCI_BAR_MEM_TYPE_MASK = 0x6;
export const PCI_BAR_MEM_TYPE_64 = 0x4;
export const PCI_BAR_MEM_PREFETCH = 0x8;

/** Expansion ROM BAR: address bits 31:11, enable bit 0 (6.2.5.2). */
export const PCI_ROM_ADDRESS_MASK = 0xfffff800;
export const PCI_ROM_ENABLE = 0x1;

/** Vendor ID an absent function reads back as (the bus master-aborts and returns all-ones). */
export const PCI_VENDOR_ABSENT = 0xffff;

export const PCI_CLASS_STORAGE_IDE = 0x0101;

/** Packs bus/device/function the way the bridge and Xen name a function. */
export function makeBdf(bus: number, device: number, fn: number): number {
  return ((bus & 0xff) << 8) | ((device & 0x1f) << 3) | (fn & 0x7);
}

export function formatBdf(bdf: number): string {
  const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');
  return `${hex(bdf >> 8, 2)}:${hex((bdf >> 3) & 0x1f, 2)}.${bdf & 7}`;
}
