// One SCSI task (an I_T_L_Q nexus): a command a target has accepted, from its CDB until the
// initiator has taken its status and COMMAND COMPLETE. A task may be connected to the bus,
// disconnected with its block request in flight, or waiting to reselect the initiator.

import { SG_ENTRY_SIZE } from '../../common/abi';
import { RequestSlot } from '../../common/request-slot';
import { SgList } from '../../common/sg-list';
import { CommandPlan } from '../target/target-api';

/** SG entries one command may gather. sym53c8xx describes a command with at most 96
 *  segments (SYM_CONF_MAX_SG) plus one-byte overrun moves; a data phase that scatters over
 *  more ranges than this is ended by the target with CHECK CONDITION (data-phase.ts). */
export const TASK_SG_CAPACITY: u32 = 512;

export class Task {
  inUse: bool = false;
  targetId: u32 = 0;
  lun: u32 = 0;
  /** Queue tag, or -1 for an untagged task. */
  tag: i32 = -1;
  /** IDENTIFY granted the disconnect privilege. */
  mayDisconnect: bool = false;
  readonly plan: CommandPlan = new CommandPlan();
  /** Data bytes the initiator has moved (or, for media, gathered) so far. */
  bytesDone: u32 = 0;
  /** The block request (media or flush) is in flight. */
  ioPending: bool = false;
  /** The write is done and its durability flush (plan.flushAfter) is in flight. */
  flushing: bool = false;
  /** The final SCSI status is known (`status`); only status and COMMAND COMPLETE remain. */
  statusReady: bool = false;
  status: u8 = 0;
  /** Off the bus, waiting for its block request or for a chance to reselect. */
  disconnected: bool = false;
  /** Order in which finished tasks asked to reselect (oldest first). */
  readyOrder: u32 = 0;
  readonly slot: RequestSlot;
  readonly sg: SgList;

  constructor(readonly index: u32) {
    this.slot = new RequestSlot(index);
    this.sg = new SgList(heap.alloc(<usize>TASK_SG_CAPACITY * SG_ENTRY_SIZE), TASK_SG_CAPACITY);
  }

  start(targetId: u32, lun: u32, tag: i32, mayDisconnect: bool): void {
    this.inUse = true;
    this.targetId = targetId;
    this.lun = lun;
    this.tag = tag;
    this.mayDisconnect = mayDisconnect;
    this.bytesDone = 0;
    this.ioPending = false;
    this.flushing = false;
    this.statusReady = false;
    this.status = 0;
    this.disconnected = false;
    this.readyOrder = 0;
    this.sg.clear();
  }

  /** Drops the task; a completion of its block request that arrives later is stale. */
  release(): void {
    this.slot.abandon();
    this.inUse = false;
    this.ioPending = false;
    this.statusReady = false;
    this.disconnected = false;
    this.sg.clear();
  }

  /** Final status known: the task has nothing left but the status phase. */
  finish(status: u8): void {
    this.status = status;
    this.statusReady = true;
    this.ioPending = false;
  }
}
