// A SCSI direct-access disk (SBC-3) behind the LSI controller: LUN 0 of its target, logical
// blocks of 512 to 4096 bytes. It turns each CDB into a plan (target-api.ts) and keeps the
// per-LUN state SCSI defines: sense data, the unit attention condition, the mode parameters,
// started/stopped. There is one initiator and one sense buffer: a queued command failing
// before the initiator fetched an earlier failure's sense replaces it (sym53c8xx sends
// REQUEST SENSE right after each CHECK CONDITION and holds the LUN's queue meanwhile).
// Every other LUN of the target answers as SAM-4 says an incorrect LUN does: INQUIRY with
// peripheral qualifier 3, REQUEST SENSE with LOGICAL UNIT NOT SUPPORTED as its data,
// REPORT LUNS as usual, and anything else CHECK CONDITION / LOGICAL UNIT NOT SUPPORTED.
//
// Check order for a command to LUN 0: the last command's sense is dropped (unless this is
// REQUEST SENSE; SPC-3, sense data), a pending unit attention pre-empts it, then an unknown
// operation code, a CDB shorter than its group, NACA or LINK in the CONTROL byte (neither is
// supported), and last the command's own fields.
//
// All memory is allocated when the disk is created; a command only writes its buffers.

import { Cdb } from './cdb';
import { writeReadCapacity10, writeReadCapacity16 } from './capacity';
import { DiskIdentity } from './disk-identity';
import { DiskMedium } from './disk-medium';
import {
  MEDIA_FAILED, MEDIA_FLUSH, MEDIA_NONE, MEDIA_READ, MediaRequest, planMediaCommand,
} from './media-commands';
import { mediaStatusCondition } from './media-status';
import { ModeParameters } from './mode-pages';
import { MAX_MODE_SELECT_LIST, applyModeSelect } from './mode-select';
import { MAX_MODE_SENSE_LENGTH, buildModeSense } from './mode-sense';
import { writeReportLuns } from './report-luns';
import {
  OP_INQUIRY, OP_MODE_SELECT_10, OP_MODE_SELECT_6, OP_MODE_SENSE_10, OP_MODE_SENSE_6,
  OP_PREVENT_ALLOW_MEDIUM_REMOVAL, OP_READ_10, OP_READ_12, OP_READ_16, OP_READ_6, OP_READ_CAPACITY_10,
  OP_REPORT_LUNS, OP_REQUEST_SENSE, OP_SERVICE_ACTION_IN_16, OP_START_STOP_UNIT, OP_SYNCHRONIZE_CACHE_10,
  OP_SYNCHRONIZE_CACHE_16, OP_TEST_UNIT_READY, OP_VERIFY_10, OP_VERIFY_16, OP_WRITE_10, OP_WRITE_12,
  OP_WRITE_16, OP_WRITE_6, SA_READ_CAPACITY_16, isSupportedOpcode,
} from './scsi-opcodes';
import {
  ABORTED_DATA_PHASE_ERROR, INVALID_COMMAND_OPERATION_CODE, INVALID_FIELD_IN_CDB, LOGICAL_UNIT_NOT_SUPPORTED,
  MAX_SENSE_LENGTH, NOT_READY_NO_MEDIUM, NOT_READY_START_REQUIRED, NO_SENSE, SenseData,
} from './sense-data';
import { DEVICE_TYPE_DISK, PERIPHERAL_NO_LUN, STANDARD_INQUIRY_LENGTH, writeStandardInquiry } from './standard-inquiry';
import {
  CommandPlan, PLAN_BUFFER_IN, PLAN_BUFFER_OUT, PLAN_FLUSH, PLAN_MEDIA_READ, PLAN_MEDIA_WRITE, PLAN_NO_DATA,
  SCSI_STATUS_CHECK_CONDITION, SCSI_STATUS_GOOD, ScsiTarget,
} from './target-api';
import { UnitAttention } from './unit-attention';
import { VPD_UNSUPPORTED, writeNoLunVpdPage, writeVpdPage } from './vpd-pages';

/** The disk's only logical unit. */
export const DISK_LUN: u32 = 0;
/** Data-in replies: INQUIRY, VPD pages, MODE SENSE, READ CAPACITY, REPORT LUNS, sense. */
const DATA_IN_CAPACITY: u32 = 256;

// CONTROL byte (SAM-4): NACA and LINK; neither is supported.
const CONTROL_NACA: u32 = 0x04;
const CONTROL_LINK: u32 = 0x01;

