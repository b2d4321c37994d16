// The unit attention condition of a logical unit (SAM-4, "Unit attention conditions"):
// raised by power-on and by a reset, reported once. The first command other than INQUIRY, REPORT
// LUNS and REQUEST SENSE ends in CHECK CONDITION / UNIT ATTENTION and clears it; INQUIRY and
// REPORT LUNS neither report nor clear it; REQUEST SENSE returns it as its parameter data
// (when no other sense is pending) and clears it. Single initiator: one condition per unit.

import { OP_INQUIRY, OP_REPORT_LUNS, OP_REQUEST_SENSE } from './scsi-opcodes';
import { NO_SENSE, POWER_ON_OR_RESET } from './sense-data';

export class UnitAttention {
  /** The pending condition (a sense-data condition code), NO_SENSE when none. */
  condition: u32 = NO_SENSE;

  get pending(): bool {
    return this.condition != NO_SENSE;
  }

  /** Power-on, bus reset or target reset. */
  raiseReset(): void {
    this.condition = POWER_ON_OR_RESET;
  }

  clear(): void {
    this.condition = NO_SENSE;
  }

  /** Whether a pending unit attention pre-empts command `opcode`. */
  static reportedBy(opcode: u32): bool {
    return opcode != OP_INQUIRY && opcode != OP_REPORT_LUNS && opcode != OP_REQUEST_SENSE;
  }
}
