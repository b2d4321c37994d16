// The SCSI bus as the chip's SCRIPTS processor experiences it in the initiator role: which
// target is connected, the phase on MSG/C-D/I-O, whether the target asserts REQ, the
// initiator's ATN and ACK, selection and reselection. The targets' side of the protocol (what
// a disk does after each byte) is played here for the connected nexus (SPI-5 chapter 4; SAM-5
// for tasks):
//
//   selection (with ATN) → MESSAGE OUT: IDENTIFY [+ queue tag] [+ negotiation]
//     → [MESSAGE IN: negotiation reply / MESSAGE REJECT] → COMMAND → by the target's plan:
//   no data        → STATUS → MESSAGE IN: COMMAND COMPLETE → bus free
//   buffer in/out  → DATA IN/OUT (copied at once) → STATUS → COMMAND COMPLETE
//   media / flush  → [DATA IN/OUT: gathered] → one block request, then, with the disconnect
//                    privilege: MESSAGE IN SAVE DATA POINTER (after data) + DISCONNECT → bus
//                    free; on completion the target reselects: IDENTIFY [+ SIMPLE QUEUE TAG]
//                    → STATUS → COMMAND COMPLETE. Without it the target keeps the bus with REQ
//                    negated until the request completes, then goes to STATUS.
//
// ATN: when the initiator asserts ATN the target goes to MESSAGE OUT before its next REQ and
// afterwards resumes what it was doing. ACK: after the last byte of a MESSAGE IN move the
// chip keeps ACK asserted (data manual, Block Move notes); the target moves on only once
// ACK is negated — by CLEAR ACK, or implicitly when the next bus operation starts.
// With the firmware quirks (config.ts FLAG_FIRMWARE_QUIRKS) three of these rules bend the way
// QEMU's model has them, for SeaBIOS: MESSAGE OUT after a SELECT without ATN, whole 16-byte
// COMMAND moves, and bus free right after COMMAND COMPLETE without waiting for ACK.

import { TaskTable, ANY_LUN, ANY_TAG } from '../tasks/task-table';
import { Task } from '../tasks/task';
import { DATA_FAULT, DATA_OVERFLOW, DataPhase } from '../tasks/data-phase';
import { MediaBatch } from '../tasks/media-batch';
import { BusMemory } from '../chip/bus-memory';
import { InterruptStatus } from '../chip/interrupt-status';
import { RegisterFile } from '../chip/register-file';
import {
  DCNTL, DCNTL_COM, SCID, SCID_ID_MASK, SCID_RRE, SCNTL2, SCNTL2_SDU, SFBR, SIDL, SIST0_UDC, SSID,
} from '../chip/register-map';
import { TargetSet } from '../target-set';
import {
  PLAN_BUFFER_IN, PLAN_BUFFER_OUT, PLAN_FLUSH, PLAN_MEDIA_READ, PLAN_MEDIA_WRITE,
  SCSI_STATUS_BUSY, SCSI_STATUS_TASK_SET_FULL, ScsiTarget,
} from '../target/target-api';
import { STATUS_OK } from '../../common/abi';
import { cdbLength } from './cdb-length';
import {
  IDENTIFY_DISCONNECT_PRIVILEGE, IDENTIFY_LUN_MASK, MSG_ABORT_TASK, MSG_ABORT_TASK_SET, MSG_CLEAR_TASK_SET,
  MSG_COMMAND_COMPLETE, MSG_DISCONNECT, MSG_EXTENDED, MSG_HEAD_OF_QUEUE_TAG, MSG_IDENTIFY, MSG_INITIATOR_DETECTED_ERROR,
  MSG_MESSAGE_PARITY_ERROR, MSG_MESSAGE_REJECT, MSG_NOP, MSG_ORDERED_QUEUE_TAG, MSG_SAVE_DATA_POINTER,
  MSG_SIMPLE_QUEUE_TAG, MSG_TARGET_RESET, PHASE_COMMAND, PHASE_DATA_IN, PHASE_DATA_OUT, PHASE_MSG_IN,
  PHASE_MSG_OUT, PHASE_STATUS,
} from './message-codes';
import { EV_EXTENDED, EV_IDENTIFY, EV_ONE_BYTE, EV_TWO_BYTE, MessageOutParser } from './message-out-parser';
import { negotiationReply } from './negotiation';

