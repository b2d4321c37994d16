// The LSI53C895A function as a whole (PCI 1000:0012, or the 53C875 variant, 1000:000F: see
// chip/chip-variant.ts): address decoding of the guest's accesses onto the operating
// registers (BAR0, I/O, 256 bytes; BAR1, memory, 1 KiB: the 256 register bytes repeated) and
// the SCRIPTS RAM (BAR2, memory, 8 KiB; 4 KiB on the 875), resets, block request
// completions and timers. The parts: chip/ (registers, interrupts, memory access), scripts/
// (the SCRIPTS processor), bus/ (the SCSI bus and the targets' protocol), tasks/ (queued
// commands and DMA batching).

import { RESET_AFTER_CRASH, SPACE_BAR0, timer_arm } from '../common/abi';
import { allOnes, byteLane, withByteLane } from '../common/register-bytes';
import { ScsiBus } from './bus/scsi-bus';
import { BusMemory } from './chip/bus-memory';
import { variantOf } from './chip/chip-variant';
import { InterruptStatus } from './chip/interrupt-status';
import { IO_BAR_SIZE, MMIO_BAR_SIZE, PciFunction } from './chip/pci-function';
import { ChipActions, RegisterAccess } from './chip/register-access';
import { RegisterFile } from './chip/register-file';
import { SIEN0, SIST0_RST, SIST1_GEN } from './chip/register-map';
import { ScriptsRam } from './chip/scripts-ram';
import { ScsiConfig } from './config';
import { ScriptsProcessor, TIMER_SCRIPTS } from './scripts/scripts-processor';
import { TargetSet } from './target-set';
import { DataPhase } from './tasks/data-phase';
import { MediaBatch } from './tasks/media-batch';
import { TaskTable } from './tasks/task-table';

const BAR_IO: u32 = SPACE_BAR0;
const BAR_MMIO: u32 = SPACE_BAR0 + 1;
const BAR_RAM: u32 = SPACE_BAR0 + 2;
/** The general purpose timer (STIME1 GEN) fires SIST1 GEN. */
export const TIMER_GENERAL: u32 = 1;
/** STIME1 GEN = 1 is 125 µs; each step doubles it (data manual, STIME1). */
const GENERAL_TIMER_BASE_NS: i64 = 125000;

export class Controller implements ChipActions {
  readonly regs: RegisterFile = new RegisterFile();
  readonly irq: InterruptStatus = new InterruptStatus(this.regs);
  readonly ram: ScriptsRam = new ScriptsRam();
  readonly pci: PciFunction = new PciFunction();
  readonly mem: BusMemory = new BusMemory(this.ram, this.pci);
  readonly tasks: TaskTable = new TaskTable();
  readonly targets: TargetSet = new TargetSet();
  readonly media: MediaBatch = new MediaBatch();
  readonly dataPhase: DataPhase = new DataPhase(this.mem);
  readonly bus: ScsiBus = new ScsiBus(this.regs, this.irq, this.mem, this.tasks, this.targets, this.dataPhase, this.media);
  readonly scripts: ScriptsProcessor = new ScriptsProcessor(this.regs, this.irq, this.mem, this.bus);
  readonly access: RegisterAccess = new RegisterAccess(this.regs, this.irq, this.bus, this.scripts, this);

  constructor() {
    this.scripts.access = this.access;
  }

  /** Applies a parsed configuration, then a power-on reset. False (nothing changed) when a
   *  target refuses its part. */
  configure(config: ScsiConfig): bool {
    if (!this.targets.configure(config)) return false;
    this.bus.firmwareQuirks = config.firmwareQuirks;
    this.scripts.firmwareQuirks = config.firmwareQuirks;
    const variant = variantOf(config.chip);
    this.ram.size = variant.scriptsRamSize;
    this.pci.ramBarSize = variant.scriptsRamSize;
    this.access.revision = variant.revision;
    this.access.stest4 = variant.stest4;
    this.powerOnReset();
    return true;
  }

  /** PCI RST#: chip, SCRIPTS RAM and the PCI-visible state back to power-on values; every
   *  task is forgotten (completions still in flight are stale). */
  powerOnReset(): void {
    this.pci.reset();
    this.ram.busAddress = 0;
    this.ram.clear();
    this.softReset();
    this.irq.forgetPinLevel();
    this.irq.update();
  }

