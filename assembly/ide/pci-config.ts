// PIIX3 IDE function configuration registers above the standard header (82371SB datasheet
// 2.3): IDETIM primary (40h-41h) and secondary (42h-43h), SIDETIM (44h); the rest of
// 45h-FFh is reserved and reads 0. The host bridge owns 00h-3Fh; of those the core only
// watches COMMAND (04h) bit 2, because bus master DMA may only run while it is set.
//
// Reset values: IDETIM 0000h and SIDETIM 00h, per the datasheet (QEMU's PIIX model leaves
// them 0 too). IDETIM bit 15 (IDE decode enable) is thus clear until the firmware sets it:
// SeaBIOS and hvmloader write 8000h to both, as does our simulated firmware; Linux's
// ata_piix does not probe a channel whose enable bit is clear. While it is clear the
// channel's command and control blocks are not decoded (datasheet 2.3.12: the cycles go
// to ISA, where nothing answers), unlike QEMU, which ignores the bit. The bus master
// registers (BAR4) are not affected.

import { byteLane } from '../common/register-bytes';

export const PCI_COMMAND: u32 = 0x04;
export const PCI_COMMAND_BUS_MASTER: u32 = 0x04;
export const IDETIM_PRIMARY: u32 = 0x40;
export const IDETIM_SECONDARY: u32 = 0x42;
export const SIDETIM: u32 = 0x44;
/** IDETIM bits 11:10 are reserved (read 0); all others are read/write. */
const IDETIM_WRITABLE: u32 = 0xf3ff;
const IDETIM_DECODE_ENABLE: u32 = 0x8000;

export class PiixConfigRegisters {
  idetimPrimary: u32 = 0;
  idetimSecondary: u32 = 0;
  sidetim: u32 = 0;
  busMasterEnabled: bool = false;

  reset(): void {
    this.idetimPrimary = 0;
    this.idetimSecondary = 0;
    this.sidetim = 0;
    this.busMasterEnabled = false;
  }

  /** Whether channel `channel`'s ATA registers are decoded (IDETIM bit 15). */
  decodeEnabled(channel: u32): bool {
    const idetim = channel == 0 ? this.idetimPrimary : this.idetimSecondary;
    return (idetim & IDETIM_DECODE_ENABLE) != 0;
  }

  /** Reads `size` bytes at `offset` (0x40..0xff). */
  read(offset: u32, size: u32): u32 {
    let value: u32 = 0;
    for (let lane: u32 = 0; lane < size; lane++) value |= this.readByte(offset + lane) << (lane * 8);
    return value;
  }

  /** Observes a config write the bridge has applied (any offset). */
  write(offset: u32, size: u32, value: u32): void {
    for (let lane: u32 = 0; lane < size; lane++) this.writeByte(offset + lane, byteLane(<u64>value, lane));
  }

  private readByte(offset: u32): u32 {
    switch (offset) {
      case IDETIM_PRIMARY: return this.idetimPrimary & 0xff;
      case IDETIM_PRIMARY + 1: return this.idetimPrimary >> 8;
      case IDETIM_SECONDARY: return this.idetimSecondary & 0xff;
      case IDETIM_SECONDARY + 1: return this.idetimSecondary >> 8;
      case SIDETIM: return this.sidetim;
      default: return 0;
    }
  }

  private writeByte(offset: u32, byte: u32): void {
    switch (offset) {
      case PCI_COMMAND: this.busMasterEnabled = (byte & PCI_COMMAND_BUS_MASTER) != 0; break;
      case IDETIM_PRIMARY: this.idetimPrimary = setLow(this.idetimPrimary, byte); break;
      case IDETIM_PRIMARY + 1: this.idetimPrimary = setHigh(this.idetimPrimary, byte); break;
      case IDETIM_SECONDARY: this.idetimSecondary = setLow(this.idetimSecondary, byte); break;
      case IDETIM_SECONDARY + 1: this.idetimSecondary = setHigh(this.idetimSecondary, byte); break;
      case SIDETIM: this.sidetim = byte & 0xff; break;
      default: break;
    }
  }
}

function setLow(reg: u32, byte: u32): u32 {
  return ((reg & 0xff00) | (byte & 0xff)) & IDETIM_WRITABLE;
}

function setHigh(reg: u32, byte: u32): u32 {
  return ((reg & 0x00ff) | ((byte & 0xff) << 8)) & IDETIM_WRITABLE;
}
