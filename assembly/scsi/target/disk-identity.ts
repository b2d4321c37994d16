// Who a disk says it is: the T10 vendor, product and revision of standard INQUIRY data (by
// default "HVMIO", "HARDDISK", "1.0"), a unit serial number, and a worldwide name as an NAA
// designator (SPC-3, device identification VPD page). Copied out of the configuration, so
// nothing a guest does can change them.

import { copyPrintableAscii, storeAsciiField } from '../../common/byte-order';

export const VENDOR_ID_LENGTH: u32 = 8;
export const PRODUCT_ID_LENGTH: u32 = 16;
export const PRODUCT_REVISION_LENGTH: u32 = 4;
const DEFAULT_VENDOR_ID: string = "HVMIO";
const DEFAULT_PRODUCT_ID: string = "HARDDISK";
const DEFAULT_PRODUCT_REVISION: string = "1.0";
/** Longest serial kept (the length ATA uses, so one serial string serves both buses). */
export const SERIAL_CAPACITY: u32 = 20;

/** NAA 3h: a locally assigned 60-bit name (SPC-3, NAA identifier formats). Used when the
 *  configuration gives no worldwide name: honest for a virtual disk, which has no IEEE
 *  company id of its own. */
const NAA_LOCALLY_ASSIGNED: u64 = 0x3;
const FNV_OFFSET: u64 = 0xcbf29ce484222325;
const FNV_PRIME: u64 = 0x100000001b3;

/** Whether the `length`-byte field at `src` holds only spaces and NULs. */
function isBlank(src: usize, length: u32): bool {
  for (let i: u32 = 0; i < length; i++) {
    const c = load<u8>(src + i);
    if (c != 0x20 && c != 0) return false;
  }
  return true;
}

export class DiskIdentity {
  /** Fixed-width, space-padded ASCII fields of standard INQUIRY data. */
  readonly vendor: usize = heap.alloc(VENDOR_ID_LENGTH);
  readonly product: usize = heap.alloc(PRODUCT_ID_LENGTH);
  readonly revision: usize = heap.alloc(PRODUCT_REVISION_LENGTH);
  /** Serial number, printable ASCII, with trailing spaces removed. */
  readonly serial: usize = heap.alloc(SERIAL_CAPACITY);
  serialLength: u32 = 0;
  /** The 8-byte NAA designator, its NAA nibble in the top four bits. */
  naa: u64 = 0;

  constructor() {
    this.setNames(0, 0, 0);
  }

  /** Vendor (8 bytes), product (16) and revision (4) as fixed-width ASCII fields; a field
   *  given as pointer 0, or blank, keeps its default. */
  setNames(vendor: usize, product: usize, revision: usize): void {
    if (vendor == 0 || isBlank(vendor, VENDOR_ID_LENGTH)) {
      storeAsciiField(this.vendor, DEFAULT_VENDOR_ID, VENDOR_ID_LENGTH);
    } else {
      copyPrintableAscii(this.vendor, vendor, VENDOR_ID_LENGTH);
    }
    if (product == 0 || isBlank(product, PRODUCT_ID_LENGTH)) {
      storeAsciiField(this.product, DEFAULT_PRODUCT_ID, PRODUCT_ID_LENGTH);
    } else {
      copyPrintableAscii(this.product, product, PRODUCT_ID_LENGTH);
    }
    if (revision == 0 || isBlank(revision, PRODUCT_REVISION_LENGTH)) {
      storeAsciiField(this.revision, DEFAULT_PRODUCT_REVISION, PRODUCT_REVISION_LENGTH);
    } else {
      copyPrintableAscii(this.revision, revision, PRODUCT_REVISION_LENGTH);
    }
  }

  /** `serialLength` bytes at `serial` (anything but printable ASCII becomes a space, the
   *  excess past SERIAL_CAPACITY is dropped); `wwn` 0 derives a stable locally assigned
   *  name from the serial and the drive number. */
  setSerialAndName(serial: usize, serialLength: u32, wwn: u64, drive: u32): void {
    const n = serialLength < SERIAL_CAPACITY ? serialLength : SERIAL_CAPACITY;
    memory.fill(this.serial, 0x20, SERIAL_CAPACITY);
    copyPrintableAscii(this.serial, serial, n);
    let trimmed = n;
    while (trimmed > 0 && load<u8>(this.serial + trimmed - 1) == 0x20) trimmed--;
    // SPC-3, unit serial number VPD page: a unit without a serial number reports spaces.
    this.serialLength = trimmed > 0 ? trimmed : SERIAL_CAPACITY;
    this.naa = wwn != 0 ? wwn : this.derivedName(drive);
  }

  /** FNV-1a over the serial and the drive number, under the NAA 3h nibble. */
  private derivedName(drive: u32): u64 {
    let hash = FNV_OFFSET;
    for (let i: u32 = 0; i < this.serialLength; i++) {
      hash = (hash ^ <u64>load<u8>(this.serial + i)) * FNV_PRIME;
    }
    for (let i: u32 = 0; i < 4; i++) {
      hash = (hash ^ <u64>((drive >> (i * 8)) & 0xff)) * FNV_PRIME;
    }
    return (NAA_LOCALLY_ASSIGNED << 60) | (hash & 0x0fffffffffffffff);
  }
}
