// The DATA IN / DATA OUT phase of a task, one initiator MOVE at a time. The target moves
// exactly the bytes its plan says (transferBytes); a MOVE asking for more gets the rest and
// then sees the phase change (phase mismatch), as on a real bus.
//   buffer plans: the bytes are copied at once between the target's buffer in core memory
//                 and the MOVE's address (dma_write / dma_read, or SCRIPTS RAM);
//   media plans:  the MOVE's range is gathered into the task's SG list (media-batch.ts).

import { APPEND_FAULT, APPEND_FULL, BusMemory } from '../chip/bus-memory';
import { PLAN_BUFFER_IN, PLAN_BUFFER_OUT } from '../target/target-api';
import { Task } from './task';

export const DATA_OK: u32 = 0;
/** A host memory access failed: the chip reports a bus fault. */
export const DATA_FAULT: u32 = 1;
/** The gathered ranges do not fit the SG list: the target ends the data phase. */
export const DATA_OVERFLOW: u32 = 2;

export class DataPhase {
  /** Bytes the last move() transferred or gathered. */
  moved: u32 = 0;
  /** First byte of the last buffer DATA IN move (SFBR), -1 when not known. */
  firstByte: i32 = -1;

  constructor(private readonly mem: BusMemory) {}

  /** Bytes the task still expects in its data phase. */
  remaining(task: Task): u32 {
    return task.plan.transferBytes - task.bytesDone;
  }

  move(task: Task, addr: u64, count: u32): u32 {
    const left = this.remaining(task);
    const n = count < left ? count : left;
    this.moved = 0;
    this.firstByte = -1;
    if (n == 0) return DATA_OK;
    const plan = task.plan;
    if (plan.plan == PLAN_BUFFER_IN) {
      const src = plan.bufferPtr + <usize>task.bytesDone;
      if (!this.mem.write(addr, src, n)) return DATA_FAULT;
      this.firstByte = <i32>load<u8>(src);
    } else if (plan.plan == PLAN_BUFFER_OUT) {
      if (!this.mem.read(addr, n, plan.bufferPtr + <usize>task.bytesDone)) return DATA_FAULT;
    } else {
      const rc = this.mem.appendRange(task.sg, addr, n);
      if (rc == APPEND_FULL) return DATA_OVERFLOW;
      if (rc == APPEND_FAULT) return DATA_FAULT;
    }
    task.bytesDone += n;
    this.moved = n;
    return DATA_OK;
  }
}
