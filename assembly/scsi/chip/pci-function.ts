// What the core needs to know of its PCI configuration header, which the host bridge owns
// (src/host/pci/config-space.ts) and whose every write it forwards: COMMAND bit 2 (bus
// master enable: without it the chip may not master the bus, so every DMA — SCRIPTS fetches
// from host memory included — ends in a bus fault), and where BAR1 (operating registers,
// memory) and BAR2 (SCRIPTS RAM) are placed, because SCRIPTS address the RAM by its bus
// address and a LOAD/STORE aimed at the chip's own registers is illegal (data manual, DSTAT
// IID). The chip has no device-specific configuration registers above 3Fh that the core
// implements; they read 0.

import { byteLane } from '../../common/register-bytes';

const PCI_COMMAND: u32 = 0x04;
const COMMAND_BUS_MASTER: u32 = 0x04;
const BAR1: u32 = 0x14;
const BAR2: u32 = 0x18;

/** Sizes the host must declare for the BARs (see the report: I/O 256 B, MMIO 1 KiB, RAM 8 KiB). */
export const IO_BAR_SIZE: u32 = 256;
export const MMIO_BAR_SIZE: u32 = 1024;
export const RAM_BAR_SIZE: u32 = 8192;

export class PciFunction {
  busMasterEnabled: bool = false;
  /** BAR2's size: the chip's SCRIPTS RAM (8 KiB on the 895A, 4 KiB on the 875). */
  ramBarSize: u32 = RAM_BAR_SIZE;
  private bar1Raw: u32 = 0;
  private bar2Raw: u32 = 0;

  reset(): void {
    this.busMasterEnabled = false;
    this.bar1Raw = 0;
    this.bar2Raw = 0;
  }

  /** Memory address of the operating registers (BAR1), 0 when unassigned. */
  get registersAddress(): u64 {
    return <u64>(this.bar1Raw & ~(MMIO_BAR_SIZE - 1));
  }

  /** Bus address of SCRIPTS RAM (BAR2), 0 when unassigned. */
  get ramAddress(): u64 {
    return <u64>(this.bar2Raw & ~(this.ramBarSize - 1));
  }

  read(offset: u32, size: u32): u32 {
    return 0;
  }

  /** Observes a configuration write the bridge has applied. */
  write(offset: u32, size: u32, value: u32): void {
    for (let lane: u32 = 0; lane < size; lane++) this.writeByte(offset + lane, byteLane(<u64>value, lane));
  }

  private writeByte(offset: u32, byte: u32): void {
    if (offset == PCI_COMMAND) {
      this.busMasterEnabled = (byte & COMMAND_BUS_MASTER) != 0;
    } else if (offset >= BAR1 && offset < BAR1 + 4) {
      this.bar1Raw = replaceByte(this.bar1Raw, offset - BAR1, byte);
    } else if (offset >= BAR2 && offset < BAR2 + 4) {
      this.bar2Raw = replaceByte(this.bar2Raw, offset - BAR2, byte);
    }
  }
}

function replaceByte(word: u32, lane: u32, byte: u32): u32 {
  const shift = lane * 8;
  return (word & ~(<u32>0xff << shift)) | ((byte & 0xff) << shift);
}
