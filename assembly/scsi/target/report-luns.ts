// REPORT LUNS parameter data (SPC-3, REPORT LUNS): the disk is the only logical unit behind its
// target, LUN 0, written as an 8-byte single-level LUN of zeros.

import { storeBe32 } from '../../common/byte-order';

/** SELECT REPORT 00h (all but well-known LUNs) and 02h (all LUNs) list LUN 0; 01h (well-known
 *  LUNs only) lists none, as the target has no well-known logical units. */
export const SELECT_REPORT_ALL_BUT_WELL_KNOWN: u32 = 0x00;
export const SELECT_REPORT_WELL_KNOWN_ONLY: u32 = 0x01;
export const SELECT_REPORT_ALL: u32 = 0x02;

const LUN_ENTRY_SIZE: u32 = 8;

/** Returns the parameter data length, or -1 for a SELECT REPORT value not defined. */
export function writeReportLuns(dst: usize, selectReport: u32): i32 {
  let luns: u32;
  if (selectReport == SELECT_REPORT_ALL_BUT_WELL_KNOWN || selectReport == SELECT_REPORT_ALL) {
    luns = 1;
  } else if (selectReport == SELECT_REPORT_WELL_KNOWN_ONLY) {
    luns = 0;
  } else {
    return -1;
  }
  memory.fill(dst, 0, 8 + luns * LUN_ENTRY_SIZE);
  storeBe32(dst, luns * LUN_ENTRY_SIZE); // LUN LIST LENGTH
  return <i32>(8 + luns * LUN_ENTRY_SIZE);
}
