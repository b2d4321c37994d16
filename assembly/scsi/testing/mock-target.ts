// A small SCSI direct-access target for the controller's own tests (config kind KIND_TEST).
// It speaks just enough of SBC/SPC to exercise every data phase the controller handles:
// TEST UNIT READY (no data), INQUIRY / REQUEST SENSE / READ CAPACITY(10) (buffer in),
// MODE SELECT(6) (buffer out), READ/WRITE(10) and (16) (media, straight into guest memory),
// SYNCHRONIZE CACHE(10) (flush). Anything else is CHECK CONDITION, ILLEGAL REQUEST.
// The real disk is ScsiDisk (assembly/scsi/target/); this one stays deliberately simple.

import { STATUS_OK } from '../../common/abi';
import { loadBe16, loadBe32, storeBe32 } from '../../common/byte-order';
import {
  CommandPlan, PLAN_BUFFER_IN, PLAN_BUFFER_OUT, PLAN_FLUSH, PLAN_MEDIA_READ, PLAN_MEDIA_WRITE, PLAN_NO_DATA,
  SCSI_STATUS_CHECK_CONDITION, SCSI_STATUS_GOOD, ScsiTarget,
} from '../target/target-api';
import { TargetConfig } from '../config';

const BUFFER_SIZE: u32 = 512;
const SENSE_NO_SENSE: u32 = 0x0;
const SENSE_MEDIUM_ERROR: u32 = 0x3;
const SENSE_ILLEGAL_REQUEST: u32 = 0x5;
const SENSE_UNIT_ATTENTION: u32 = 0x6;
const SENSE_DATA_PROTECT: u32 = 0x7;
const SENSE_ABORTED_COMMAND: u32 = 0xb;

export class MockTarget implements ScsiTarget {
  private readonly buffer: usize = heap.alloc(BUFFER_SIZE);
  private senseKey: u32 = SENSE_NO_SENSE;
  private asc: u32 = 0;
  private unitAttention: bool = false;
  private readonly blocks: u64;
  private readonly sectorsPerBlock: u32;
  /** Bytes the last MODE SELECT delivered (tests read it back through this). */
  lastDataOut: u32 = 0;

  constructor(readonly config: TargetConfig) {
    this.sectorsPerBlock = config.blockSize / 512;
    this.blocks = config.sectors / <u64>this.sectorsPerBlock;
  }

  startCommand(lun: u32, tag: i32, cdb: usize, cdbLength: u32, out: CommandPlan): void {
    out.plan = PLAN_NO_DATA;
    out.status = SCSI_STATUS_GOOD;
    out.transferBytes = 0;
    out.bufferPtr = this.buffer;
    out.drive = this.config.drive;
    const opcode = <u32>load<u8>(cdb);
    if (opcode == 0x12) return this.inquiry(lun, cdb, out);
    if (opcode == 0x03) return this.requestSense(cdb, out);
    if (lun != 0) return this.fail(out, SENSE_ILLEGAL_REQUEST, 0x25);
    if (this.unitAttention) {
      this.unitAttention = false;
      return this.fail(out, SENSE_UNIT_ATTENTION, 0x29);
    }
    switch (opcode) {
      case 0x00: return; // TEST UNIT READY
      case 0x25: return this.readCapacity(out);
      case 0x15: { // MODE SELECT(6): parameter list length in byte 4
        out.plan = PLAN_BUFFER_OUT;
        out.transferBytes = <u32>load<u8>(cdb, 4);
        return;
      }
      case 0x28: case 0x2a:
        return this.media(opcode == 0x2a, <u64>loadBe32(cdb + 2), loadBe16(cdb + 7), out);
      case 0x88: case 0x8a:
        return this.media(opcode == 0x8a, (<u64>loadBe32(cdb + 2) << 32) | <u64>loadBe32(cdb + 6), loadBe32(cdb + 10), out);
      case 0x35: { // SYNCHRONIZE CACHE(10)
        out.plan = PLAN_FLUSH;
        return;
      }
      default: return this.fail(out, SENSE_ILLEGAL_REQUEST, 0x20);
    }
  }