// ---- ready() results
export const BUS_READY: u32 = 0;
/** No REQ: the target is busy, or nothing is connected. The instruction must wait. */
export const BUS_WAIT: u32 = 1;
/** The last selection got no answer: selection timeout. */
export const BUS_TIMEOUT: u32 = 2;

// ---- select() results
export const SELECT_STARTED: u32 = 0;
export const SELECT_ALREADY_CONNECTED: u32 = 1;

// ---- what the target does next
const STEP_COMMAND: u32 = 1;
const STEP_DATA: u32 = 2;
const STEP_STATUS: u32 = 3;
const STEP_DISCONNECT: u32 = 4;
const STEP_BUS_FREE: u32 = 5;
const STEP_BUSY: u32 = 6;
const STEP_MSG_IN: u32 = 7;

const MSG_IN_CAPACITY: u32 = 32;
const CDB_CAPACITY: u32 = 16;
/** Longest MESSAGE OUT phase a target accepts before it rejects and moves on: one extended
 *  message of the maximum length (256) plus its two header bytes. */
const MSG_OUT_LIMIT: u32 = 258;
const CHUNK: u32 = 64;

export class ScsiBus {
  // ---- lines and connection
  connected: bool = false;
  targetId: u32 = 0;
  phase: u32 = 0;
  req: bool = false;
  /** The connected target holds the bus with REQ negated until its request completes. */
  private busy: bool = false;
  atn: bool = false;
  ackHeld: bool = false;
  private ackLine: bool = false;
  selectionTimingOut: bool = false;
  resetAsserted: bool = false;
  /** config.ts FLAG_FIRMWARE_QUIRKS: the QEMU-model behaviours SeaBIOS relies on. */
  firmwareQuirks: bool = false;

  // ---- the connected nexus (target side)
  private task: Task | null = null;
  private target: ScsiTarget | null = null;
  private lun: u32 = 0;
  private tag: i32 = -1;
  private mayDisconnect: bool = false;
  private identified: bool = false;
  private nexusStatus: u8 = 0;
  private readonly cdb: usize = heap.alloc(CDB_CAPACITY);
  private cdbCount: u32 = 0;
  private cdbNeeded: u32 = 0;
  private readonly msgIn: usize = heap.alloc(MSG_IN_CAPACITY);
  private msgInHead: u32 = 0;
  private msgInCount: u32 = 0;
  private afterMessages: u32 = STEP_BUS_FREE;
  private lastMessageSent: u32 = 0;
  private resumeStep: u32 = STEP_COMMAND;
  private msgOutBytes: u32 = 0;
  private readonly parser: MessageOutParser = new MessageOutParser();
  private readonly reply: usize = heap.alloc(8);
  private readonly chunk: usize = heap.alloc(CHUNK);

  // ---- results of the last transfer() for the SCRIPTS processor
  /** A host memory access failed (bus fault). */
  fault: bool = false;
  /** The bus went free during the transfer. */
  droppedConnection: bool = false;

  constructor(
    private readonly regs: RegisterFile,
    private readonly irq: InterruptStatus,
    private readonly mem: BusMemory,
    private readonly tasks: TaskTable,
    private readonly targets: TargetSet,
    private readonly dataPhase: DataPhase,
    private readonly media: MediaBatch,
  ) {}

  /** Bus free with no nexus and no pending timeout (chip or bus reset). */
  reset(): void {
    this.connected = false;
    this.task = null;
    this.target = null;
    this.phase = 0;
    this.req = false;
    this.busy = false;
    this.atn = false;
    this.ackHeld = false;
    this.ackLine = false;
    this.selectionTimingOut = false;
    this.msgInCount = 0;
  }

  // ================= initiator operations (SCRIPTS I/O instructions) =================

  /** SELECT [ATN]: arbitrates and selects `id`. A missing target makes the selection time out
   *  (reported at the next instruction that waits for the bus, like the chip's STO). */
  select(id: u32, withAtn: bool): u32 {
    if (this.connected) return SELECT_ALREADY_CONNECTED;
    const own = this.regs.get8(SCID) & SCID_ID_MASK;
    const target = this.targets.get(id);
    if (target == null || id == own || this.resetAsserted) {
      this.selectionTimingOut = true;
      return SELECT_STARTED;
    }
    this.connect(id, target);
    this.lun = 0;
    this.tag = -1;
    this.mayDisconnect = false;
    this.identified = false;
    this.cdbCount = 0;
    this.atn = withAtn;
    // Without ATN the initiator sends no IDENTIFY: LUN 0, no disconnect privilege (SPI-5 4.9)
    // — unless the firmware quirks ask for QEMU's MESSAGE OUT phase anyway.
    if (withAtn || this.firmwareQuirks) this.enterMessageOut(STEP_COMMAND);
    else this.enterStep(STEP_COMMAND);
    return SELECT_STARTED;
  }

