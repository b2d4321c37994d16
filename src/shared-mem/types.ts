// Value types that say what a number is. Branded so that a port cannot be passed where a
// guest-physical address is expected without an explicit, visible conversion.

declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

/** Guest-physical address (may exceed 4 GiB; JS numbers are exact up to 2^53). */
export type GuestPhysAddr = Brand<number, 'GuestPhysAddr'>;
/** Logical block address in 512-byte units. */
export type Lba = Brand<number, 'Lba'>;
/** An x86 I/O port number (0..0xffff). */
export type IoPort = Brand<number, 'IoPort'>;
/** Byte offset inside a PCI function's configuration space (0..255 conventional). */
export type PciConfigOffset = Brand<number, 'PciConfigOffset'>;
/** Offset into a device core's WASM linear memory. */
export type CorePtr = Brand<number, 'CorePtr'>;
/** Bytes per access: 1, 2, 4 or 8. */
export type AccessSize = 1 | 2 | 4 | 8;

export const gpa = (n: number): GuestPhysAddr => n as GuestPhysAddr;
export const lba = (n: number): Lba => n as Lba;
export const ioPort = (n: number): IoPort => n as IoPort;
export const cfgOffset = (n: number): PciConfigOffset => n as PciConfigOffset;
export const corePtr = (n: number): CorePtr => n as CorePtr;

export const SECTOR_SIZE = 512;
