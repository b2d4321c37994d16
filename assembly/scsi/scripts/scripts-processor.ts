// The SCRIPTS processor: fetches the guest's SCRIPTS from host memory or on-chip RAM and
// executes them (LSI53C895A data manual chapter 6). It runs when the host writes DSP (unless
// DMODE MAN) or sets DCNTL STD, and stops on an interrupt instruction, a fatal interrupt,
// ISTAT ABRT or single step (DCNTL SSM). An instruction that has to wait for the bus (REQ
// not asserted, WAIT DISCONNECT, WAIT RESELECT) parks the processor; DSP meanwhile shows the
// next instruction, as on the chip, which has fetched the waiting one (sym53c8xx's recovery
// code compares DSP with its labels). Any later event that may change the bus re-executes
// the parked instruction.
//
// Bounded work: one activation executes at most INSTRUCTION_BUDGET instructions, then the
// processor yields to the worker and continues from a zero-delay timer, so guest accesses —
// ISTAT ABRT in particular — are served between slices. A program that runs RUNAWAY_LIMIT
// instructions without ever waiting for the bus or stopping is not a SCRIPTS driver: the
// processor stops it with an illegal instruction interrupt (DSTAT IID), the chip's own
// "this cannot be executed" report, which every driver handles by resetting the chip.

import { LOG_WARN, timer_arm } from '../../common/abi';
import { logHex } from '../../common/core-log';
import { BusMemory } from '../chip/bus-memory';
import { InterruptStatus } from '../chip/interrupt-status';
import { RegisterFile } from '../chip/register-file';
import {
  DCMD, DBC, DCNTL, DCNTL_SSM, DSP, DSPS, DSTAT_ABRT, DSTAT_BF, DSTAT_IID, DSTAT_SSI, SIST1_STO,
} from '../chip/register-map';
import { ScsiBus } from '../bus/scsi-bus';
import { RegisterAccess } from '../chip/register-access';
import { executeBlockMove } from './block-move';
import { executeIo } from './io-instruction';
import { executeMemory } from './memory-instruction';
import { executeTransferControl } from './transfer-control';
import {
  TYPE_BLOCK_MOVE, TYPE_IO, TYPE_TRANSFER_CONTROL, instructionType,
} from './instruction-fields';

export const INSTRUCTION_BUDGET: u32 = 10000;
export const RUNAWAY_LIMIT: u32 = 4000000;
/** Timer used to continue after a yield. */
export const TIMER_SCRIPTS: u32 = 0;

// ---- processor states
export const STATE_IDLE: u32 = 0;
export const STATE_RUNNING: u32 = 1;
export const STATE_PARKED: u32 = 2;

// ---- what an instruction asks of the run loop
export const OUT_NEXT: u32 = 0;
/** Wait: re-execute this instruction when something changes. */
export const OUT_PARK: u32 = 1;

export class ScriptsProcessor {
  state: u32 = STATE_IDLE;
  carry: bool = false;
  /** DSP of the instruction being executed. */
  instructionAddress: u32 = 0;
  /** Address of the instruction the processor is parked on. */
  private parkedAt: u32 = 0;
  /** Register accesses with their side effects (set once by the controller). */
  access!: RegisterAccess;
  /** config.ts FLAG_FIRMWARE_QUIRKS: an all-zero first dword is skipped, not illegal. */
  firmwareQuirks: bool = false;
  private sinceWait: u32 = 0;
  private yieldArmed: bool = false;
  private inRunLoop: bool = false;
  private readonly fetched: usize = heap.alloc(8);

  constructor(
    readonly regs: RegisterFile,
    readonly irq: InterruptStatus,
    readonly mem: BusMemory,
    readonly bus: ScsiBus,
  ) {}

  reset(): void {
    this.state = STATE_IDLE;
    this.carry = false;
    this.sinceWait = 0;
    this.cancelYield();
  }

  get active(): bool {
    return this.state != STATE_IDLE;
  }

  /** Host wrote DSP (automatic start) or set DCNTL STD: execute from DSP. */
  start(): void {
    // Interrupts posted while the processor was stopped have nothing left to stop.
    this.irq.haltRequest = false;
    this.state = STATE_RUNNING;
    this.sinceWait = 0;
    this.run();
  }

  /** ISTAT ABRT: stop whatever runs and report it (DSTAT ABRT), even when idle — Linux's
   *  soft reset waits for that ABRT before resetting the chip. */
  abort(): void {
    this.irq.raiseDma(DSTAT_ABRT);
    this.irq.haltRequest = false;
    this.halt();
  }

