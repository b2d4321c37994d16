// Test-only core: one ScsiDisk behind plain exports, so unit tests can drive the SCSI disk
// target (assembly/scsi/target) without the LSI controller. Tests write CDBs, serials and
// MODE SELECT parameter lists into core memory and read the plan back field by field.

import { CommandPlan } from '../scsi/target/target-api';
import { ScsiDisk } from '../scsi/target/scsi-disk';

/** Where tests put a CDB or a serial (longer than any CDB, to test over-long ones). */
const SCRATCH_SIZE: u32 = 256;
const scratch = heap.alloc(SCRATCH_SIZE);
const disk = new ScsiDisk();
const plan = new CommandPlan();

export function scratch_ptr(): usize {
  return scratch;
}

export function scratch_size(): u32 {
  return SCRATCH_SIZE;
}

/** The serial is the first `serial_length` bytes of the scratch area. Returns 1 if the
 *  disk accepted the configuration. */
export function configure(drive: u32, sectors: u64, block_size: u32, read_only: u32, serial_length: u32,
  wwn: u64): u32 {
  const length = serial_length < SCRATCH_SIZE ? serial_length : SCRATCH_SIZE;
  return disk.configure(drive, sectors, block_size, read_only != 0, scratch, length, wwn) ? 1 : 0;
}

/** Vendor, product and revision fields at scratch offsets 0, 8 and 24 (28 bytes). */
export function set_inquiry_names(): void {
  disk.setInquiryNames(scratch, scratch + 8, scratch + 24);
}

export function power_on(): void {
  disk.powerOn();
}

export function bus_reset(): void {
  disk.busReset();
}

/** Runs the CDB in the scratch area (`cdb_length` bytes, at most the scratch size). */
export function start_command(lun: u32, tag: i32, cdb_length: u32): void {
  disk.startCommand(lun, tag, scratch, cdb_length < SCRATCH_SIZE ? cdb_length : SCRATCH_SIZE, plan);
}

export function data_out_done(lun: u32, bytes: u32): void {
  disk.dataOutDone(lun, bytes, plan);
}

export function media_done(lun: u32, status: i32): u32 {
  return disk.mediaDone(lun, status);
}

export function data_phase_aborted(lun: u32): u32 {
  return disk.dataPhaseAborted(lun);
}

export function plan_kind(): u32 {
  return plan.plan;
}

export function plan_status(): u32 {
  return plan.status;
}

export function plan_bytes(): u32 {
  return plan.transferBytes;
}

export function plan_buffer(): usize {
  return plan.bufferPtr;
}

export function plan_lba(): u64 {
  return plan.lba512;
}

export function plan_drive(): u32 {
  return plan.drive;
}

export function plan_flush_after(): u32 {
  return plan.flushAfter ? 1 : 0;
}
