// The data an ATAPI CD-ROM returns to the MMC/SPC commands Linux's sr/cdrom drivers issue:
// INQUIRY and its VPD pages (SPC-3 6.4), READ CAPACITY (MMC-5 6.23), READ TOC formats 0
// and 1 (MMC-5 6.33), MODE SENSE(10) pages 01h and 2Ah (MMC-5 7.3, SFF-8090 capabilities
// page), GET CONFIGURATION (MMC-5 6.6, features 0000h-001Eh) and GET EVENT STATUS
// NOTIFICATION media class (MMC-5 6.8). Each builder writes the full reply at `dst` and
// returns its length (the caller truncates to the allocation length), or a REPLY_* code.

import { loadBe16, storeAsciiField, storeBe16, storeBe32 } from '../common/byte-order';
import { CD_BLOCK_SIZE } from './ata-defs';
import { SERIAL_LENGTH } from './config';
import { Drive } from './drive';

/** A CDB field has a value this device does not support. */
export const REPLY_INVALID_FIELD: i32 = -1;
/** MODE SENSE asked for saved values. */
export const REPLY_SAVING_UNSUPPORTED: i32 = -2;

const INQUIRY_LENGTH: u32 = 36;
/** INQUIRY product identification: 16 bytes, taken from the start of the model string. */
const PRODUCT_ID_LENGTH: u32 = 16;
const PROFILE_CD_ROM: u32 = 0x0008;
/** 32x in kB/s (1x = 176 kB/s), reported as both maximum and current read speed. */
const READ_SPEED_KBPS: u32 = 5632;
/** Lead-in offset of MSF addresses: LBA 0 is 00:02:00 (MMC-5 4.2.3.3). */
const MSF_LBA_OFFSET: u32 = 150;

export function hasMedium(drive: Drive): bool {
  return drive.cdBlocks > 0;
}

/** INQUIRY: standard data, or VPD pages 00h (supported pages) and 80h (serial number). */
export function buildInquiry(drive: Drive, cdb: usize, dst: usize): i32 {
  const evpd = (load<u8>(cdb, 1) & 1) != 0;
  const page = <u32>load<u8>(cdb, 2);
  if (evpd) {
    memory.fill(dst, 0, 6);
    store<u8>(dst, 0x05);
    store<u8>(dst, <u8>page, 1);
    if (page == 0x00) {
      store<u8>(dst, 2, 3);
      store<u8>(dst, 0x00, 4);
      store<u8>(dst, 0x80, 5);
      return 6;
    }
    if (page == 0x80) {
      store<u8>(dst, <u8>SERIAL_LENGTH, 3);
      memory.copy(dst + 4, drive.config.serial, SERIAL_LENGTH);
      return 4 + SERIAL_LENGTH;
    }
    return REPLY_INVALID_FIELD;
  }
  if (page != 0) return REPLY_INVALID_FIELD;
  memory.fill(dst, 0, INQUIRY_LENGTH);
  store<u8>(dst, 0x05); // peripheral device type 5: CD/DVD
  store<u8>(dst, 0x80, 1); // removable medium
  store<u8>(dst, 0x05, 2); // SPC-3
  store<u8>(dst, 0x02, 3); // response data format 2
  store<u8>(dst, <u8>(INQUIRY_LENGTH - 5), 4);
  storeAsciiField(dst + 8, "HVMIO", 8);
  memory.copy(dst + 16, drive.config.model, PRODUCT_ID_LENGTH);
  storeAsciiField(dst + 32, "1.0", 4);
  return <i32>INQUIRY_LENGTH;
}

/** READ CAPACITY(10): last block address and block length. */
export function buildReadCapacity(drive: Drive, dst: usize): i32 {
  storeBe32(dst, <u32>(drive.cdBlocks - 1));
  storeBe32(dst + 4, CD_BLOCK_SIZE);
  return 8;
}

function storeAddress(dst: usize, lba: u64, msf: bool): void {
  if (!msf) {
    storeBe32(dst, <u32>lba);
    return;
  }
  const frames = lba + MSF_LBA_OFFSET;
  let minutes = frames / (75 * 60);
  if (minutes > 0xff) minutes = 0xff;
  store<u8>(dst, 0);
  store<u8>(dst, <u8>minutes, 1);
  store<u8>(dst, <u8>((frames / 75) % 60), 2);
  store<u8>(dst, <u8>(frames % 75), 3);
}

function storeTrackDescriptor(dst: usize, track: u32, lba: u64, msf: bool): void {
  store<u8>(dst, 0);
  store<u8>(dst, 0x14, 1); // ADR 1 (current position), control 4: data track
  store<u8>(dst, <u8>track, 2);
  store<u8>(dst, 0, 3);
  storeAddress(dst + 4, lba, msf);
}

