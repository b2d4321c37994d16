// Executes one ATAPI packet (a 12-byte MMC/SPC CDB) on a CD-ROM and says what the data
// phase is: none, a reply in the channel buffer, or CD blocks to read. Sense handling as
// SPC-3 4.5 and MMC-5 describe it: a command ends in CHECK CONDITION with sense data the
// host fetches with REQUEST SENSE; a unit attention is reported once, by the first command
// other than INQUIRY, REQUEST SENSE, GET CONFIGURATION and GET EVENT STATUS NOTIFICATION
// (MMC-5 4.1.6.1), and REQUEST SENSE returns (and clears) it too.

import { LOG_DEBUG } from '../common/abi';
import { loadBe16, loadBe32 } from '../common/byte-order';
import { logHex } from '../common/core-log';
import { Drive } from './drive';
import {
  REPLY_INVALID_FIELD, REPLY_SAVING_UNSUPPORTED, buildEventStatus, buildGetConfiguration, buildInquiry,
  buildModeSense, buildReadCapacity, buildReadToc, hasMedium,
} from './mmc-replies';
import {
  ASC_INVALID_FIELD_IN_CDB, ASC_INVALID_OPCODE, ASC_LBA_OUT_OF_RANGE, ASC_MEDIUM_MAY_HAVE_CHANGED,
  ASC_MEDIUM_NOT_PRESENT, ASC_SAVING_NOT_SUPPORTED, FIXED_SENSE_LENGTH, SENSE_ILLEGAL_REQUEST,
  SENSE_NOT_READY, SENSE_UNIT_ATTENTION, clearSense, writeFixedSense,
} from './scsi-sense';

const OP_TEST_UNIT_READY: u32 = 0x00;
const OP_REQUEST_SENSE: u32 = 0x03;
const OP_INQUIRY: u32 = 0x12;
const OP_START_STOP_UNIT: u32 = 0x1b;
const OP_PREVENT_ALLOW_REMOVAL: u32 = 0x1e;
const OP_READ_CAPACITY: u32 = 0x25;
const OP_READ_10: u32 = 0x28;
const OP_READ_TOC: u32 = 0x43;
const OP_GET_CONFIGURATION: u32 = 0x46;
const OP_GET_EVENT_STATUS: u32 = 0x4a;
const OP_MODE_SENSE_10: u32 = 0x5a;
const OP_READ_12: u32 = 0xa8;

/** The command has no data phase and succeeded. */
export const MMC_GOOD: u32 = 0;
/** `length` bytes of reply are at the start of the reply buffer. */
export const MMC_DATA_IN: u32 = 1;
/** Read `blocks` 2048-byte blocks starting at block `lba`. */
export const MMC_READ_BLOCKS: u32 = 2;
/** CHECK CONDITION; the drive's sense says why. */
export const MMC_CHECK_CONDITION: u32 = 3;

export class MmcOutcome {
  kind: u32 = MMC_GOOD;
  length: u32 = 0;
  lba: u64 = 0;
  blocks: u32 = 0;
}

function good(out: MmcOutcome): void {
  out.kind = MMC_GOOD;
}

function check(drive: Drive, out: MmcOutcome, key: u32, asc: u32): void {
  drive.setSense(key, asc, 0);
  out.kind = MMC_CHECK_CONDITION;
}

/** A reply of `built` bytes (or a REPLY_* code), truncated to `allocation` bytes. */
function reply(drive: Drive, out: MmcOutcome, built: i32, allocation: u32): void {
  if (built == REPLY_INVALID_FIELD) {
    check(drive, out, SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD_IN_CDB);
    return;
  }
  if (built == REPLY_SAVING_UNSUPPORTED) {
    check(drive, out, SENSE_ILLEGAL_REQUEST, ASC_SAVING_NOT_SUPPORTED);
    return;
  }
  const n = <u32>built;
  out.kind = MMC_DATA_IN;
  out.length = n < allocation ? n : allocation;
}

function allowedDuringUnitAttention(opcode: u32): bool {
  return opcode == OP_INQUIRY || opcode == OP_REQUEST_SENSE || opcode == OP_GET_CONFIGURATION ||
    opcode == OP_GET_EVENT_STATUS;
}

