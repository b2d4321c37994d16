// The contract between the LSI controller (bus phases, SCRIPTS, DMA) and the SCSI targets
// behind it (command semantics). The controller never interprets a CDB; a target never
// touches guest memory or the SCSI bus. Both live in the same core.

/** SCSI status byte values (SAM-5 5.3). */
export const SCSI_STATUS_GOOD: u8 = 0x00;
export const SCSI_STATUS_CHECK_CONDITION: u8 = 0x02;
export const SCSI_STATUS_BUSY: u8 = 0x08;
export const SCSI_STATUS_TASK_SET_FULL: u8 = 0x28;

/** What the data phase of a command is, as decided by the target from the CDB. */
export const PLAN_NO_DATA: u32 = 0;
/** Data-in from a target buffer in core memory (INQUIRY, MODE SENSE, READ CAPACITY, ...). */
export const PLAN_BUFFER_IN: u32 = 1;
/** Data-out into a target buffer in core memory (MODE SELECT, ...); then dataOutDone(). */
export const PLAN_BUFFER_OUT: u32 = 2;
/** Media read of `blocks` blocks at `lba` straight into guest memory: the controller gathers
 *  the data phase's moves into one SG list and issues one block_submit (DMA batching). */
export const PLAN_MEDIA_READ: u32 = 3;
/** Media write from guest memory, likewise. */
export const PLAN_MEDIA_WRITE: u32 = 4;
/** SYNCHRONIZE CACHE: one BLOCK_FLUSH, no data phase. */
export const PLAN_FLUSH: u32 = 5;

/** The target's answer to a CDB. When `plan` is PLAN_NO_DATA the command is finished and
 *  `status` is final; otherwise the controller runs the data phase (of `transferBytes`, the
 *  bytes the target will move, already clipped to the CDB's allocation length) and then
 *  gets the status: for PLAN_BUFFER_IN it is `status` as returned here (GOOD: the reply is
 *  complete), for PLAN_BUFFER_OUT from dataOutDone(), for PLAN_MEDIA_* and PLAN_FLUSH from
 *  mediaDone(). A PLAN_BUFFER_IN/OUT buffer belongs to the target and stays valid only
 *  until its next startCommand(): run a buffer command's data phase before starting the
 *  next command on the same target (one buffer-out command at a time). */
export class CommandPlan {
  plan: u32 = PLAN_NO_DATA;
  status: u8 = SCSI_STATUS_GOOD;
  transferBytes: u32 = 0;
  /** PLAN_BUFFER_IN/OUT: offset of the buffer in core memory. */
  bufferPtr: usize = 0;
  /** PLAN_MEDIA_*: first byte offset on the medium in 512-byte LBA units (block_submit's lba)
   *  and the block_submit drive number. */
  lba512: u64 = 0;
  drive: u32 = 0;
  /** PLAN_MEDIA_WRITE only: the data must be on stable storage before the command ends (FUA
   *  set, or the initiator turned the write cache off with MODE SELECT). After the write
   *  completes with status 0, issue one BLOCK_FLUSH for `drive` and pass the flush's status
   *  to mediaDone (a failed write goes to mediaDone at once, without the flush). */
  flushAfter: bool = false;
}

/** One logical unit's behaviour. Implemented by ScsiDisk (assembly/scsi/target/scsi-disk.ts). */
export interface ScsiTarget {
  /** A new command for `lun` with tag `tag` (-1: untagged). `cdb` points at `cdbLength`
   *  bytes in core memory. The target answers for every LUN, also ones it does not have, as
   *  real disks do (INQUIRY with peripheral qualifier 3, otherwise CHECK CONDITION with
   *  ILLEGAL REQUEST / LOGICAL UNIT NOT SUPPORTED 25h/00h). */
  startCommand(lun: u32, tag: i32, cdb: usize, cdbLength: u32, out: CommandPlan): void;
  /** Data phase of a PLAN_BUFFER_OUT command delivered `bytes` bytes into the buffer. */
  dataOutDone(lun: u32, bytes: u32, out: CommandPlan): void;
  /** A PLAN_MEDIA_* / PLAN_FLUSH command's backend request completed with `status`
   *  (0 or a negative errno, core-abi STATUS_*). Returns the SCSI status (sense kept). */
  mediaDone(lun: u32, status: i32): u8;
  /** The initiator accepted fewer bytes than planned, or the data phase ended early. */
  dataPhaseAborted(lun: u32): u8;
  /** SCSI bus reset or a target reset: drop state, raise UNIT ATTENTION 29h/00h. */
  busReset(): void;
}
