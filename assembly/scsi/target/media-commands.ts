// Decodes the medium access commands of SBC-3 (READ/WRITE 6/10/12/16, VERIFY 10/16,
// SYNCHRONIZE CACHE 10/16) into a block range and checks it, before the controller moves
// any data: the result is a plan (media read/write, flush, nothing) or a sense condition.

import { Cdb } from './cdb';
import { DiskMedium } from './disk-medium';
import {
  OP_READ_10, OP_READ_12, OP_READ_16, OP_READ_6, OP_SYNCHRONIZE_CACHE_10, OP_SYNCHRONIZE_CACHE_16,
  OP_VERIFY_10, OP_VERIFY_16, OP_WRITE_10, OP_WRITE_12, OP_WRITE_16, OP_WRITE_6,
} from './scsi-opcodes';
import {
  INVALID_FIELD_IN_CDB, LBA_OUT_OF_RANGE, NOT_READY_NO_MEDIUM, NOT_READY_START_REQUIRED, SenseData, WRITE_PROTECTED,
} from './sense-data';
import { MAX_TRANSFER_BLOCKS } from './vpd-pages';

export const MEDIA_NONE: u32 = 0; // finished: GOOD, nothing to do
export const MEDIA_READ: u32 = 1;
export const MEDIA_WRITE: u32 = 2;
export const MEDIA_FLUSH: u32 = 3;
export const MEDIA_FAILED: u32 = 4; // CHECK CONDITION, the sense says why

/** RDPROTECT / WRPROTECT / VRPROTECT (CDB byte 1, bits 7-5): the disk has no protection
 *  information, so anything but 0 is an INVALID FIELD IN CDB (SBC-3, protection information model). */
const PROTECT_FIELD: u32 = 0xe0;
const FUA: u32 = 0x08;
/** VERIFY's BYTCHK (bits 2-1): comparing with data-out is not implemented. */
const BYTCHK: u32 = 0x06;

/** What a medium access command asks of the backend. */
export class MediaRequest {
  action: u32 = MEDIA_NONE;
  /** First 512-byte sector (block_submit's lba). */
  sector: u64 = 0;
  /** Bytes to move: at most MAX_TRANSFER_BLOCKS blocks of at most 4096 bytes, so < 2^32. */
  bytes: u32 = 0;
  /** A write that must reach stable storage before it completes. */
  forceUnitAccess: bool = false;
}

function fail(sense: SenseData, out: MediaRequest, condition: u32, fieldByte: i32): void {
  if (fieldByte < 0) sense.set(condition);
  else sense.setWithField(condition, true, <u32>fieldByte);
  out.action = MEDIA_FAILED;
}

/** Decodes the medium access command in `cdb` (its opcode must be one of them). */
export function planMediaCommand(
  cdb: Cdb, medium: DiskMedium, writeCacheEnabled: bool, sense: SenseData, out: MediaRequest,
): void {
  out.action = MEDIA_NONE;
  out.sector = 0;
  out.bytes = 0;
  out.forceUnitAccess = false;
  const op = cdb.opcode;

  let lba: u64;
  let blocks: u64;
  let lengthField: i32; // byte offset of the length field, for the sense field pointer
  let hasFlags = true;
  switch (op) {
    case OP_READ_6:
    case OP_WRITE_6: {
      // 21-bit LBA; bits 7-5 of byte 1 were the LUN in SCSI-2 and are ignored. A transfer
      // length of 0 means 256 blocks (SBC-3, READ(6)).
      lba = <u64>(cdb.be24(1) & 0x1fffff);
      blocks = cdb.byte(4) == 0 ? 256 : <u64>cdb.byte(4);
      lengthField = 4;
      hasFlags = false;
      break;
    }
    case OP_READ_10:
    case OP_WRITE_10:
    case OP_VERIFY_10:
    case OP_SYNCHRONIZE_CACHE_10: {
      lba = <u64>cdb.be32(2);
      blocks = <u64>cdb.be16(7);
      lengthField = 7;
      break;
    }
    case OP_READ_12:
    case OP_WRITE_12: {
      lba = <u64>cdb.be32(2);
      blocks = <u64>cdb.be32(6);
      lengthField = 6;
      break;
    }
    default: { // READ/WRITE/VERIFY/SYNCHRONIZE CACHE (16)
      lba = cdb.be64(2);
      blocks = <u64>cdb.be32(10);
      lengthField = 10;
      break;
    }
  }

  if (!medium.present) {
    fail(sense, out, NOT_READY_NO_MEDIUM, -1);
    return;
  }
  if (!medium.started) {
    fail(sense, out, NOT_READY_START_REQUIRED, -1);
    return;
  }

  const isSync = op == OP_SYNCHRONIZE_CACHE_10 || op == OP_SYNCHRONIZE_CACHE_16;
  if (isSync) {
    // NUMBER OF LOGICAL BLOCKS 0: from the LBA to the end of the medium. IMMED is allowed
    // to be ignored (the command then simply ends after the flush).
    if (!medium.contains(lba, blocks)) {
      fail(sense, out, LBA_OUT_OF_RANGE, -1);
      return;
    }
    out.action = MEDIA_FLUSH;
    return;
  }

  const flags = hasFlags ? cdb.byte(1) : 0;
  if ((flags & PROTECT_FIELD) != 0) {
    fail(sense, out, INVALID_FIELD_IN_CDB, 1);
    return;
  }
  const isVerify = op == OP_VERIFY_10 || op == OP_VERIFY_16;
  if (isVerify && (flags & BYTCHK) != 0) {
    fail(sense, out, INVALID_FIELD_IN_CDB, 1);
    return;
  }
  if (!isVerify && blocks > <u64>MAX_TRANSFER_BLOCKS) {
    fail(sense, out, INVALID_FIELD_IN_CDB, lengthField);
    return;
  }
  const isWrite = op == OP_WRITE_6 || op == OP_WRITE_10 || op == OP_WRITE_12 || op == OP_WRITE_16;
  if (isWrite && medium.readOnly) {
    fail(sense, out, WRITE_PROTECTED, -1);
    return;
  }
  if (!medium.contains(lba, blocks)) {
    fail(sense, out, LBA_OUT_OF_RANGE, -1);
    return;
  }
  // VERIFY with BYTCHK 0 checks the medium only; every block of an image reads back.
  // A zero TRANSFER LENGTH moves nothing and is not an error (SBC-3, READ(10)).
  if (isVerify || blocks == 0) return;

  out.action = isWrite ? MEDIA_WRITE : MEDIA_READ;
  out.sector = lba * <u64>medium.sectorsPerBlock;
  out.bytes = <u32>blocks * medium.blockSize;
  out.forceUnitAccess = isWrite && ((flags & FUA) != 0 || !writeCacheEnabled);
}
