// Storage for the 256 operating register bytes. Plain registers (DSA, TEMP, DSP, DSPS, DNAD,
// DBC, the scratch registers, the 64-bit selectors, the phase mismatch context ...) live here
// as the guest sees them, little-endian, so that host accesses, SCRIPTS register moves and
// LOAD/STORE all reach the same bytes. Registers whose value is computed or that have side
// effects are handled in register-access.ts; their bytes here are unused or hold the part
// that is plain storage.

import {
  CTEST3, DCMD, GPCNTL, GPREG, REGISTER_SPACE, SCID, SCNTL0,
} from './register-map';

export class RegisterFile {
  readonly base: usize = heap.alloc(REGISTER_SPACE);

  /** Power-on / chip reset values (technical manual chapter 4, the value row under each
   *  register's bit diagram; where it shows x, 0). */
  reset(): void {
    memory.fill(this.base, 0, REGISTER_SPACE);
    // SCNTL0: full arbitration and selection (ARB1:0 = 11) after reset.
    this.set8(SCNTL0, 0xc0);
    // SCID: initiator ID 7, as QEMU's model starts. The manual's reset value is 00h (ENC 0,
    // SRE/RRE clear), but SeaBIOS's LSI driver never programs SCID and selects targets as if
    // the chip were ID 7 (QEMU's model); sym53c8xx writes SCID itself before any selection.
    this.set8(SCID, 0x07);
    // GPIO pins are inputs after reset and float high.
    this.set8(GPCNTL, 0x0f);
    this.set8(GPREG, 0x7f);
    // DCMD reads as a memory-move-like 40h before the first fetch, as QEMU's model has it.
    this.set8(DCMD, 0x40);
    this.set8(CTEST3, 0);
  }

  get8(offset: u32): u32 {
    return <u32>load<u8>(this.base + <usize>(offset & 0xff));
  }

  set8(offset: u32, value: u32): void {
    store<u8>(this.base + <usize>(offset & 0xff), <u8>value);
  }

  /** A 32-bit register at a 4-aligned offset. */
  get32(offset: u32): u32 {
    return load<u32>(this.base + <usize>(offset & 0xfc));
  }

  set32(offset: u32, value: u32): void {
    store<u32>(this.base + <usize>(offset & 0xfc), value);
  }

  /** DBC: the 24-bit byte counter below DCMD. */
  get24(offset: u32): u32 {
    return this.get32(offset) & 0xffffff;
  }

  set24(offset: u32, value: u32): void {
    const aligned = offset & 0xfc;
    this.set32(aligned, (this.get32(aligned) & 0xff000000) | (value & 0xffffff));
  }

  setBits(offset: u32, bits: u32): void {
    this.set8(offset, this.get8(offset) | bits);
  }

  clearBits(offset: u32, bits: u32): void {
    this.set8(offset, this.get8(offset) & ~bits);
  }

  testBits(offset: u32, bits: u32): bool {
    return (this.get8(offset) & bits) != 0;
  }
}