// START STOP UNIT (SBC-3): POWER CONDITION values accepted.
const POWER_START_VALID: u32 = 0x0;
const POWER_ACTIVE: u32 = 0x1;
const POWER_IDLE: u32 = 0x2;
const POWER_STANDBY: u32 = 0x3;
const POWER_LU_CONTROL: u32 = 0x7;
const POWER_FORCE_IDLE_0: u32 = 0xa;
const POWER_FORCE_STANDBY_0: u32 = 0xb;

export class ScsiDisk implements ScsiTarget {
  private readonly cdb: Cdb = new Cdb();
  private readonly sense: SenseData = new SenseData();
  /** Sense of a command to a LUN the target does not have (never kept: always 25h/00h). */
  private readonly noLunSense: SenseData = new SenseData();
  private readonly unitAttention: UnitAttention = new UnitAttention();
  private readonly identity: DiskIdentity = new DiskIdentity();
  private readonly medium: DiskMedium = new DiskMedium();
  private readonly mode: ModeParameters = new ModeParameters();
  private readonly media: MediaRequest = new MediaRequest();
  private readonly dataIn: usize = heap.alloc(DATA_IN_CAPACITY);
  private readonly dataOut: usize = heap.alloc(MAX_MODE_SELECT_LIST);
  /** The MODE SELECT waiting for its parameter list (one at a time). */
  private modeSelectPending: bool = false;
  private modeSelectTen: bool = false;
  private modeSelectLength: u32 = 0;

  constructor() {
    this.noLunSense.set(LOGICAL_UNIT_NOT_SUPPORTED);
  }

  /** Sets what the disk is: `sectors` 512-byte sectors of backend drive `drive`, seen as
   *  logical blocks of `blockSize` bytes (512, 1024, 2048 or 4096; the capacity must be a
   *  whole number of blocks, at most MAX_DISK_SECTORS sectors), write protected or not, a
   *  serial of `serialLength` ASCII bytes at `serial` (up to 20 are kept) and a worldwide
   *  name (`wwn` 0: derived from serial and drive, NAA 3h). Then powers the disk on.
   *  Returns false, changing nothing, when the medium is refused. */
  configure(drive: u32, sectors: u64, blockSize: u32, readOnly: bool, serial: usize, serialLength: u32,
    wwn: u64): bool {
    if (!this.medium.configure(drive, sectors, blockSize, readOnly)) return false;
    this.identity.setSerialAndName(serial, serialLength, wwn, drive);
    this.powerOn();
    return true;
  }

  /** Replaces the INQUIRY vendor (8 bytes at `vendor`), product (16) and revision (4);
   *  a pointer 0 or a blank field keeps the default ("HVMIO", "HARDDISK", "1.0"). */
  setInquiryNames(vendor: usize, product: usize, revision: usize): void {
    this.identity.setNames(vendor, product, revision);
  }

  /** Power-on: as a reset, and the unit is started (disks spin up at power-on here). */
  powerOn(): void {
    this.busReset();
  }

  // ---- ScsiTarget

  busReset(): void {
    this.sense.clear();
    this.unitAttention.raiseReset();
    this.mode.restoreDefaults();
    this.medium.started = true;
    this.modeSelectPending = false;
  }