  /** A disconnected task that finished its I/O reselects the initiator, if the chip responds
   *  to reselection (SCID RRE) and the bus is free. Returns true when one did. */
  tryReselect(): bool {
    if (this.connected || this.resetAsserted || !this.regs.testBits(SCID, SCID_RRE)) return false;
    const task = this.tasks.nextToReselect();
    if (task == null) return false;
    const target = this.targets.get(task.targetId);
    if (target == null) {
      task.release();
      return false;
    }
    this.connect(task.targetId, target);
    task.disconnected = false;
    this.task = task;
    this.lun = task.lun;
    this.tag = task.tag;
    this.mayDisconnect = task.mayDisconnect;
    this.identified = true;
    this.regs.set8(SSID, 0x80 | task.targetId);
    // DCNTL COM clear: the 53C700-compatible behaviour of loading SFBR with the ID bit.
    if (!this.regs.testBits(DCNTL, DCNTL_COM)) this.regs.set8(SFBR, 1 << (task.targetId & 7));
    this.queueMessage(MSG_IDENTIFY | <u8>(task.lun & IDENTIFY_LUN_MASK));
    if (task.tag >= 0) {
      // On reselection the tag always travels as SIMPLE QUEUE TAG (SPI-5 4.13.4).
      this.queueMessage(MSG_SIMPLE_QUEUE_TAG);
      this.queueMessage(<u8>task.tag);
    }
    this.lastMessageSent = MSG_IDENTIFY;
    this.afterMessages = STEP_STATUS;
    this.enterStep(STEP_MSG_IN);
    return true;
  }

  /** Whether the target asserts REQ for the next transfer. Completes a held ACK handshake and
   *  lets the target react to ATN first, as a real target does before its next REQ. */
  ready(): u32 {
    if (this.selectionTimingOut) return BUS_TIMEOUT;
    if (!this.connected) return BUS_WAIT;
    if (this.ackHeld) this.releaseAck();
    if (!this.connected) return BUS_WAIT;
    this.respondToAtn();
    return this.req ? BUS_READY : BUS_WAIT;
  }

  /** The selection timeout has been reported. */
  clearSelectionTimeout(): void {
    this.selectionTimingOut = false;
  }

  setAtn(): void {
    this.atn = true;
  }

  clearAtn(): void {
    this.atn = false;
  }

  /** SET ACK: the line shows in SBCL, but a target only answers ACK to its own REQ, so it
   *  changes nothing in the protocol. */
  setAck(): void {
    this.ackLine = this.connected;
  }

  /** CLEAR ACK: completes the last MESSAGE IN handshake; the target moves on. */
  clearAck(): void {
    this.ackLine = false;
    if (this.ackHeld) this.releaseAck();
  }

  /** ACK as SBCL shows it. */
  get ackAsserted(): bool {
    return this.ackHeld || this.ackLine;
  }

  /** SCSI bus reset (RST/ asserted): every target drops all tasks and state. */
  busReset(): void {
    this.tasks.abortAll();
    this.targets.busReset();
    this.reset();
  }

  // ================= information transfer (SCRIPTS block moves) =================

  /** Moves up to `count` bytes between bus address `addr` and the target in the current
   *  phase (the caller checked ready() and the phase). Returns the bytes moved: fewer than
   *  `count` when the target changed phase or went bus free, or on a fault. */
  transfer(addr: u64, count: u32): u32 {
    this.fault = false;
    this.droppedConnection = false;
    let moved: u32 = 0;
    switch (this.phase) {
      case PHASE_MSG_OUT: moved = this.messageOut(addr, count); break;
      case PHASE_MSG_IN: moved = this.messageIn(addr, count); break;
      case PHASE_COMMAND: moved = this.command(addr, count); break;
      case PHASE_STATUS: moved = this.statusByte(addr, count); break;
      default: moved = this.data(addr, count); break;
    }
    this.droppedConnection = !this.connected;
    return moved;
  }

