// All tasks the targets hold, connected or not, in a fixed pool: at most MAX_TASKS commands
// outstanding across every target, which is more than sym53c8xx queues by default. A target
// that receives a command while the pool is exhausted answers TASK SET FULL, as a real disk
// with a full queue does (SAM-5 5.3.1).

import { requestSlotOf } from '../../common/request-slot';
import { Task } from './task';

export const MAX_TASKS: u32 = 64;
export const ANY_LUN: i32 = -1;
export const ANY_TAG: i32 = -2;

export class TaskTable {
  private readonly tasks: StaticArray<Task> = new StaticArray<Task>(MAX_TASKS);
  private readyCounter: u32 = 0;

  constructor() {
    for (let i: u32 = 0; i < MAX_TASKS; i++) unchecked(this.tasks[i] = new Task(i));
  }

  /** A free task started for the nexus, or null when the pool is exhausted. */
  allocate(targetId: u32, lun: u32, tag: i32, mayDisconnect: bool): Task | null {
    for (let i: u32 = 0; i < MAX_TASKS; i++) {
      const t = unchecked(this.tasks[i]);
      if (!t.inUse) {
        t.start(targetId, lun, tag, mayDisconnect);
        return t;
      }
    }
    return null;
  }

  /** The active task of the nexus I_T_L_Q (tag -1: the untagged task). */
  find(targetId: u32, lun: u32, tag: i32): Task | null {
    for (let i: u32 = 0; i < MAX_TASKS; i++) {
      const t = unchecked(this.tasks[i]);
      if (t.inUse && t.targetId == targetId && t.lun == lun && t.tag == tag) return t;
    }
    return null;
  }

  /** The task whose block request carried `reqId` (whether still current is the slot's call). */
  byRequest(reqId: u32): Task | null {
    const index = requestSlotOf(reqId);
    return index < MAX_TASKS ? unchecked(this.tasks[index]) : null;
  }

  /** Records that a disconnected task has its status and wants to reselect. */
  markReadyToReselect(task: Task): void {
    task.readyOrder = ++this.readyCounter;
  }

  /** The disconnected finished task that asked to reselect first, or null. */
  nextToReselect(): Task | null {
    let best: Task | null = null;
    for (let i: u32 = 0; i < MAX_TASKS; i++) {
      const t = unchecked(this.tasks[i]);
      if (t.inUse && t.disconnected && t.statusReady && (best == null || t.readyOrder < best.readyOrder)) best = t;
    }
    return best;
  }

  /** Drops every task of `targetId` matching `lun` (or ANY_LUN) and `tag` (or ANY_TAG);
   *  returns how many. */
  abortMatching(targetId: u32, lun: i32, tag: i32): u32 {
    let n: u32 = 0;
    for (let i: u32 = 0; i < MAX_TASKS; i++) {
      const t = unchecked(this.tasks[i]);
      if (!t.inUse || t.targetId != targetId) continue;
      if (lun != ANY_LUN && <i32>t.lun != lun) continue;
      if (tag != ANY_TAG && t.tag != tag) continue;
      t.release();
      n++;
    }
    return n;
  }

  abortAll(): void {
    for (let i: u32 = 0; i < MAX_TASKS; i++) {
      const t = unchecked(this.tasks[i]);
      if (t.inUse) t.release();
    }
  }
}