  /** After a crash restart: power-on state, then a SCSI bus reset the driver hears about
   *  (SIST0 RST with its enable set, so INTA# asserts even though the lost core's SIEN0 is
   *  gone). sym53c8xx answers a bus reset by reinitialising the chip, reloading its SCRIPTS
   *  and requeueing every command it had outstanding. */
  crashReset(): void {
    this.powerOnReset();
    this.bus.busReset();
    this.regs.setBits(SIEN0, SIST0_RST);
    this.irq.raiseScsi(SIST0_RST, 0);
    this.irq.haltRequest = false;
  }

  reset(kind: u32): void {
    if (kind == RESET_AFTER_CRASH) this.crashReset();
    else this.powerOnReset();
  }

  // ---- ChipActions

  softReset(): void {
    this.scripts.reset();
    this.tasks.abortAll();
    this.bus.reset();
    this.bus.resetAsserted = false;
    this.regs.reset();
    this.irq.reset();
    timer_arm(TIMER_GENERAL, -1);
  }

  scsiReset(asserted: bool): void {
    if (asserted) {
      this.bus.busReset();
      this.bus.resetAsserted = true;
      this.irq.raiseScsi(SIST0_RST, 0);
    } else {
      this.bus.resetAsserted = false;
    }
  }

  generalTimer(code: u32): void {
    timer_arm(TIMER_GENERAL, code == 0 ? -1 : GENERAL_TIMER_BASE_NS << <i64>(code - 1));
  }

  // ---- guest accesses

  ioRead(space: u32, offset: u64, size: u32): u64 {
    if (space == BAR_RAM) {
      if (!validMemorySize(size) || offset + <u64>size > <u64>this.ram.size) return allOnes(size);
      return this.ram.hostRead(<u32>offset, size);
    }
    const base = this.registerOffset(space, offset, size);
    if (base < 0) return allOnes(size);
    let value: u64 = 0;
    for (let lane: u32 = 0; lane < size; lane++) {
      value = withByteLane(value, lane, this.access.read8((<u32>base + lane) & 0xff, false));
    }
    return value;
  }

  ioWrite(space: u32, offset: u64, size: u32, value: u64): void {
    if (space == BAR_RAM) {
      if (validMemorySize(size) && offset + <u64>size <= <u64>this.ram.size) this.ram.hostWrite(<u32>offset, size, value);
      return;
    }
    const base = this.registerOffset(space, offset, size);
    if (base < 0) return;
    for (let lane: u32 = 0; lane < size; lane++) this.access.write8((<u32>base + lane) & 0xff, byteLane(value, lane), false);
    this.scripts.poke();
  }

  configRead(offset: u32, size: u32): u32 {
    if (!validIoSize(size) || offset > 0xff) return <u32>allOnes(size);
    return this.pci.read(offset, size);
  }

  configWrite(offset: u32, size: u32, value: u32): void {
    if (!validIoSize(size) || offset > 0xff) return;
    this.pci.write(offset, size, value);
    this.ram.busAddress = this.pci.ramAddress;
  }

  complete(reqId: u32, status: i32): void {
    const task = this.tasks.byRequest(reqId);
    if (task == null || !task.inUse || !task.slot.accept(reqId)) return; // stale or unknown
    this.bus.ioCompleted(task, status);
    this.scripts.poke();
  }

  timerFired(timerId: u32): void {
    if (timerId == TIMER_SCRIPTS) {
      this.scripts.resume();
    } else if (timerId == TIMER_GENERAL) {
      this.irq.raiseScsi(0, SIST1_GEN);
    }
    this.scripts.poke();
  }

  /** Register offset of an access to BAR0 (I/O) or BAR1 (memory), or -1 if not claimed. */
  private registerOffset(space: u32, offset: u64, size: u32): i32 {
    if (space == BAR_IO) {
      if (!validIoSize(size) || offset + <u64>size > <u64>IO_BAR_SIZE) return -1;
      return <i32>offset;
    }
    if (space == BAR_MMIO) {
      if (!validMemorySize(size) || offset + <u64>size > <u64>MMIO_BAR_SIZE) return -1;
      return <i32>(offset & 0xff);
    }
    return -1;
  }
}

function validIoSize(size: u32): bool {
  return size == 1 || size == 2 || size == 4;
}

function validMemorySize(size: u32): bool {
  return size == 1 || size == 2 || size == 4 || size == 8;
}