  // ================= completions =================

  /** The block request of `task` completed with `status` (already accepted by its slot). */
  ioCompleted(task: Task, status: i32): void {
    const plan = task.plan;
    if (plan.plan == PLAN_MEDIA_WRITE && plan.flushAfter && status == STATUS_OK && !task.flushing) {
      // A durable write: its flush is the command's second and last request.
      task.flushing = true;
      this.media.submitFlush(task);
      return;
    }
    const target = this.targets.get(task.targetId);
    task.finish(target != null ? target.mediaDone(task.lun, status) : SCSI_STATUS_BUSY);
    if (this.connected && this.task === task) {
      if (this.busy) this.enterStep(STEP_STATUS);
      return;
    }
    if (task.disconnected) this.tasks.markReadyToReselect(task);
  }

  // ================= target side: phases =================

  private messageOut(addr: u64, count: u32): u32 {
    let done: u32 = 0;
    while (done < count && this.connected && this.phase == PHASE_MSG_OUT) {
      const n = min(CHUNK, count - done);
      if (!this.mem.read(addr + <u64>done, n, this.chunk)) {
        this.fault = true;
        return done;
      }
      for (let i: u32 = 0; i < n; i++) {
        // The chip negates ATN during the last handshake of a MESSAGE OUT move.
        if (done + 1 == count) this.atn = false;
        done++;
        this.messageOutByte(<u32>load<u8>(this.chunk + <usize>i));
        if (!this.connected || this.phase != PHASE_MSG_OUT) return done;
      }
    }
    if (this.connected && this.phase == PHASE_MSG_OUT && !this.atn && !this.parser.midMessage) {
      // ATN is off and every message is complete: the target answers or resumes.
      if (this.msgInCount > 0) {
        if (this.resumeStep != STEP_MSG_IN) this.afterMessages = this.resumeStep;
        this.enterStep(STEP_MSG_IN);
      } else {
        this.enterStep(this.resumeStep);
      }
    }
    return done;
  }

  private messageOutByte(byte: u32): void {
    if (++this.msgOutBytes > MSG_OUT_LIMIT) {
      this.parser.reset();
      this.rejectAndAnswer();
      return;
    }
    const event = this.parser.feed(byte);
    if (event == EV_IDENTIFY) {
      if (this.task == null && !this.identified) {
        this.identified = true;
        this.lun = byte & <u32>IDENTIFY_LUN_MASK;
        this.mayDisconnect = (byte & <u32>IDENTIFY_DISCONNECT_PRIVILEGE) != 0;
      }
    } else if (event == EV_TWO_BYTE) {
      const code = this.parser.code;
      const isTag = code == <u32>MSG_SIMPLE_QUEUE_TAG || code == <u32>MSG_HEAD_OF_QUEUE_TAG || code == <u32>MSG_ORDERED_QUEUE_TAG;
      if (!isTag) this.reject();
      else if (this.task == null) this.tag = <i32>this.parser.argument;
    } else if (event == EV_EXTENDED) {
      const length = this.parser.extLength;
      const n = negotiationReply(this.parser.extBody, length, this.reply);
      if (n == 0) this.reject();
      else this.lastMessageSent = <u32>MSG_EXTENDED;
      for (let i: u32 = 0; i < n; i++) this.queueMessage(load<u8>(this.reply + <usize>i));
    } else if (event == EV_ONE_BYTE) {
      this.oneByteMessage(byte);
    }
  }

  private oneByteMessage(code: u32): void {
    const target = this.target;
    switch (code) {
      case <u32>MSG_ABORT_TASK: {
        // Aborts the task of this nexus: the connected one, or the one the IDENTIFY and tag
        // of this MESSAGE OUT phase name (an I_T_L_Q nexus established for the abort).
        let victim = this.task;
        if (victim == null && this.identified) victim = this.tasks.find(this.targetId, this.lun, this.tag);
        if (victim != null) victim.release();
        this.task = null;
        this.goBusFree();
        break;
      }
      case <u32>MSG_ABORT_TASK_SET:
      case <u32>MSG_CLEAR_TASK_SET:
        this.tasks.abortMatching(this.targetId, <i32>this.lun, ANY_TAG);
        this.task = null;
        this.goBusFree();
        break;
      case <u32>MSG_TARGET_RESET:
        this.tasks.abortMatching(this.targetId, ANY_LUN, ANY_TAG);
        this.task = null;
        if (target != null) target.busReset();
        this.goBusFree();
        break;
      case <u32>MSG_MESSAGE_REJECT:
        this.messageRejected();
        break;
      case <u32>MSG_NOP:
      case <u32>MSG_INITIATOR_DETECTED_ERROR:
      case <u32>MSG_MESSAGE_PARITY_ERROR:
        break;
      default:
        this.reject();
        break;
    }
  }