/** READ TOC/PMA/ATIP formats 0 (TOC) and 1 (session info) of a one-track data disc. */
export function buildReadToc(drive: Drive, cdb: usize, dst: usize): i32 {
  const msf = (load<u8>(cdb, 1) & 0x02) != 0;
  let format = <u32>load<u8>(cdb, 2) & 0x0f;
  // Older hosts put the format in the top bits of the control byte (SFF-8020i).
  if (format == 0) format = <u32>load<u8>(cdb, 9) >> 6;
  const track = <u32>load<u8>(cdb, 6);
  const leadOut = drive.cdBlocks;
  if (format == 0) {
    if (track > 1 && track != 0xaa) return REPLY_INVALID_FIELD;
    let len: u32 = 4;
    if (track <= 1) {
      storeTrackDescriptor(dst + len, 1, 0, msf);
      len += 8;
    }
    storeTrackDescriptor(dst + len, 0xaa, leadOut, msf);
    len += 8;
    storeBe16(dst, len - 2);
    store<u8>(dst, 1, 2); // first track
    store<u8>(dst, 1, 3); // last track
    return <i32>len;
  }
  if (format == 1) {
    storeBe16(dst, 10);
    store<u8>(dst, 1, 2); // first session
    store<u8>(dst, 1, 3); // last session
    storeTrackDescriptor(dst + 4, 1, 0, msf);
    return 12;
  }
  return REPLY_INVALID_FIELD;
}

const MODE_HEADER_LENGTH: u32 = 8;
const ERROR_RECOVERY_PAGE_LENGTH: u32 = 8;
const CAPABILITIES_PAGE_LENGTH: u32 = 20;

function putErrorRecoveryPage(dst: usize, changeable: bool): void {
  memory.fill(dst, 0, ERROR_RECOVERY_PAGE_LENGTH);
  store<u8>(dst, 0x01);
  store<u8>(dst, <u8>(ERROR_RECOVERY_PAGE_LENGTH - 2), 1);
  if (!changeable) store<u8>(dst, 5, 3); // read retry count
}

function putCapabilitiesPage(dst: usize, drive: Drive, changeable: bool): void {
  memory.fill(dst, 0, CAPABILITIES_PAGE_LENGTH);
  store<u8>(dst, 0x2a);
  store<u8>(dst, <u8>(CAPABILITIES_PAGE_LENGTH - 2), 1);
  if (changeable) return; // nothing on this page can be changed
  store<u8>(dst, 0x00, 2); // reads CD-ROM media only (no CD-R/RW, no DVD)
  store<u8>(dst, 0x00, 3); // writes nothing
  store<u8>(dst, 0x70, 4); // mode 2 form 1 and 2, multi-session; no audio play
  store<u8>(dst, 0x00, 5);
  // Tray loading mechanism, lock supported, current lock state; no software eject.
  store<u8>(dst, <u8>(0x21 | (drive.mediumLocked ? 0x02 : 0)), 6);
  storeBe16(dst + 8, READ_SPEED_KBPS);
  storeBe16(dst + 12, 512); // buffer size, kB
  storeBe16(dst + 14, READ_SPEED_KBPS);
}

/** MODE SENSE(10): pages 01h, 2Ah or all (3Fh); current/default or changeable values. */
export function buildModeSense(drive: Drive, cdb: usize, dst: usize): i32 {
  const control = <u32>load<u8>(cdb, 2) >> 6;
  const page = <u32>load<u8>(cdb, 2) & 0x3f;
  if (control == 3) return REPLY_SAVING_UNSUPPORTED;
  const changeable = control == 1;
  memory.fill(dst, 0, MODE_HEADER_LENGTH);
  let len = MODE_HEADER_LENGTH;
  if (page == 0x01 || page == 0x3f) {
    putErrorRecoveryPage(dst + len, changeable);
    len += ERROR_RECOVERY_PAGE_LENGTH;
  }
  if (page == 0x2a || page == 0x3f) {
    putCapabilitiesPage(dst + len, drive, changeable);
    len += CAPABILITIES_PAGE_LENGTH;
  }
  if (len == MODE_HEADER_LENGTH) return REPLY_INVALID_FIELD;
  storeBe16(dst, len - 2);
  // Medium type: 120 mm CD-ROM data disc, or "door closed, no disc".
  store<u8>(dst, <u8>(hasMedium(drive) ? 0x01 : 0x70), 2);
  return <i32>len;
}

const FEATURE_PROFILE_LIST: u32 = 0x0000;
const FEATURE_CORE: u32 = 0x0001;
const FEATURE_REMOVABLE_MEDIUM: u32 = 0x0003;
const FEATURE_RANDOM_READABLE: u32 = 0x0010;
const FEATURE_CD_READ: u32 = 0x001e;

