// Operation codes a SCSI direct-access disk answers (SPC-3 / SBC-3 command tables) and the
// length of a CDB, which its operation code's group fixes (SPC-3, operation code group).

export const OP_TEST_UNIT_READY: u32 = 0x00;
export const OP_REQUEST_SENSE: u32 = 0x03;
export const OP_READ_6: u32 = 0x08;
export const OP_WRITE_6: u32 = 0x0a;
export const OP_INQUIRY: u32 = 0x12;
export const OP_MODE_SELECT_6: u32 = 0x15;
export const OP_MODE_SENSE_6: u32 = 0x1a;
export const OP_START_STOP_UNIT: u32 = 0x1b;
export const OP_PREVENT_ALLOW_MEDIUM_REMOVAL: u32 = 0x1e;
export const OP_READ_CAPACITY_10: u32 = 0x25;
export const OP_READ_10: u32 = 0x28;
export const OP_WRITE_10: u32 = 0x2a;
export const OP_VERIFY_10: u32 = 0x2f;
export const OP_SYNCHRONIZE_CACHE_10: u32 = 0x35;
export const OP_MODE_SELECT_10: u32 = 0x55;
export const OP_MODE_SENSE_10: u32 = 0x5a;
export const OP_READ_16: u32 = 0x88;
export const OP_WRITE_16: u32 = 0x8a;
export const OP_VERIFY_16: u32 = 0x8f;
export const OP_SYNCHRONIZE_CACHE_16: u32 = 0x91;
/** SERVICE ACTION IN(16); READ CAPACITY(16) is its service action 10h (SBC-3). */
export const OP_SERVICE_ACTION_IN_16: u32 = 0x9e;
export const SA_READ_CAPACITY_16: u32 = 0x10;
export const OP_REPORT_LUNS: u32 = 0xa0;
export const OP_READ_12: u32 = 0xa8;
export const OP_WRITE_12: u32 = 0xaa;

/** CDB length of an operation code's group (SPC-3, operation code): 6 bytes for 00h-1Fh, 10 for
 *  20h-5Fh, 16 for 80h-9Fh, 12 for A0h-BFh; 0 for the reserved group 3 (60h-7Fh, also the
 *  variable-length CDB 7Fh) and the vendor-specific groups 6-7, whose length is unknown. */
export function cdbLengthOfGroup(opcode: u32): u32 {
  switch ((opcode >> 5) & 7) {
    case 0: return 6;
    case 1:
    case 2: return 10;
    case 4: return 16;
    case 5: return 12;
    default: return 0;
  }
}

/** Whether this disk implements `opcode`. Anything else ends in ILLEGAL REQUEST / INVALID
 *  COMMAND OPERATION CODE. WRITE SAME, UNMAP and REPORT SUPPORTED OPERATION CODES are left
 *  out on purpose: Linux then disables WRITE SAME and discard for the disk, which matches
 *  the block limits VPD page (no write-same or unmap limits advertised). */
export function isSupportedOpcode(opcode: u32): bool {
  switch (opcode) {
    case OP_TEST_UNIT_READY:
    case OP_REQUEST_SENSE:
    case OP_READ_6:
    case OP_WRITE_6:
    case OP_INQUIRY:
    case OP_MODE_SELECT_6:
    case OP_MODE_SENSE_6:
    case OP_START_STOP_UNIT:
    case OP_PREVENT_ALLOW_MEDIUM_REMOVAL:
    case OP_READ_CAPACITY_10:
    case OP_READ_10:
    case OP_WRITE_10:
    case OP_VERIFY_10:
    case OP_SYNCHRONIZE_CACHE_10:
    case OP_MODE_SELECT_10:
    case OP_MODE_SENSE_10:
    case OP_READ_16:
    case OP_WRITE_16:
    case OP_VERIFY_16:
    case OP_SYNCHRONIZE_CACHE_16:
    case OP_SERVICE_ACTION_IN_16:
    case OP_REPORT_LUNS:
    case OP_READ_12:
    case OP_WRITE_12:
      return true;
    default:
      return false;
  }
}