  /** Queues MESSAGE REJECT for the message just received. */
  private reject(): void {
    this.queueMessage(MSG_MESSAGE_REJECT);
    this.lastMessageSent = MSG_MESSAGE_REJECT;
  }

  /** The initiator refused our last message. Refusing DISCONNECT withdraws the disconnect
   *  privilege: the target then holds the bus until its request completes. Other refusals
   *  (a negotiation reply, SAVE DATA POINTER) change nothing here. */
  private messageRejected(): void {
    const task = this.task;
    // DISCONNECT is always the last message queued: it has gone out once the queue is empty.
    if (this.lastMessageSent != <u32>MSG_DISCONNECT || this.msgInCount > 0 || task == null) return;
    task.mayDisconnect = false;
    this.mayDisconnect = false;
    if (this.resumeStep == STEP_DISCONNECT) this.resumeStep = task.statusReady ? STEP_STATUS : STEP_BUSY;
  }

  private rejectAndAnswer(): void {
    this.queueMessage(MSG_MESSAGE_REJECT);
    this.lastMessageSent = MSG_MESSAGE_REJECT;
    if (this.resumeStep != STEP_MSG_IN) this.afterMessages = this.resumeStep;
    this.atn = false;
    this.enterStep(STEP_MSG_IN);
  }

  private messageIn(addr: u64, count: u32): u32 {
    const n = min(count, this.msgInCount);
    if (n == 0) return 0;
    const first = this.msgIn + <usize>this.msgInHead;
    if (!this.mem.write(addr, first, n)) {
      this.fault = true;
      return 0;
    }
    this.regs.set8(SFBR, <u32>load<u8>(first));
    this.regs.set8(SIDL, <u32>load<u8>(first + <usize>(n - 1)));
    this.msgInHead += n;
    this.msgInCount -= n;
    if (n == count && this.firmwareQuirks && this.msgInCount == 0 && this.afterMessages == STEP_BUS_FREE) {
      // Firmware quirk: like QEMU's model, the target leaves the bus once COMMAND COMPLETE
      // has been moved instead of waiting for ACK to be cleared.
      this.releaseAck();
    } else if (n == count) {
      // The last byte of the move: ACK stays asserted until the SCRIPTS clear it.
      this.ackHeld = true;
      this.req = false;
    } else {
      // The target ran out of message bytes inside the move; it moves on after this byte.
      this.releaseAck();
    }
    return n;
  }

  private command(addr: u64, count: u32): u32 {
    let done: u32 = 0;
    let padding: u32 = 0;
    while (done < count && this.phase == PHASE_COMMAND && this.connected) {
      if (this.cdbCount == 0) {
        if (!this.mem.read(addr, 1, this.cdb)) {
          this.fault = true;
          return done;
        }
        this.cdbNeeded = cdbLength(<u32>load<u8>(this.cdb), count);
        // Firmware quirk: a whole CDB in one move of up to 16 bytes is taken whole (the rest
        // is padding), as QEMU's model does for SeaBIOS's fixed 16-byte command move.
        if (this.firmwareQuirks && count > this.cdbNeeded) padding = min(count, CDB_CAPACITY) - this.cdbNeeded;
      }
      const n = min(count - done, this.cdbNeeded - this.cdbCount);
      if (!this.mem.read(addr + <u64>done, n, this.cdb + <usize>this.cdbCount)) {
        this.fault = true;
        return done;
      }
      this.cdbCount += n;
      done += n;
      if (this.cdbCount == this.cdbNeeded) {
        done += padding;
        this.startCommand();
      }
    }
    return done;
  }