  startCommand(lun: u32, tag: i32, cdb: usize, cdbLength: u32, out: CommandPlan): void {
    this.cdb.receive(cdb, cdbLength);
    resetPlan(out);
    if (lun != DISK_LUN) {
      this.startForMissingLun(out);
      return;
    }
    const op = this.cdb.opcode;
    if (op != OP_REQUEST_SENSE) this.sense.clear();
    if (this.unitAttention.pending && UnitAttention.reportedBy(op)) {
      this.sense.set(this.unitAttention.condition);
      this.unitAttention.clear();
      checkCondition(out);
      return;
    }
    if (!this.cdbIsAcceptable(this.sense, out)) return;

    switch (op) {
      case OP_TEST_UNIT_READY: {
        this.mediumReady(out);
        break;
      }
      case OP_REQUEST_SENSE: {
        this.requestSense(this.sense, out);
        break;
      }
      case OP_INQUIRY: {
        this.inquiry(true, this.sense, out);
        break;
      }
      case OP_MODE_SENSE_6:
      case OP_MODE_SENSE_10: {
        const allocation = op == OP_MODE_SENSE_10 ? this.cdb.be16(7) : this.cdb.byte(4);
        const built = buildModeSense(this.dataIn, this.cdb, this.mode, this.medium, this.sense);
        if (built < 0) checkCondition(out);
        else this.replyIn(out, <u32>built, allocation);
        break;
      }
      case OP_MODE_SELECT_6:
      case OP_MODE_SELECT_10: {
        this.startModeSelect(op == OP_MODE_SELECT_10, out);
        break;
      }
      case OP_START_STOP_UNIT: {
        this.startStopUnit(out);
        break;
      }
      case OP_PREVENT_ALLOW_MEDIUM_REMOVAL: {
        // The medium is not removable; PREVENT 00b/01b are accepted and change nothing,
        // the obsolete values 10b/11b are refused.
        if ((this.cdb.byte(4) & 0x03) > 1) this.failField(out, INVALID_FIELD_IN_CDB, 4);
        break;
      }
      case OP_READ_CAPACITY_10: {
        this.readCapacity10(out);
        break;
      }
      case OP_SERVICE_ACTION_IN_16: {
        this.serviceActionIn16(out);
        break;
      }
      case OP_REPORT_LUNS: {
        this.reportLuns(this.sense, out);
        break;
      }
      case OP_READ_6: case OP_READ_10: case OP_READ_12: case OP_READ_16:
      case OP_WRITE_6: case OP_WRITE_10: case OP_WRITE_12: case OP_WRITE_16:
      case OP_VERIFY_10: case OP_VERIFY_16:
      case OP_SYNCHRONIZE_CACHE_10: case OP_SYNCHRONIZE_CACHE_16: {
        this.mediaCommand(out);
        break;
      }
      default: {
        // isSupportedOpcode() and this switch list the same operation codes.
        this.failField(out, INVALID_COMMAND_OPERATION_CODE, 0);
        break;
      }
    }
  }

  dataOutDone(lun: u32, bytes: u32, out: CommandPlan): void {
    resetPlan(out);
    if (lun != DISK_LUN) {
      checkCondition(out);
      return;
    }
    if (!this.modeSelectPending) {
      // Data-out for a command that asked for none (or was reset meanwhile).
      this.fail(out, ABORTED_DATA_PHASE_ERROR);
      return;
    }
    this.modeSelectPending = false;
    const length = bytes < this.modeSelectLength ? bytes : this.modeSelectLength;
    if (!applyModeSelect(this.dataOut, length, this.modeSelectTen, this.mode, this.medium, this.sense)) {
      checkCondition(out);
    }
  }

  mediaDone(lun: u32, status: i32): u8 {
    if (lun != DISK_LUN) return SCSI_STATUS_CHECK_CONDITION;
    const condition = mediaStatusCondition(status);
    if (condition == NO_SENSE) return SCSI_STATUS_GOOD;
    this.sense.set(condition);
    return SCSI_STATUS_CHECK_CONDITION;
  }

  dataPhaseAborted(lun: u32): u8 {
    if (lun != DISK_LUN) return SCSI_STATUS_CHECK_CONDITION;
    this.modeSelectPending = false;
    this.sense.set(ABORTED_DATA_PHASE_ERROR);
    return SCSI_STATUS_CHECK_CONDITION;
  }

  // ---- command checks shared by every LUN

  /** Operation code known, whole CDB received, CONTROL byte without NACA or LINK. */
  private cdbIsAcceptable(sense: SenseData, out: CommandPlan): bool {
    const cdb = this.cdb;
    if (!isSupportedOpcode(cdb.opcode)) {
      sense.setWithField(INVALID_COMMAND_OPERATION_CODE, true, 0);
      checkCondition(out);
      return false;
    }
    if (!cdb.complete) {
      sense.set(INVALID_FIELD_IN_CDB);
      checkCondition(out);
      return false;
    }
    if ((cdb.control & (CONTROL_NACA | CONTROL_LINK)) != 0) {
      sense.setWithField(INVALID_FIELD_IN_CDB, true, cdb.groupLength - 1);
      checkCondition(out);
      return false;
    }
    return true;
  }

  private startForMissingLun(out: CommandPlan): void {
    const op = this.cdb.opcode;
    // A scratch sense: what it says is not kept, REQUEST SENSE to this LUN always answers
    // LOGICAL UNIT NOT SUPPORTED.
    const scratch = this.noLunSense;
    if (op != OP_INQUIRY && op != OP_REQUEST_SENSE && op != OP_REPORT_LUNS) {
      checkCondition(out);
      return;
    }
    if (this.cdbIsAcceptable(scratch, out)) {
      if (op == OP_INQUIRY) this.inquiry(false, scratch, out);
      else if (op == OP_REPORT_LUNS) this.reportLuns(scratch, out);
      else {
        scratch.set(LOGICAL_UNIT_NOT_SUPPORTED);
        this.requestSense(scratch, out);
      }
    }
    scratch.set(LOGICAL_UNIT_NOT_SUPPORTED);
  }

