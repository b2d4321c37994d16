// One channel's bus master IDE registers (PIIX3 datasheet 2.7, BMICx/BMISx/BMIDTPx;
// SFF-8038i section 3): 8 bytes at BAR4 + channel * 8.
//   +0 command: bit 0 start/stop, bit 3 direction (1 = the controller writes memory,
//      i.e. a device read). +1 reserved. +2 status: bit 0 active (RO), bit 1 error (R/WC),
//      bit 2 interrupt (R/WC), bits 5/6 drive 0/1 DMA capable (R/W, BIOS scratch).
//   +3 reserved. +4..+7 PRD table address, bits 31:2 (dword aligned).
// Only the register semantics live here; what a start does is the channel's business.

export const BM_CMD_START: u32 = 0x01;
export const BM_CMD_TO_MEMORY: u32 = 0x08;
const BM_CMD_WRITABLE: u32 = BM_CMD_START | BM_CMD_TO_MEMORY;

export const BM_ST_ACTIVE: u32 = 0x01;
export const BM_ST_ERROR: u32 = 0x02;
export const BM_ST_INTERRUPT: u32 = 0x04;
const BM_ST_CAPABLE_BITS: u32 = 0x60;
const BM_ST_WRITE_CLEAR_BITS: u32 = BM_ST_ERROR | BM_ST_INTERRUPT;

export const BM_REG_COMMAND: u32 = 0;
export const BM_REG_STATUS: u32 = 2;
export const BM_REG_PRD: u32 = 4;
export const BM_CHANNEL_STRIDE: u32 = 8;

/** What a command-register write changed. */
export const BM_START_UNCHANGED: u32 = 0;
export const BM_START_SET: u32 = 1;
export const BM_START_CLEARED: u32 = 2;

export class BusMasterRegs {
  command: u32 = 0;
  status: u32 = 0;
  prdTable: u32 = 0;

  reset(): void {
    this.command = 0;
    this.status = 0;
    this.prdTable = 0;
  }

  get started(): bool {
    return (this.command & BM_CMD_START) != 0;
  }

  readByte(reg: u32): u32 {
    switch (reg) {
      case BM_REG_COMMAND: return this.command;
      case BM_REG_STATUS: return this.status;
      case 4: case 5: case 6: case 7: return (this.prdTable >> ((reg - BM_REG_PRD) * 8)) & 0xff;
      default: return 0; // reserved bytes read as 0 (PIIX3 2.7.2/2.7.4)
    }
  }

  /** Applies a byte write; returns BM_START_* for the channel to act on. */
  writeByte(reg: u32, value: u32): u32 {
    switch (reg) {
      case BM_REG_COMMAND: {
        const wasStarted = this.started;
        this.command = value & BM_CMD_WRITABLE;
        if (!wasStarted && this.started) {
          this.status |= BM_ST_ACTIVE;
          return BM_START_SET;
        }
        if (wasStarted && !this.started) {
          // Clearing start halts the engine; whatever it had not moved is abandoned.
          this.status &= ~BM_ST_ACTIVE;
          return BM_START_CLEARED;
        }
        return BM_START_UNCHANGED;
      }
      case BM_REG_STATUS:
        this.status = (this.status & BM_ST_ACTIVE) | (value & BM_ST_CAPABLE_BITS) |
          (this.status & BM_ST_WRITE_CLEAR_BITS & ~value);
        return BM_START_UNCHANGED;
      case 4: case 5: case 6: case 7: {
        const shift = (reg - BM_REG_PRD) * 8;
        this.prdTable = ((this.prdTable & ~(<u32>0xff << shift)) | ((value & 0xff) << shift)) & ~<u32>3;
        return BM_START_UNCHANGED;
      }
      default:
        return BM_START_UNCHANGED;
    }
  }
}