  dataOutDone(lun: u32, bytes: u32, out: CommandPlan): void {
    this.lastDataOut = bytes;
    out.plan = PLAN_NO_DATA;
    out.status = SCSI_STATUS_GOOD;
  }

  mediaDone(lun: u32, status: i32): u8 {
    if (status == STATUS_OK) return this.good();
    this.setSense(SENSE_MEDIUM_ERROR, 0x11);
    return SCSI_STATUS_CHECK_CONDITION;
  }

  dataPhaseAborted(lun: u32): u8 {
    this.setSense(SENSE_ABORTED_COMMAND, 0x4b); // DATA PHASE ERROR
    return SCSI_STATUS_CHECK_CONDITION;
  }

  busReset(): void {
    this.unitAttention = true;
    this.setSense(SENSE_NO_SENSE, 0);
  }

  private media(write: bool, lba: u64, blocks: u32, out: CommandPlan): void {
    if (write && this.config.readOnly) return this.fail(out, SENSE_DATA_PROTECT, 0x27);
    if (lba > this.blocks || <u64>blocks > this.blocks - lba) return this.fail(out, SENSE_ILLEGAL_REQUEST, 0x21);
    const bytes = <u64>blocks * <u64>this.config.blockSize;
    if (bytes > <u64>0xffffff) return this.fail(out, SENSE_ILLEGAL_REQUEST, 0x24);
    if (blocks == 0) return;
    out.plan = write ? PLAN_MEDIA_WRITE : PLAN_MEDIA_READ;
    out.transferBytes = <u32>bytes;
    out.lba512 = lba * <u64>this.sectorsPerBlock;
  }

  private inquiry(lun: u32, cdb: usize, out: CommandPlan): void {
    const b = this.buffer;
    memory.fill(b, 0x20, 36);
    store<u8>(b, lun == 0 ? 0x00 : 0x7f); // direct access block device / no LUN here
    store<u8>(b, 0, 1);
    store<u8>(b, 5, 2); // SPC-3
    store<u8>(b, 2, 3);
    store<u8>(b, 31, 4);
    store<u8>(b, 0, 5);
    store<u8>(b, 0, 6);
    store<u8>(b, 0x02, 7); // CmdQue: tagged queuing
    memory.copy(b + 8, this.config.vendor, 8);
    memory.copy(b + 16, this.config.product, 16);
    memory.copy(b + 32, this.config.revision, 4);
    out.plan = PLAN_BUFFER_IN;
    out.transferBytes = min(36, loadBe16(cdb + 3));
  }

  private requestSense(cdb: usize, out: CommandPlan): void {
    const b = this.buffer;
    memory.fill(b, 0, 18);
    store<u8>(b, 0x70);
    store<u8>(b, <u8>this.senseKey, 2);
    store<u8>(b, 10, 7);
    store<u8>(b, <u8>this.asc, 12);
    this.setSense(SENSE_NO_SENSE, 0);
    out.plan = PLAN_BUFFER_IN;
    out.transferBytes = min(18, <u32>load<u8>(cdb, 4));
  }

  private readCapacity(out: CommandPlan): void {
    const last = this.blocks - 1;
    storeBe32(this.buffer, last > 0xffffffff ? 0xffffffff : <u32>last);
    storeBe32(this.buffer + 4, this.config.blockSize);
    out.plan = PLAN_BUFFER_IN;
    out.transferBytes = 8;
  }

  private fail(out: CommandPlan, key: u32, asc: u32): void {
    this.setSense(key, asc);
    out.plan = PLAN_NO_DATA;
    out.status = SCSI_STATUS_CHECK_CONDITION;
  }

  private good(): u8 {
    return SCSI_STATUS_GOOD;
  }

  private setSense(key: u32, asc: u32): void {
    this.senseKey = key;
    this.asc = asc;
  }
}