  // ---- commands

  /** REQUEST SENSE (SPC-3): the pending sense, else a pending unit attention, else
   *  NO SENSE; either is cleared by being returned. DESC selects descriptor format. */
  private requestSense(sense: SenseData, out: CommandPlan): void {
    const descriptor = (this.cdb.byte(1) & 0x01) != 0;
    if (sense == this.sense && !sense.pending && this.unitAttention.pending) {
      sense.set(this.unitAttention.condition);
      this.unitAttention.clear();
    }
    const length = descriptor ? sense.writeDescriptor(this.dataIn) : sense.writeFixed(this.dataIn);
    sense.clear();
    this.replyIn(out, length, this.cdb.byte(4));
  }

  /** INQUIRY (SPC-3): standard data, or a VPD page when EVPD is set. */
  private inquiry(present: bool, sense: SenseData, out: CommandPlan): void {
    const cdb = this.cdb;
    const evpd = (cdb.byte(1) & 0x01) != 0;
    const cmddt = (cdb.byte(1) & 0x02) != 0; // obsolete; refused
    const page = cdb.byte(2);
    const allocation = cdb.be16(3);
    if (cmddt) {
      sense.setWithField(INVALID_FIELD_IN_CDB, true, 1);
      checkCondition(out);
      return;
    }
    let length: i32;
    if (!evpd) {
      length = page == 0
        ? <i32>writeStandardInquiry(this.dataIn, present ? DEVICE_TYPE_DISK : PERIPHERAL_NO_LUN, this.identity)
        : VPD_UNSUPPORTED;
    } else if (present) {
      length = writeVpdPage(this.dataIn, page, this.identity);
    } else {
      length = writeNoLunVpdPage(this.dataIn, page, PERIPHERAL_NO_LUN);
    }
    if (length < 0) {
      sense.setWithField(INVALID_FIELD_IN_CDB, true, 2);
      checkCondition(out);
      return;
    }
    this.replyIn(out, <u32>length, allocation);
  }

  private reportLuns(sense: SenseData, out: CommandPlan): void {
    const length = writeReportLuns(this.dataIn, this.cdb.byte(2));
    if (length < 0) {
      sense.setWithField(INVALID_FIELD_IN_CDB, true, 2);
      checkCondition(out);
      return;
    }
    this.replyIn(out, <u32>length, this.cdb.be32(6));
  }

  /** READ CAPACITY(10) (SBC-3). With PMI 0 the LBA field must be 0; with PMI 1 the
   *  answer is the last LBA of the medium, which is the next "substantial delay" here. */
  private readCapacity10(out: CommandPlan): void {
    const pmi = (this.cdb.byte(8) & 0x01) != 0;
    if (!pmi && this.cdb.be32(2) != 0) {
      this.failField(out, INVALID_FIELD_IN_CDB, 2);
      return;
    }
    if (!this.mediumReady(out)) return;
    this.replyIn(out, writeReadCapacity10(this.dataIn, this.medium), u32.MAX_VALUE);
  }

  /** Whether the medium can be accessed; if not, CHECK CONDITION with NOT READY: no
   *  usable medium (a zero-byte image, disk-medium.ts) or stopped by START STOP UNIT. */
  private mediumReady(out: CommandPlan): bool {
    if (!this.medium.present) {
      this.fail(out, NOT_READY_NO_MEDIUM);
      return false;
    }
    if (!this.medium.started) {
      this.fail(out, NOT_READY_START_REQUIRED);
      return false;
    }
    return true;
  }

  /** SERVICE ACTION IN(16): only READ CAPACITY(16) (SBC-3) is implemented. */
  private serviceActionIn16(out: CommandPlan): void {
    const cdb = this.cdb;
    if ((cdb.byte(1) & 0x1f) != SA_READ_CAPACITY_16) {
      this.failField(out, INVALID_FIELD_IN_CDB, 1);
      return;
    }
    const pmi = (cdb.byte(14) & 0x01) != 0;
    if (!pmi && cdb.be64(2) != 0) {
      this.failField(out, INVALID_FIELD_IN_CDB, 2);
      return;
    }
    if (!this.mediumReady(out)) return;
    this.replyIn(out, writeReadCapacity16(this.dataIn, this.medium), cdb.be32(10));
  }