  private statusByte(addr: u64, count: u32): u32 {
    if (count == 0) return 0;
    const task = this.task;
    const status: u8 = task != null ? task.status : this.nexusStatus;
    store<u8>(this.chunk, status);
    if (!this.mem.write(addr, this.chunk, 1)) {
      this.fault = true;
      return 0;
    }
    this.regs.set8(SFBR, status);
    this.regs.set8(SIDL, status);
    this.queueMessage(MSG_COMMAND_COMPLETE);
    this.lastMessageSent = MSG_COMMAND_COMPLETE;
    this.afterMessages = STEP_BUS_FREE;
    this.enterStep(STEP_MSG_IN);
    return 1;
  }

  private data(addr: u64, count: u32): u32 {
    const task = this.task;
    if (task == null) return 0;
    const rc = this.dataPhase.move(task, addr, count);
    const moved = this.dataPhase.moved;
    if (rc == DATA_FAULT) {
      this.fault = true;
      return moved;
    }
    if (rc == DATA_OVERFLOW) {
      // More scattered ranges than one request can carry: end the data phase with an error
      // rather than transfer part of the command.
      task.sg.clear();
      const target = this.target;
      task.finish(target != null ? target.dataPhaseAborted(task.lun) : SCSI_STATUS_BUSY);
      this.enterStep(STEP_STATUS);
      return moved;
    }
    if (this.dataPhase.firstByte >= 0) this.regs.set8(SFBR, <u32>this.dataPhase.firstByte);
    if (this.dataPhase.remaining(task) == 0) this.dataPhaseDone(task);
    return moved;
  }

  // ================= target side: command processing =================

  private startCommand(): void {
    const target = this.target;
    if (target == null) return;
    if (this.tasks.find(this.targetId, this.lun, this.tag) != null) {
      // Overlapped command on a nexus that already has a task: refused with BUSY.
      this.finishWithoutTask(SCSI_STATUS_BUSY);
      return;
    }
    const task = this.tasks.allocate(this.targetId, this.lun, this.tag, this.mayDisconnect);
    if (task == null) {
      this.finishWithoutTask(SCSI_STATUS_TASK_SET_FULL);
      return;
    }
    this.task = task;
    target.startCommand(this.lun, this.tag, this.cdb, this.cdbNeeded, task.plan);
    const plan = task.plan;
    switch (plan.plan) {
      case PLAN_BUFFER_IN:
      case PLAN_BUFFER_OUT:
      case PLAN_MEDIA_READ:
      case PLAN_MEDIA_WRITE:
        if (plan.transferBytes > 0) this.enterStep(STEP_DATA);
        else this.dataPhaseDone(task);
        break;
      case PLAN_FLUSH:
        this.media.submit(task);
        this.afterRequestStarted(task, false);
        break;
      default:
        task.finish(plan.status);
        this.enterStep(STEP_STATUS);
        break;
    }
  }

  private finishWithoutTask(status: u8): void {
    this.task = null;
    this.nexusStatus = status;
    this.enterStep(STEP_STATUS);
  }

  private dataPhaseDone(task: Task): void {
    const plan = task.plan;
    const target = this.target;
    if (plan.plan == PLAN_BUFFER_IN) {
      task.finish(plan.status);
      this.enterStep(STEP_STATUS);
    } else if (plan.plan == PLAN_BUFFER_OUT) {
      if (target != null) target.dataOutDone(task.lun, task.bytesDone, plan);
      task.finish(plan.status);
      this.enterStep(STEP_STATUS);
    } else if (plan.transferBytes == 0) {
      task.finish(target != null ? target.mediaDone(task.lun, STATUS_OK) : SCSI_STATUS_BUSY);
      this.enterStep(STEP_STATUS);
    } else {
      // Every MOVE of the data phase is known: one request for all of it (media-batch.ts).
      this.media.submit(task);
      this.afterRequestStarted(task, true);
    }
  }

  /** The target's block request is running: disconnect if allowed, else hold the bus. */
  private afterRequestStarted(task: Task, afterData: bool): void {
    if (task.mayDisconnect) {
      if (afterData) this.queueMessage(MSG_SAVE_DATA_POINTER);
      this.queueMessage(MSG_DISCONNECT);
      this.lastMessageSent = MSG_DISCONNECT;
      this.afterMessages = STEP_DISCONNECT;
      this.enterStep(STEP_MSG_IN);
    } else {
      this.enterStep(STEP_BUSY);
    }
  }