const FEATURE_PERSISTENT: u32 = 0x02;
const FEATURE_CURRENT: u32 = 0x01;

/** Writes one feature descriptor header (version 0) and zeroes its body; returns the
 *  descriptor's total length. */
function putFeatureHeader(dst: usize, code: u32, flags: u32, additional: u32): u32 {
  storeBe16(dst, code);
  store<u8>(dst, <u8>flags, 2);
  store<u8>(dst, <u8>additional, 3);
  memory.fill(dst + 4, 0, additional);
  return 4 + additional;
}

/** Appends feature `code` at `dst`; returns its length. */
function putFeature(drive: Drive, code: u32, dst: usize): u32 {
  const always = FEATURE_PERSISTENT | FEATURE_CURRENT;
  // Reading features are current only with a disc in the drive.
  const withDisc = hasMedium(drive) ? FEATURE_CURRENT : 0;
  switch (code) {
    case FEATURE_PROFILE_LIST: {
      const n = putFeatureHeader(dst, code, always, 4);
      storeBe16(dst + 4, PROFILE_CD_ROM);
      store<u8>(dst, <u8>withDisc, 6); // CurrentP
      return n;
    }
    case FEATURE_CORE: {
      const n = putFeatureHeader(dst, code, always, 4);
      storeBe32(dst + 4, 2); // physical interface: ATAPI
      return n;
    }
    case FEATURE_REMOVABLE_MEDIUM: {
      const n = putFeatureHeader(dst, code, always, 4);
      store<u8>(dst, 0x21, 4); // tray, lock supported, no software eject
      return n;
    }
    case FEATURE_RANDOM_READABLE: {
      const n = putFeatureHeader(dst, code, withDisc, 8);
      storeBe32(dst + 4, CD_BLOCK_SIZE);
      storeBe16(dst + 8, 1); // blocking
      return n;
    }
    case FEATURE_CD_READ: {
      return putFeatureHeader(dst, code, withDisc, 4);
    }
    default:
      return 0;
  }
}

function featureIsCurrent(drive: Drive, code: u32): bool {
  return (code != FEATURE_RANDOM_READABLE && code != FEATURE_CD_READ) || hasMedium(drive);
}

/** GET CONFIGURATION: RT 0 (all from the starting feature), 1 (current ones), 2 (one). */
export function buildGetConfiguration(drive: Drive, cdb: usize, dst: usize): i32 {
  const rt = <u32>load<u8>(cdb, 1) & 0x03;
  const start = loadBe16(cdb + 2);
  if (rt == 3) return REPLY_INVALID_FIELD;
  memory.fill(dst, 0, 8);
  storeBe16(dst + 6, hasMedium(drive) ? PROFILE_CD_ROM : 0);
  let len: u32 = 8;
  for (let i = 0; i < 5; i++) {
    const code = i == 0 ? FEATURE_PROFILE_LIST : i == 1 ? FEATURE_CORE : i == 2 ? FEATURE_REMOVABLE_MEDIUM :
      i == 3 ? FEATURE_RANDOM_READABLE : FEATURE_CD_READ;
    if (rt == 2 ? code != start : code < start) continue;
    if (rt == 1 && !featureIsCurrent(drive, code)) continue;
    len += putFeature(drive, code, dst + len);
  }
  storeBe32(dst, len - 4);
  return <i32>len;
}

/** GET EVENT STATUS NOTIFICATION, polled: the media class, reporting a new disc once after
 *  power-on; other classes are not supported (NEA). */
export function buildEventStatus(drive: Drive, cdb: usize, dst: usize): i32 {
  if ((load<u8>(cdb, 1) & 1) == 0) return REPLY_INVALID_FIELD; // asynchronous mode unsupported
  const request = <u32>load<u8>(cdb, 4);
  const MEDIA_CLASS: u32 = 0x10;
  memory.fill(dst, 0, 8);
  store<u8>(dst, <u8>MEDIA_CLASS, 3); // supported classes
  if ((request & MEDIA_CLASS) == 0) {
    storeBe16(dst, 2);
    store<u8>(dst, 0x80, 2); // no event available
    return 4;
  }
  storeBe16(dst, 6);
  store<u8>(dst, 0x04, 2); // class: media
  const newMedia = drive.mediaEventPending && hasMedium(drive);
  drive.mediaEventPending = false;
  store<u8>(dst, newMedia ? 0x02 : 0x00, 4); // NewMedia / NoChg
  store<u8>(dst, hasMedium(drive) ? 0x02 : 0x00, 5); // media present, tray closed
  return 8;
}