  /** MODE SELECT(6/10) (SPC-3): SP is refused (no saved pages); a zero parameter
   *  list length is no data and not an error; the list is checked in dataOutDone. PF is
   *  not checked: the list is read in the SPC page format either way. */
  private startModeSelect(ten: bool, out: CommandPlan): void {
    const cdb = this.cdb;
    if ((cdb.byte(1) & 0x01) != 0) {
      this.failField(out, INVALID_FIELD_IN_CDB, 1);
      return;
    }
    const length = ten ? cdb.be16(7) : cdb.byte(4);
    if (length == 0) return;
    if (length > MAX_MODE_SELECT_LIST) {
      this.failField(out, INVALID_FIELD_IN_CDB, ten ? 7 : 4);
      return;
    }
    this.modeSelectPending = true;
    this.modeSelectTen = ten;
    this.modeSelectLength = length;
    memory.fill(this.dataOut, 0, MAX_MODE_SELECT_LIST);
    out.plan = PLAN_BUFFER_OUT;
    out.bufferPtr = this.dataOut;
    out.transferBytes = length;
  }

  /** START STOP UNIT (SBC-3). LOEJ is ignored (nothing to eject); IMMED changes
   *  nothing (the command is immediate anyway). */
  private startStopUnit(out: CommandPlan): void {
    const powerCondition = this.cdb.byte(4) >> 4;
    const start = (this.cdb.byte(4) & 0x01) != 0;
    switch (powerCondition) {
      case POWER_START_VALID: {
        this.medium.started = start;
        break;
      }
      case POWER_ACTIVE: {
        this.medium.started = true;
        break;
      }
      case POWER_IDLE:
      case POWER_STANDBY:
      case POWER_LU_CONTROL:
      case POWER_FORCE_IDLE_0:
      case POWER_FORCE_STANDBY_0: {
        // Power conditions have no meaning for an image: accepted, nothing changes.
        break;
      }
      default: {
        this.failField(out, INVALID_FIELD_IN_CDB, 4);
        break;
      }
    }
  }

  private mediaCommand(out: CommandPlan): void {
    const request = this.media;
    planMediaCommand(this.cdb, this.medium, this.mode.writeCacheEnabled, this.sense, request);
    switch (request.action) {
      case MEDIA_FAILED: {
        checkCondition(out);
        return;
      }
      case MEDIA_NONE: return;
      case MEDIA_FLUSH: {
        out.plan = PLAN_FLUSH;
        out.drive = this.medium.drive;
        return;
      }
      default: {
        out.plan = request.action == MEDIA_READ ? PLAN_MEDIA_READ : PLAN_MEDIA_WRITE;
        out.lba512 = request.sector;
        out.drive = this.medium.drive;
        out.transferBytes = request.bytes;
        out.flushAfter = request.forceUnitAccess;
      }
    }
  }

  // ---- plan helpers

  /** A data-in reply of `length` bytes in the data-in buffer, clipped to `allocation`
   *  (SPC-3, allocation length: the reply is cut, never changed); nothing to move is a finished command. */
  private replyIn(out: CommandPlan, length: u32, allocation: u32): void {
    const bytes = length < allocation ? length : allocation;
    if (bytes == 0) return;
    out.plan = PLAN_BUFFER_IN;
    out.bufferPtr = this.dataIn;
    out.transferBytes = bytes;
  }

  private fail(out: CommandPlan, condition: u32): void {
    this.sense.set(condition);
    checkCondition(out);
  }

  private failField(out: CommandPlan, condition: u32, cdbByte: u32): void {
    this.sense.setWithField(condition, true, cdbByte);
    checkCondition(out);
  }
}

function resetPlan(out: CommandPlan): void {
  out.plan = PLAN_NO_DATA;
  out.status = SCSI_STATUS_GOOD;
  out.transferBytes = 0;
  out.bufferPtr = 0;
  out.lba512 = 0;
  out.drive = 0;
  out.flushAfter = false;
}

function checkCondition(out: CommandPlan): void {
  out.plan = PLAN_NO_DATA;
  out.status = SCSI_STATUS_CHECK_CONDITION;
  out.transferBytes = 0;
}

// The data-in buffer holds every reply (constants: checked once, folded by the compiler).
assert(STANDARD_INQUIRY_LENGTH <= DATA_IN_CAPACITY && MAX_MODE_SENSE_LENGTH <= DATA_IN_CAPACITY &&
  MAX_SENSE_LENGTH <= DATA_IN_CAPACITY);
