// Standard INQUIRY data of the disk (SPC-3, standard INQUIRY data): a direct-access block device claiming
// SPC-3, with CMDQUE set so that the initiator (sym53c8xx) uses tagged command queuing, and
// SYNC set like real Ultra2 disks so that it negotiates synchronous transfers. WBUS16 stays
// clear (a narrow target), and the 36-byte form carries no SPI clocking byte (56), so no
// wide or PPR/DT negotiation is attempted.

import { DiskIdentity, PRODUCT_ID_LENGTH, PRODUCT_REVISION_LENGTH, VENDOR_ID_LENGTH } from './disk-identity';

export const STANDARD_INQUIRY_LENGTH: u32 = 36;
/** Peripheral device type 00h: direct access block device (SBC-3). */
export const DEVICE_TYPE_DISK: u8 = 0x00;
/** Peripheral qualifier 011b with type 1Fh: no logical unit at this LUN (SPC-3, standard INQUIRY data). */
export const PERIPHERAL_NO_LUN: u8 = 0x7f;
/** VERSION 05h: the device claims conformance to SPC-3. */
const VERSION_SPC3: u8 = 0x05;
/** HISUP (hierarchical LUN addressing) | RESPONSE DATA FORMAT 2. */
const HISUP_FORMAT_2: u8 = 0x12;
const FLAG_SYNC: u8 = 0x10;
const FLAG_CMDQUE: u8 = 0x02;

/** Writes the standard INQUIRY data; `peripheral` is DEVICE_TYPE_DISK for the disk's own
 *  LUN, PERIPHERAL_NO_LUN for any other. Returns its length. */
export function writeStandardInquiry(dst: usize, peripheral: u8, identity: DiskIdentity): u32 {
  memory.fill(dst, 0, STANDARD_INQUIRY_LENGTH);
  store<u8>(dst, peripheral);
  store<u8>(dst + 1, 0); // RMB = 0: not removable
  store<u8>(dst + 2, VERSION_SPC3);
  store<u8>(dst + 3, HISUP_FORMAT_2);
  store<u8>(dst + 4, <u8>(STANDARD_INQUIRY_LENGTH - 5)); // additional length
  store<u8>(dst + 7, FLAG_SYNC | FLAG_CMDQUE);
  memory.copy(dst + 8, identity.vendor, VENDOR_ID_LENGTH);
  memory.copy(dst + 16, identity.product, PRODUCT_ID_LENGTH);
  memory.copy(dst + 32, identity.revision, PRODUCT_REVISION_LENGTH);
  return STANDARD_INQUIRY_LENGTH;
}
