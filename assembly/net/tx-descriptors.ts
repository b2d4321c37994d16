// Transmit descriptor formats (SDM 3.3): legacy (3.3.2), TCP/IP context (3.3.6) and
// TCP/IP data (3.3.7), and the offload context the context descriptors load. The 82540
// keeps the context of TSO frames apart from the one of checksum-only frames (a driver that
// interleaves them must not have one clobber the other; Linux reloads a context before every
// offloaded frame anyway).

import { GuestPhysAddr } from '../common/abi';

export const TX_DESCRIPTOR_SIZE: u32 = 16;

// Command bits (byte 11, legacy CMD / data DCMD / context TUCMD share these positions)
export const TXD_EOP: u32 = 1 << 0;
export const TXD_IFCS: u32 = 1 << 1;
export const TXD_IC: u32 = 1 << 2; // legacy: insert checksum
export const TXD_TSE: u32 = 1 << 2; // extended: TCP segmentation enable
export const TXD_RS: u32 = 1 << 3;
export const TXD_DEXT: u32 = 1 << 5;
export const TXD_VLE: u32 = 1 << 6;
export const TXD_IDE: u32 = 1 << 7;
// Context TUCMD
export const TUCMD_TCP: u32 = 1 << 0;
export const TUCMD_IP: u32 = 1 << 1; // IPv4 (else IPv6)
export const TUCMD_TSE: u32 = 1 << 2;
// Descriptor types (bits 23:20 of the length dword)
export const DTYP_CONTEXT: u32 = 0;
export const DTYP_DATA: u32 = 1;
// Data descriptor POPTS (byte 13)
export const POPTS_IXSM: u32 = 1 << 0;
export const POPTS_TXSM: u32 = 1 << 1;
/** Status DD (byte 12, SDM 3.3.3.2). */
export const TXD_STATUS_DD: u8 = 1;

/** A descriptor as read from the ring (core memory at `ptr`). */
@inline export function descriptorAddress(ptr: usize): GuestPhysAddr { return load<u64>(ptr); }
@inline export function descriptorLengthWord(ptr: usize): u32 { return load<u32>(ptr, 8); }
@inline export function descriptorUpperWord(ptr: usize): u32 { return load<u32>(ptr, 12); }
@inline export function descriptorCommand(ptr: usize): u32 { return <u32>load<u8>(ptr, 11); }
@inline export function isExtended(ptr: usize): bool { return (descriptorCommand(ptr) & TXD_DEXT) != 0; }
@inline export function extendedType(ptr: usize): u32 { return (descriptorLengthWord(ptr) >> 20) & 0xf; }

/** Legacy: 16-bit length; extended data: 20-bit DTALEN. */
export function bufferLength(ptr: usize): u32 {
  return isExtended(ptr) ? descriptorLengthWord(ptr) & 0xfffff : descriptorLengthWord(ptr) & 0xffff;
}
/** Legacy CSO (byte 10) and CSS (byte 13). */
@inline export function legacyChecksumOffset(ptr: usize): u32 { return <u32>load<u8>(ptr, 10); }
@inline export function legacyChecksumStart(ptr: usize): u32 { return <u32>load<u8>(ptr, 13); }
/** Data POPTS (byte 13). */
@inline export function dataOptions(ptr: usize): u32 { return <u32>load<u8>(ptr, 13); }
/** The VLAN tag of legacy and data descriptors (bytes 14-15). */
@inline export function descriptorSpecial(ptr: usize): u32 { return <u32>load<u16>(ptr, 14); }

export class OffloadContext {
  ipStart: u32 = 0; // IPCSS
  ipOffset: u32 = 0; // IPCSO
  ipEnd: u32 = 0; // IPCSE (inclusive; 0 = end of frame)
  l4Start: u32 = 0; // TUCSS
  l4Offset: u32 = 0; // TUCSO
  l4End: u32 = 0; // TUCSE (inclusive; 0 = end of frame)
  command: u32 = 0; // TUCMD
  headerLength: u32 = 0; // HDRLEN
  segmentSize: u32 = 0; // MSS

  clear(): void {
    this.ipStart = 0; this.ipOffset = 0; this.ipEnd = 0;
    this.l4Start = 0; this.l4Offset = 0; this.l4End = 0;
    this.command = 0; this.headerLength = 0; this.segmentSize = 0;
  }

  /** Loads a context descriptor (SDM 3.3.6). */
  load(ptr: usize): void {
    this.ipStart = <u32>load<u8>(ptr);
    this.ipOffset = <u32>load<u8>(ptr, 1);
    this.ipEnd = <u32>load<u16>(ptr, 2);
    this.l4Start = <u32>load<u8>(ptr, 4);
    this.l4Offset = <u32>load<u8>(ptr, 5);
    this.l4End = <u32>load<u16>(ptr, 6);
    this.command = descriptorCommand(ptr);
    this.headerLength = <u32>load<u8>(ptr, 13);
    this.segmentSize = <u32>load<u16>(ptr, 14);
  }
}