/** Runs the CDB at `cdb`; a reply is written at `dst` (at least 4 KiB). */
export function runMmcCommand(drive: Drive, cdb: usize, dst: usize, out: MmcOutcome): void {
  const opcode = <u32>load<u8>(cdb);
  out.length = 0;
  out.blocks = 0;
  if (opcode != OP_REQUEST_SENSE) clearSense(drive);
  if (drive.unitAttention && !allowedDuringUnitAttention(opcode)) {
    drive.unitAttention = false;
    check(drive, out, SENSE_UNIT_ATTENTION, ASC_MEDIUM_MAY_HAVE_CHANGED);
    return;
  }
  switch (opcode) {
    case OP_TEST_UNIT_READY:
      if (requireMedium(drive, out)) good(out);
      return;
    case OP_REQUEST_SENSE:
      requestSense(drive, cdb, dst, out);
      return;
    case OP_INQUIRY:
      reply(drive, out, buildInquiry(drive, cdb, dst), loadBe16(cdb + 3));
      return;
    case OP_START_STOP_UNIT:
      // Spin up/down and load are no-ops for an image; eject is not offered (capabilities
      // page), so a request for it just completes.
      good(out);
      return;
    case OP_PREVENT_ALLOW_REMOVAL:
      drive.mediumLocked = (load<u8>(cdb, 4) & 1) != 0;
      good(out);
      return;
    case OP_READ_CAPACITY:
      if (requireMedium(drive, out)) reply(drive, out, buildReadCapacity(drive, dst), 8);
      return;
    case OP_READ_10:
      read(drive, <u64>loadBe32(cdb + 2), loadBe16(cdb + 7), out);
      return;
    case OP_READ_12:
      read(drive, <u64>loadBe32(cdb + 2), loadBe32(cdb + 6), out);
      return;
    case OP_READ_TOC:
      if (requireMedium(drive, out)) reply(drive, out, buildReadToc(drive, cdb, dst), loadBe16(cdb + 7));
      return;
    case OP_MODE_SENSE_10:
      reply(drive, out, buildModeSense(drive, cdb, dst), loadBe16(cdb + 7));
      return;
    case OP_GET_CONFIGURATION:
      reply(drive, out, buildGetConfiguration(drive, cdb, dst), loadBe16(cdb + 7));
      return;
    case OP_GET_EVENT_STATUS:
      reply(drive, out, buildEventStatus(drive, cdb, dst), loadBe16(cdb + 7));
      return;
    default:
      logHex(LOG_DEBUG, "ide: ATAPI opcode not supported", opcode);
      check(drive, out, SENSE_ILLEGAL_REQUEST, ASC_INVALID_OPCODE);
  }
}

function requireMedium(drive: Drive, out: MmcOutcome): bool {
  if (hasMedium(drive)) return true;
  check(drive, out, SENSE_NOT_READY, ASC_MEDIUM_NOT_PRESENT);
  return false;
}

/** REQUEST SENSE: the pending unit attention if any, else the last command's sense; the
 *  sense is consumed either way. */
function requestSense(drive: Drive, cdb: usize, dst: usize, out: MmcOutcome): void {
  if (drive.unitAttention) {
    drive.unitAttention = false;
    writeFixedSense(dst, SENSE_UNIT_ATTENTION, ASC_MEDIUM_MAY_HAVE_CHANGED, 0);
  } else {
    writeFixedSense(dst, drive.senseKey, drive.senseAsc, drive.senseAscq);
  }
  clearSense(drive);
  reply(drive, out, <i32>FIXED_SENSE_LENGTH, <u32>load<u8>(cdb, 4));
}

function read(drive: Drive, lba: u64, blocks: u32, out: MmcOutcome): void {
  if (!requireMedium(drive, out)) return;
  if (lba + <u64>blocks > drive.cdBlocks) {
    check(drive, out, SENSE_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
    return;
  }
  drive.standby = false;
  if (blocks == 0) {
    good(out);
    return;
  }
  out.kind = MMC_READ_BLOCKS;
  out.lba = lba;
  out.blocks = blocks;
}