  /** Something outside the processor changed (a completion, a register write, a timer):
   *  stop if an interrupt demands it, or retry a parked instruction. */
  poke(): void {
    if (this.irq.haltRequest) {
      this.irq.haltRequest = false;
      if (this.state != STATE_IDLE) this.halt();
      return;
    }
    if (this.state == STATE_PARKED) {
      this.regs.set32(DSP, this.parkedAt);
      this.state = STATE_RUNNING;
      this.run();
    }
  }

  /** The yield timer fired. */
  resume(): void {
    this.yieldArmed = false;
    if (this.state == STATE_RUNNING) this.run();
  }

  // ---- helpers for the instruction executors

  readRegister(offset: u32): u32 {
    return this.access.read8(offset & 0xff, true);
  }

  writeRegister(offset: u32, value: u32): void {
    this.access.write8(offset & 0xff, value & 0xff, true);
  }

  /** Posts a DMA interrupt; every DMA interrupt stops the processor after this instruction. */
  raiseDma(bits: u32): void {
    this.irq.raiseDma(bits);
  }

  raiseScsi(bits0: u32, bits1: u32): void {
    this.irq.raiseScsi(bits0, bits1);
  }

  busFault(): u32 {
    this.irq.raiseDma(DSTAT_BF);
    return OUT_NEXT;
  }

  illegal(): u32 {
    this.irq.raiseDma(DSTAT_IID);
    return OUT_NEXT;
  }

  /** The last SELECT found no target: report the selection timeout now (SIST1 STO, fatal),
   *  at the first instruction that waits for the target, as the chip does. */
  selectionTimeout(): u32 {
    this.bus.clearSelectionTimeout();
    this.irq.raiseScsi(0, SIST1_STO);
    return OUT_NEXT;
  }

  /** Reads the next dword of a three-dword instruction and advances DSP past it. */
  fetchExtraDword(): u32 {
    const at = this.regs.get32(DSP);
    const value = this.mem.read32(<u64>at);
    if (this.mem.ok) this.regs.set32(DSP, at + 4);
    return value;
  }

  // ---- the run loop

  private run(): void {
    if (this.inRunLoop) return;
    this.inRunLoop = true;
    let executed: u32 = 0;
    while (this.state == STATE_RUNNING) {
      if (executed == INSTRUCTION_BUDGET) {
        this.armYield();
        break;
      }
      executed++;
      if (++this.sinceWait > RUNAWAY_LIMIT) {
        logHex(LOG_WARN, "scsi: SCRIPTS never wait; stopped with IID at", <u64>this.regs.get32(DSP));
        this.irq.raiseDma(DSTAT_IID);
        this.halt();
        break;
      }
      const outcome = this.step();
      if (this.irq.haltRequest) {
        this.irq.haltRequest = false;
        this.halt();
        break;
      }
      if (outcome == OUT_PARK) {
        this.parkedAt = this.instructionAddress;
        this.state = STATE_PARKED;
        this.sinceWait = 0;
        break;
      }
      if (this.regs.testBits(DCNTL, DCNTL_SSM) && this.state == STATE_RUNNING) {
        this.irq.raiseDma(DSTAT_SSI);
        this.irq.haltRequest = false;
        this.halt();
        break;
      }
    }
    this.inRunLoop = false;
  }

  private step(): u32 {
    const at = this.regs.get32(DSP);
    this.instructionAddress = at;
    if (!this.mem.read(<u64>at, 8, this.fetched)) return this.busFault();
    const insn = load<u32>(this.fetched);
    const arg = load<u32>(this.fetched, 4);
    if (insn == 0 && this.firmwareQuirks) {
      // QEMU's model steps over a zero dword; SeaBIOS's script leaves a zero-length MOVE
      // (and a zero buffer address) in it for commands without data.
      this.regs.set32(DSP, at + 4);
      return OUT_NEXT;
    }
    this.regs.set24(DBC, insn & 0xffffff);
    this.regs.set8(DCMD, insn >>> 24);
    this.regs.set32(DSPS, arg);
    this.regs.set32(DSP, at + 8);
    switch (instructionType(insn)) {
      case TYPE_BLOCK_MOVE: return executeBlockMove(this, insn, arg);
      case TYPE_IO: return executeIo(this, insn, arg);
      case TYPE_TRANSFER_CONTROL: return executeTransferControl(this, insn, arg);
      default: return executeMemory(this, insn, arg);
    }
  }

  private halt(): void {
    this.state = STATE_IDLE;
    this.sinceWait = 0;
    this.cancelYield();
  }

  private armYield(): void {
    if (this.yieldArmed) return;
    this.yieldArmed = true;
    timer_arm(TIMER_SCRIPTS, 0);
  }

  private cancelYield(): void {
    if (!this.yieldArmed) return;
    this.yieldArmed = false;
    timer_arm(TIMER_SCRIPTS, -1);
  }
}
