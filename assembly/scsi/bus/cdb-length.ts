// How many CDB bytes a target takes in the COMMAND phase: fixed by the group code in the
// operation code's top three bits (SPC-4 4.2.5.1, "Operation code").

const CDB_MAX: u32 = 16;

/** CDB length for operation code `opcode`. Groups 3, 6 and 7 (reserved / vendor specific)
 *  have no defined length; the target takes what the initiator's first COMMAND move offers,
 *  kept between 6 and 16 bytes. */
export function cdbLength(opcode: u32, offered: u32): u32 {
  switch ((opcode >> 5) & 7) {
    case 0: return 6;
    case 1: return 10;
    case 2: return 10;
    case 4: return 16;
    case 5: return 12;
    default: return offered < 6 ? 6 : offered > CDB_MAX ? CDB_MAX : offered;
  }
}
