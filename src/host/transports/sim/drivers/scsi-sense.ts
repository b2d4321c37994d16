// SCSI sense data as an ATAPI device returns it to REQUEST SENSE (SPC-3 4.5.3, fixed format
// response codes 0x70/0x71), and the sense keys / additional sense codes a CD-ROM driver
// acts on (SPC-3 table 27; MMC-5 annex F).

export interface SenseData {
  responseCode: number;
  key: number;
  asc: number;
  ascq: number;
  /** Information field (bytes 3..6) when VALID is set, e.g. the failing LBA. */
  information: number | null;
}

export const SENSE_NO_SENSE = 0x0;
export const SENSE_NOT_READY = 0x2;
export const SENSE_MEDIUM_ERROR = 0x3;
export const SENSE_ILLEGAL_REQUEST = 0x5;
export const SENSE_UNIT_ATTENTION = 0x6;
export const SENSE_ABORTED_COMMAND = 0xb;

/** NOT READY / MEDIUM NOT PRESENT. */
export const ASC_MEDIUM_NOT_PRESENT = 0x3a;
/** UNIT ATTENTION / NOT READY TO READY CHANGE, MEDIUM MAY HAVE CHANGED. */
export const ASC_MEDIUM_MAY_HAVE_CHANGED = 0x28;
/** UNIT ATTENTION / POWER ON, RESET, OR BUS DEVICE RESET OCCURRED. */
export const ASC_POWER_ON_RESET = 0x29;
/** ILLEGAL REQUEST / INVALID COMMAND OPERATION CODE. */
export const ASC_INVALID_OPCODE = 0x20;
/** ILLEGAL REQUEST / LOGICAL BLOCK ADDRESS OUT OF RANGE. */
export const ASC_LBA_OUT_OF_RANGE = 0x21;
/** ILLEGAL REQUEST / INVALID FIELD IN CDB. */
export const ASC_INVALID_FIELD_IN_CDB = 0x24;

const FIXED_CURRENT = 0x70;
const FIXED_DEFERRED = 0x71;
const MIN_FIXED_LENGTH = 14;

/** Parses fixed-format sense data; null when it is not fixed format or too short. */
export function parseSense(bytes: Uint8Array): SenseData | null {
  if (bytes.length < MIN_FIXED_LENGTH) return null;
  const responseCode = bytes[0]! & 0x7f;
  if (responseCode !== FIXED_CURRENT && responseCode !== FIXED_DEFERRED) return null;
  const valid = (bytes[0]! & 0x80) !== 0;
  const information = valid ? ((bytes[3]! << 24) | (bytes[4]! << 16) | (bytes[5]! << 8) | bytes[6]!) >>> 0 : null;
  return { responseCode, key: bytes[2]! & 0xf, asc: bytes[12]!, ascq: bytes[13]!, information };
}

const KEY_NAMES = [
  'NO SENSE', 'RECOVERED ERROR', 'NOT READY', 'MEDIUM ERROR', 'HARDWARE ERROR', 'ILLEGAL REQUEST',
  'UNIT ATTENTION', 'DATA PROTECT', 'BLANK CHECK', 'VENDOR SPECIFIC', 'COPY ABORTED', 'ABORTED COMMAND',
  'reserved', 'VOLUME OVERFLOW', 'MISCOMPARE', 'reserved',
];

export function senseKeyName(key: number): string {
  return KEY_NAMES[key & 0xf]!;
}