  // ================= target side: sequencing =================

  private connect(id: u32, target: ScsiTarget): void {
    this.connected = true;
    this.targetId = id;
    this.target = target;
    this.task = null;
    this.ackHeld = false;
    this.msgInHead = 0;
    this.msgInCount = 0;
    this.parser.reset();
  }

  private enterStep(step: u32): void {
    this.busy = false;
    switch (step) {
      case STEP_COMMAND:
        this.phase = PHASE_COMMAND;
        this.req = true;
        break;
      case STEP_DATA: {
        const task = this.task;
        const dirIn = task != null && (task.plan.plan == PLAN_BUFFER_IN || task.plan.plan == PLAN_MEDIA_READ);
        this.phase = dirIn ? PHASE_DATA_IN : PHASE_DATA_OUT;
        this.req = true;
        break;
      }
      case STEP_STATUS:
        this.phase = PHASE_STATUS;
        this.req = true;
        break;
      case STEP_MSG_IN:
        this.phase = PHASE_MSG_IN;
        this.req = this.msgInCount > 0;
        // Nothing (left) to send: what follows the messages. It is never "more messages".
        if (!this.req) this.enterStep(this.afterMessages == STEP_MSG_IN ? STEP_BUS_FREE : this.afterMessages);
        break;
      case STEP_BUSY: {
        const task = this.task;
        if (task != null && task.statusReady) {
          this.enterStep(STEP_STATUS);
        } else {
          this.req = false;
          this.busy = true;
        }
        break;
      }
      case STEP_DISCONNECT: {
        const task = this.task;
        if (task != null) {
          task.disconnected = true;
          if (task.statusReady) this.tasks.markReadyToReselect(task);
        }
        this.task = null;
        this.goBusFree();
        break;
      }
      default: { // STEP_BUS_FREE: the task, if any, is over
        const task = this.task;
        if (task != null) task.release();
        this.task = null;
        this.goBusFree();
        break;
      }
    }
  }

  private enterMessageOut(resume: u32): void {
    this.busy = false;
    this.resumeStep = resume;
    this.phase = PHASE_MSG_OUT;
    this.req = true;
    this.msgOutBytes = 0;
    this.parser.reset();
  }

  /** The step the target is in now, to resume after an ATN-initiated MESSAGE OUT. */
  private currentStep(): u32 {
    if (this.busy) return STEP_BUSY;
    switch (this.phase) {
      case PHASE_COMMAND: return STEP_COMMAND;
      case PHASE_STATUS: return STEP_STATUS;
      case PHASE_MSG_IN: return this.msgInCount > 0 ? STEP_MSG_IN : this.afterMessages;
      case PHASE_DATA_IN:
      case PHASE_DATA_OUT: return STEP_DATA;
      default: return this.resumeStep;
    }
  }

  private respondToAtn(): void {
    if (!this.atn || !this.connected || this.phase == PHASE_MSG_OUT) return;
    this.enterMessageOut(this.currentStep());
  }

  private releaseAck(): void {
    this.ackHeld = false;
    if (!this.connected) return;
    if (this.atn) {
      this.enterMessageOut(this.msgInCount > 0 ? STEP_MSG_IN : this.afterMessages);
      return;
    }
    if (this.msgInCount > 0) {
      this.req = true;
      return;
    }
    this.enterStep(this.afterMessages);
  }

  private queueMessage(byte: u8): void {
    if (this.msgInCount == 0) this.msgInHead = 0;
    if (this.msgInHead + this.msgInCount >= MSG_IN_CAPACITY) return;
    store<u8>(this.msgIn + <usize>(this.msgInHead + this.msgInCount), byte);
    this.msgInCount++;
  }

  private goBusFree(): void {
    const wasConnected = this.connected;
    this.connected = false;
    this.req = false;
    this.busy = false;
    this.ackHeld = false;
    this.ackLine = false;
    this.atn = false;
    this.phase = 0;
    this.msgInCount = 0;
    this.target = null;
    // SCNTL2 SDU set: the SCRIPTS did not expect this disconnect (data manual, SIST0 UDC).
    if (wasConnected && this.regs.testBits(SCNTL2, SCNTL2_SDU)) this.irq.raiseScsi(SIST0_UDC, 0);
  }
}
