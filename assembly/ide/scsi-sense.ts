// SCSI sense keys, additional sense codes (SPC-3 4.5.6, annex D) and the fixed-format
// sense data an ATAPI device returns to REQUEST SENSE (SPC-3 4.5.3).

import { Drive } from './drive';

export const SENSE_NO_SENSE: u32 = 0x0;
export const SENSE_NOT_READY: u32 = 0x2;
export const SENSE_MEDIUM_ERROR: u32 = 0x3;
export const SENSE_ILLEGAL_REQUEST: u32 = 0x5;
export const SENSE_UNIT_ATTENTION: u32 = 0x6;
export const SENSE_ABORTED_COMMAND: u32 = 0xb;

export const ASC_NONE: u32 = 0x00;
export const ASC_UNRECOVERED_READ_ERROR: u32 = 0x11;
export const ASC_INVALID_OPCODE: u32 = 0x20;
export const ASC_LBA_OUT_OF_RANGE: u32 = 0x21;
export const ASC_INVALID_FIELD_IN_CDB: u32 = 0x24;
export const ASC_MEDIUM_MAY_HAVE_CHANGED: u32 = 0x28;
export const ASC_SAVING_NOT_SUPPORTED: u32 = 0x39;
export const ASC_MEDIUM_NOT_PRESENT: u32 = 0x3a;

export const FIXED_SENSE_LENGTH: u32 = 18;

/** Writes sense as fixed-format sense data (response code 70h). */
export function writeFixedSense(dst: usize, key: u32, asc: u32, ascq: u32): void {
  memory.fill(dst, 0, FIXED_SENSE_LENGTH);
  store<u8>(dst, 0x70);
  store<u8>(dst, <u8>(key & 0xf), 2);
  store<u8>(dst, <u8>(FIXED_SENSE_LENGTH - 8), 7); // additional sense length
  store<u8>(dst, <u8>asc, 12);
  store<u8>(dst, <u8>ascq, 13);
}

export function clearSense(drive: Drive): void {
  drive.setSense(SENSE_NO_SENSE, ASC_NONE, 0);
}
