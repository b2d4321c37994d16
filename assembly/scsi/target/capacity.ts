// READ CAPACITY(10) and READ CAPACITY(16) parameter data (SBC-3, READ CAPACITY commands): the address of
// the last logical block and the logical block length.

import { storeBe32 } from '../../common/byte-order';
import { DiskMedium } from './disk-medium';

export const READ_CAPACITY_10_LENGTH: u32 = 8;
export const READ_CAPACITY_16_LENGTH: u32 = 32;
/** RETURNED LOGICAL BLOCK ADDRESS of READ CAPACITY(10) when the last LBA does not fit in 32
 *  bits: the initiator must use READ CAPACITY(16). */
const LBA_TOO_LARGE_FOR_10: u32 = 0xffffffff;

export function writeReadCapacity10(dst: usize, medium: DiskMedium): u32 {
  const last = medium.lastLba;
  storeBe32(dst, last > <u64>LBA_TOO_LARGE_FOR_10 ? LBA_TOO_LARGE_FOR_10 : <u32>last);
  storeBe32(dst + 4, medium.blockSize);
  return READ_CAPACITY_10_LENGTH;
}

/** Protection off (byte 12), one logical block per physical block (byte 13), LBPME and
 *  LBPRZ clear, lowest aligned LBA 0 (bytes 14-15). */
export function writeReadCapacity16(dst: usize, medium: DiskMedium): u32 {
  memory.fill(dst, 0, READ_CAPACITY_16_LENGTH);
  const last = medium.lastLba;
  storeBe32(dst, <u32>(last >> 32));
  storeBe32(dst + 4, <u32>last);
  storeBe32(dst + 8, medium.blockSize);
  return READ_CAPACITY_16_LENGTH;
}
