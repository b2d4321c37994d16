// Sense data of one logical unit: what went wrong with the last command, kept until the
// initiator fetches it with REQUEST SENSE or sends another command (SPC-3, sense data), and written
// in fixed format or descriptor format (SPC-3).
//
// A condition is one u32: sense key << 16 | additional sense code << 8 | qualifier.

export const SENSE_KEY_NO_SENSE: u32 = 0x0;
export const SENSE_KEY_NOT_READY: u32 = 0x2;
export const SENSE_KEY_MEDIUM_ERROR: u32 = 0x3;
export const SENSE_KEY_HARDWARE_ERROR: u32 = 0x4;
export const SENSE_KEY_ILLEGAL_REQUEST: u32 = 0x5;
export const SENSE_KEY_UNIT_ATTENTION: u32 = 0x6;
export const SENSE_KEY_DATA_PROTECT: u32 = 0x7;
export const SENSE_KEY_ABORTED_COMMAND: u32 = 0xb;

// Conditions (SPC-3 annex D, additional sense codes).
export const NO_SENSE: u32 = 0x000000;
/** NOT READY, LOGICAL UNIT NOT READY, INITIALIZING COMMAND REQUIRED: stopped by START STOP UNIT. */
export const NOT_READY_START_REQUIRED: u32 = 0x020402;
/** NOT READY, LOGICAL UNIT NOT READY, MANUAL INTERVENTION REQUIRED: no usable medium. */
export const NOT_READY_NO_MEDIUM: u32 = 0x020403;
/** MEDIUM ERROR, UNRECOVERED READ ERROR. */
export const UNRECOVERED_READ_ERROR: u32 = 0x031100;
/** HARDWARE ERROR, INTERNAL TARGET FAILURE. */
export const HARDWARE_INTERNAL_FAILURE: u32 = 0x044400;
export const PARAMETER_LIST_LENGTH_ERROR: u32 = 0x051a00;
export const INVALID_COMMAND_OPERATION_CODE: u32 = 0x052000;
export const LBA_OUT_OF_RANGE: u32 = 0x052100;
export const INVALID_FIELD_IN_CDB: u32 = 0x052400;
export const LOGICAL_UNIT_NOT_SUPPORTED: u32 = 0x052500;
export const INVALID_FIELD_IN_PARAMETER_LIST: u32 = 0x052600;
export const SAVING_PARAMETERS_NOT_SUPPORTED: u32 = 0x053900;
/** UNIT ATTENTION, POWER ON, RESET, OR BUS DEVICE RESET OCCURRED. */
export const POWER_ON_OR_RESET: u32 = 0x062900;
/** DATA PROTECT, WRITE PROTECTED. */
export const WRITE_PROTECTED: u32 = 0x072700;
/** ABORTED COMMAND, INTERNAL TARGET FAILURE: a transient failure a retry can get past. */
export const ABORTED_INTERNAL_FAILURE: u32 = 0x0b4400;
/** ABORTED COMMAND, INITIATOR DETECTED ERROR MESSAGE RECEIVED. */
export const ABORTED_INITIATOR_DETECTED_ERROR: u32 = 0x0b4800;
/** ABORTED COMMAND, DATA PHASE ERROR. */
export const ABORTED_DATA_PHASE_ERROR: u32 = 0x0b4b00;

export function senseKeyOf(condition: u32): u32 {
  return (condition >> 16) & 0xf;
}

export const FIXED_SENSE_LENGTH: u32 = 18;
/** Descriptor format header; a sense-key specific descriptor adds 8 bytes. */
const DESCRIPTOR_SENSE_HEADER: u32 = 8;
const SENSE_KEY_SPECIFIC_DESCRIPTOR: u32 = 8;
export const MAX_SENSE_LENGTH: u32 = DESCRIPTOR_SENSE_HEADER + SENSE_KEY_SPECIFIC_DESCRIPTOR;

const NO_FIELD: i32 = -1;

export class SenseData {
  condition: u32 = NO_SENSE;
  /** Field pointer sense-key specific data (SPC-3, sense-key specific data): the byte of the CDB or of
   *  the parameter list holding the field in error, or NO_FIELD. */
  private fieldByte: i32 = NO_FIELD;
  private fieldInCdb: bool = false;

  get pending(): bool {
    return this.condition != NO_SENSE;
  }

  set(condition: u32): void {
    this.condition = condition;
    this.fieldByte = NO_FIELD;
  }

  /** An ILLEGAL REQUEST naming the byte of the CDB (`inCdb`) or parameter list at fault. */
  setWithField(condition: u32, inCdb: bool, byteIndex: u32): void {
    this.condition = condition;
    this.fieldByte = <i32>(byteIndex & 0xffff);
    this.fieldInCdb = inCdb;
  }

  copyFrom(other: SenseData): void {
    this.condition = other.condition;
    this.fieldByte = other.fieldByte;
    this.fieldInCdb = other.fieldInCdb;
  }

  clear(): void {
    this.set(NO_SENSE);
  }

  /** The three sense-key specific bytes: SKSV, C/D, field pointer. */
  private writeSenseKeySpecific(dst: usize): void {
    if (this.fieldByte == NO_FIELD) return;
    store<u8>(dst, <u8>(0x80 | (this.fieldInCdb ? 0x40 : 0)));
    store<u8>(dst + 1, <u8>(this.fieldByte >> 8));
    store<u8>(dst + 2, <u8>this.fieldByte);
  }

  /** Fixed format (response code 70h, current error). Returns FIXED_SENSE_LENGTH. */
  writeFixed(dst: usize): u32 {
    memory.fill(dst, 0, FIXED_SENSE_LENGTH);
    store<u8>(dst, 0x70);
    store<u8>(dst + 2, <u8>senseKeyOf(this.condition));
    store<u8>(dst + 7, <u8>(FIXED_SENSE_LENGTH - 8)); // additional sense length
    store<u8>(dst + 12, <u8>(this.condition >> 8));
    store<u8>(dst + 13, <u8>this.condition);
    this.writeSenseKeySpecific(dst + 15);
    return FIXED_SENSE_LENGTH;
  }

  /** Descriptor format (response code 72h), with a sense-key specific descriptor (type
   *  02h) when a field pointer is known. Returns the length written. */
  writeDescriptor(dst: usize): u32 {
    memory.fill(dst, 0, MAX_SENSE_LENGTH);
    store<u8>(dst, 0x72);
    store<u8>(dst + 1, <u8>senseKeyOf(this.condition));
    store<u8>(dst + 2, <u8>(this.condition >> 8));
    store<u8>(dst + 3, <u8>this.condition);
    if (this.fieldByte == NO_FIELD) return DESCRIPTOR_SENSE_HEADER;
    store<u8>(dst + 7, <u8>SENSE_KEY_SPECIFIC_DESCRIPTOR); // additional sense length
    const descriptor = dst + DESCRIPTOR_SENSE_HEADER;
    store<u8>(descriptor, 0x02);
    store<u8>(descriptor + 1, 0x06);
    this.writeSenseKeySpecific(descriptor + 4);
    return DESCRIPTOR_SENSE_HEADER + SENSE_KEY_SPECIFIC_DESCRIPTOR;
  }
}
