// Vital product data pages of the disk (INQUIRY with EVPD=1): 00h supported pages, 80h unit
// serial number, 83h device identification (SPC-3, vital product data), B0h block limits and B1h block
// device characteristics (SBC-3, vital product data). No thin provisioning page: the disk does not do
// UNMAP or WRITE SAME, and READ CAPACITY(16) keeps LBPME clear.

import { storeBe16, storeBe32 } from '../../common/byte-order';
import { DiskIdentity, PRODUCT_ID_LENGTH, VENDOR_ID_LENGTH } from './disk-identity';
import { DEVICE_TYPE_DISK } from './standard-inquiry';

export const VPD_SUPPORTED_PAGES: u32 = 0x00;
export const VPD_UNIT_SERIAL_NUMBER: u32 = 0x80;
export const VPD_DEVICE_IDENTIFICATION: u32 = 0x83;
export const VPD_BLOCK_LIMITS: u32 = 0xb0;
export const VPD_BLOCK_CHARACTERISTICS: u32 = 0xb1;

/** The page is not implemented: INQUIRY fails with INVALID FIELD IN CDB. */
export const VPD_UNSUPPORTED: i32 = -1;

/** Largest TRANSFER LENGTH one READ/WRITE may ask for, in blocks. The block limits page
 *  advertises it and the command planner enforces it (SBC-3: a longer request is an
 *  INVALID FIELD IN CDB): it keeps a command's byte count within 32 bits and never refuses
 *  a READ(10)/WRITE(10), whose length field cannot exceed it. */
export const MAX_TRANSFER_BLOCKS: u32 = 0xffff;

/** Page length of the B0h and B1h pages (SBC-3: 3Ch, 64 bytes with the header). */
const SBC_PAGE_LENGTH: u32 = 0x3c;
/** MEDIUM ROTATION RATE 0001h: non-rotating medium (SBC-3, block device characteristics). */
const NON_ROTATING: u32 = 0x0001;

const SUPPORTED_PAGES: StaticArray<u8> = [
  <u8>VPD_SUPPORTED_PAGES, <u8>VPD_UNIT_SERIAL_NUMBER, <u8>VPD_DEVICE_IDENTIFICATION,
  <u8>VPD_BLOCK_LIMITS, <u8>VPD_BLOCK_CHARACTERISTICS,
];

/** Common 4-byte header: peripheral byte, page code, 16-bit page length. */
function header(dst: usize, page: u32, pageLength: u32): u32 {
  store<u8>(dst, DEVICE_TYPE_DISK);
  store<u8>(dst + 1, <u8>page);
  storeBe16(dst + 2, pageLength);
  return 4 + pageLength;
}

function supportedPages(dst: usize): u32 {
  const n = <u32>SUPPORTED_PAGES.length;
  for (let i: u32 = 0; i < n; i++) store<u8>(dst + 4 + i, unchecked(SUPPORTED_PAGES[i]));
  return header(dst, VPD_SUPPORTED_PAGES, n);
}

function unitSerialNumber(dst: usize, identity: DiskIdentity): u32 {
  memory.copy(dst + 4, identity.serial, identity.serialLength);
  return header(dst, VPD_UNIT_SERIAL_NUMBER, identity.serialLength);
}

/** Two designators, both associated with the logical unit: the NAA worldwide name (binary,
 *  designator type 3h) that Linux prefers for the disk's wwid, and a T10 vendor ID based
 *  one (ASCII, type 1h: vendor, product, serial) for initiators that look for it. */
function deviceIdentification(dst: usize, identity: DiskIdentity): u32 {
  let at = dst + 4;
  store<u8>(at, 0x01); // code set: binary
  store<u8>(at + 1, 0x03); // association: logical unit; designator type: NAA
  store<u8>(at + 2, 0);
  store<u8>(at + 3, 8);
  storeBe32(at + 4, <u32>(identity.naa >> 32));
  storeBe32(at + 8, <u32>identity.naa);
  at += 12;
  const t10Length = VENDOR_ID_LENGTH + PRODUCT_ID_LENGTH + identity.serialLength;
  store<u8>(at, 0x02); // code set: ASCII
  store<u8>(at + 1, 0x01); // association: logical unit; designator type: T10 vendor ID
  store<u8>(at + 2, 0);
  store<u8>(at + 3, <u8>t10Length);
  memory.copy(at + 4, identity.vendor, VENDOR_ID_LENGTH);
  memory.copy(at + 4 + VENDOR_ID_LENGTH, identity.product, PRODUCT_ID_LENGTH);
  memory.copy(at + 4 + VENDOR_ID_LENGTH + PRODUCT_ID_LENGTH, identity.serial, identity.serialLength);
  at += 4 + t10Length;
  return header(dst, VPD_DEVICE_IDENTIFICATION, <u32>(at - dst) - 4);
}

/** Only MAXIMUM TRANSFER LENGTH is set; every other limit is 0, "not reported": no
 *  optimal granularity, no COMPARE AND WRITE, no UNMAP, no WRITE SAME. */
function blockLimits(dst: usize): u32 {
  memory.fill(dst + 4, 0, SBC_PAGE_LENGTH);
  storeBe32(dst + 8, MAX_TRANSFER_BLOCKS);
  return header(dst, VPD_BLOCK_LIMITS, SBC_PAGE_LENGTH);
}

function blockCharacteristics(dst: usize): u32 {
  memory.fill(dst + 4, 0, SBC_PAGE_LENGTH);
  storeBe16(dst + 4, NON_ROTATING);
  return header(dst, VPD_BLOCK_CHARACTERISTICS, SBC_PAGE_LENGTH);
}

/** Writes VPD page `page` at `dst`; returns its length, or VPD_UNSUPPORTED. */
export function writeVpdPage(dst: usize, page: u32, identity: DiskIdentity): i32 {
  switch (page) {
    case VPD_SUPPORTED_PAGES: return <i32>supportedPages(dst);
    case VPD_UNIT_SERIAL_NUMBER: return <i32>unitSerialNumber(dst, identity);
    case VPD_DEVICE_IDENTIFICATION: return <i32>deviceIdentification(dst, identity);
    case VPD_BLOCK_LIMITS: return <i32>blockLimits(dst);
    case VPD_BLOCK_CHARACTERISTICS: return <i32>blockCharacteristics(dst);
    default: return VPD_UNSUPPORTED;
  }
}

/** The VPD a nonexistent LUN answers: only the supported-pages page, listing itself, with
 *  peripheral qualifier 3, as in standard INQUIRY data. */
export function writeNoLunVpdPage(dst: usize, page: u32, peripheral: u8): i32 {
  if (page != VPD_SUPPORTED_PAGES) return VPD_UNSUPPORTED;
  store<u8>(dst, peripheral);
  store<u8>(dst + 1, <u8>VPD_SUPPORTED_PAGES);
  storeBe16(dst + 2, 1);
  store<u8>(dst + 4, <u8>VPD_SUPPORTED_PAGES);
  return 5;
}
