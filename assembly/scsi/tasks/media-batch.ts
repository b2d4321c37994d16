// DMA batching for media commands: every data-phase MOVE of one READ or WRITE becomes a range
// in the task's SG list, and the whole list goes to the block backend as ONE block_submit,
// which does a single readv/writev straight into guest RAM. QEMU's model instead copies each
// MOVE through a bounce buffer as it executes.
//
// Why deferring is safe: a MOVE in a media data phase is gathered, not performed, and the
// bytes really move later, while the target is disconnected (or, without the disconnect
// privilege, while it holds the bus with REQ negated). The initiator cannot observe the
// difference:
//  - data in: the guest may look at its buffers only once the command has completed, i.e.
//    after the status phase and COMMAND COMPLETE, and those come only after the block
//    request has completed (the target reselects, or raises REQ again, on completion);
//  - data out: the guest may not touch its buffers before completion either (SAM: the
//    buffer belongs to the task until it ends), so reading them at submission instead of
//    MOVE by MOVE reads the same bytes;
//  - the SCRIPTS-visible registers after each MOVE (DBC, DNAD, UA, RBC, ...) are exactly what
//    a real transfer would leave, because the target accepts exactly the bytes it planned.
// The one visible difference is SFBR after a media DATA IN move: a real chip latches the
// first byte, which is not here yet. sym53c8xx never reads it there.
//
// A target cannot ask for the data in pieces (it has one plan), so a data phase that
// scatters into more ranges than the SG list holds is ended with CHECK CONDITION
// (data-phase.ts), never by submitting part of it.

import { BLOCK_FLUSH, BLOCK_READ, BLOCK_WRITE, block_submit } from '../../common/abi';
import { PLAN_FLUSH, PLAN_MEDIA_WRITE } from '../target/target-api';
import { Task } from './task';

export class MediaBatch {
  /** Hands the task's gathered SG list (or a flush) to the backend as one request. */
  submit(task: Task): void {
    const plan = task.plan;
    if (plan.plan == PLAN_FLUSH) {
      this.submitFlush(task);
      return;
    }
    const op = plan.plan == PLAN_MEDIA_WRITE ? BLOCK_WRITE : BLOCK_READ;
    task.ioPending = true;
    block_submit(task.slot.issue(), plan.drive, op, plan.lba512, task.sg.base, task.sg.count);
  }

  /** A flush of the task's drive: SYNCHRONIZE CACHE, or the second request of a write that
   *  must be durable before it ends (CommandPlan.flushAfter: FUA, or write cache off). */
  submitFlush(task: Task): void {
    task.ioPending = true;
    block_submit(task.slot.issue(), task.plan.drive, BLOCK_FLUSH, 0, task.sg.base, 0);
  }
}
