// One IDE channel (cable): two device positions, the shared device control register,
// the channel's interrupt line, its bus master registers and the command in progress.
// This file is the register-level behaviour (ATA/ATAPI-6 section 7 and 9.2 for SRST);
// what a command does lives in ata-commands.ts, ata-sectors.ts and atapi-packet.ts.

import { SG_ENTRY_SIZE, SG_FLAG_CORE_MEMORY, block_submit } from '../common/abi';
import { RequestSlot } from '../common/request-slot';
import { SgList } from '../common/sg-list';
import {
  ATA_BSY, ATA_ERR_ABRT, ATA_CTL_HOB, ATA_CTL_NIEN, ATA_CTL_SRST, ATA_DEV_DEV, ATA_DRDY, ATA_DRQ, ATA_DSC, ATA_ERR,
  CMD_DEVICE_RESET,
} from './ata-defs';
import { executeCommand } from './ata-commands';
import { ataDmaDone, ataDmaStart, ataFlushDone, ataReadBlockDrained, ataReadFetched, ataWriteBlockFilled, ataWriteStored } from './ata-sectors';
import { atapiDeviceReset, atapiDmaDone, atapiDmaStart, atapiDrqDrained, atapiFetched, atapiPacketReceived } from './atapi-packet';
import { BM_START_SET, BM_ST_ERROR, BM_ST_INTERRUPT, BusMasterRegs } from './bus-master';
import {
  STEP_ATAPI_CDB, STEP_ATAPI_DMA_IO, STEP_ATAPI_DMA_READY, STEP_ATAPI_DRQ, STEP_ATAPI_FETCH,
  STEP_ATA_DMA_IO, STEP_ATA_DMA_READY, STEP_ATA_FLUSH_IO, STEP_ATA_READ_DRQ, STEP_ATA_READ_FETCH,
  STEP_ATA_WRITE_DRQ, STEP_ATA_WRITE_STORE, STEP_IDLE, STEP_PIO_IN_LAST, STEP_QUIESCE, STEP_SOFT_RESET,
} from './channel-steps';
import { DataWindow } from './data-window';
import { Drive } from './drive';
import { IrqRouter } from './irq-router';
import { MAX_PRD_ENTRIES, PrdWalk } from './prd-table';

/** Device masks for resets: bit 0 device 0, bit 1 device 1. */
const DEVICE_0: u32 = 1;
const DEVICE_1: u32 = 2;
const BOTH_DEVICES: u32 = DEVICE_0 | DEVICE_1;

/** The reset mask of one device. */
export function deviceMask(drive: Drive): u32 {
  return drive.unit == 0 ? DEVICE_0 : DEVICE_1;
}

/** The channel's sector buffer: PIO blocks (up to 16 sectors), ATAPI replies and up to
 *  CHANNEL_BUFFER_CD_BLOCKS CD blocks of a PIO READ. */
export const CHANNEL_BUFFER_SIZE: u32 = 64 * 1024;
export const CHANNEL_BUFFER_CD_BLOCKS: u32 = 32;
const CDB_BUFFER_SIZE: u32 = 16;

export class Channel {
  readonly drive0: Drive;
  readonly drive1: Drive;
  readonly bm: BusMasterRegs = new BusMasterRegs();
  readonly buffer: usize;
  readonly window: DataWindow;
  /** SG list of the request in flight; it must stay intact until that request completes. */
  readonly sg: SgList = new SgList(heap.alloc(MAX_PRD_ENTRIES * SG_ENTRY_SIZE), MAX_PRD_ENTRIES);
  readonly prd: PrdWalk = new PrdWalk();
  readonly slot: RequestSlot;
  /** The 12-byte ATAPI packet, copied out of the buffer before the reply is built there. */
  readonly cdb: usize = heap.alloc(CDB_BUFFER_SIZE);

  selectedUnit: u32 = 0;
  control: u32 = 0;
  /** PCI COMMAND bit 2 (bus master enable), as the controller last saw it. */
  busMasterEnabled: bool = false;
  /** Level this channel's INTRQ currently has. */
  private intrq: bool = false;
  /** A request a reset abandoned that the backend has not completed yet (0: none). Until it
   *  does, it may still write the buffer or read the SG list, so nothing may reuse them. */
  private orphanReqId: u32 = 0;
  /** Devices whose reset finishes once the orphan has completed. */
  private pendingResetDevices: u32 = 0;

  // ---- the command in progress
  step: u32 = STEP_IDLE;
  /** The device executing it (commands run on the selected device, which cannot change
   *  while it is BSY or DRQ). */
  active: Drive;
  /** Next LBA to transfer: 512-byte sectors for ATA, 2048-byte blocks for ATAPI. */
  lba: u64 = 0;
  /** Sectors (ATA) or CD blocks (ATAPI) not yet handed to the backend. */
  remaining: u32 = 0;
  /** Sectors per DRQ block of a PIO transfer (1, or the multiple count). */
  blockSectors: u32 = 1;
  /** Sectors/blocks in the request in flight or the DRQ block open. */
  inFlight: u32 = 0;
  isWrite: bool = false;
  /** After the DMA completes, the PRD table still had regions: Active stays set. */
  dmaRegionsLeft: bool = false;
  // ATAPI data-in phase
  atapiDma: bool = false;
  byteCountLimit: u32 = 0;
  /** Bytes of reply (or fetched CD data) in the buffer, and how far the host has got. */
  replyLength: u32 = 0;
  replyPos: u32 = 0;

  constructor(readonly index: u32, readonly irq: IrqRouter) {
    const master = new Drive(index * 2);
    this.drive0 = master;
    this.drive1 = new Drive(index * 2 + 1);
    this.slot = new RequestSlot(index);
    this.active = master;
    const buffer = heap.alloc(CHANNEL_BUFFER_SIZE);
    this.buffer = buffer;
    this.window = new DataWindow(buffer, CHANNEL_BUFFER_SIZE);
  }

  get selected(): Drive {
    return this.selectedUnit == 0 ? this.drive0 : this.drive1;
  }

  get anyDrivePresent(): bool {
    return this.drive0.present || this.drive1.present;
  }

  // =====================================================================================
  // Register interface
  // =====================================================================================

  /** Command block register 1..7 read. */
  readRegister(reg: u32): u32 {
    if (!this.anyDrivePresent) return 0; // nothing drives the bus
    const drive = this.selected;
    const tf = drive.tf;
    const hob = (this.control & ATA_CTL_HOB) != 0;
    switch (reg) {
      case 1:
        if (!drive.present) return 0;
        return hob ? tf.featurePrev : tf.error;
      case 2: case 3: case 4: case 5:
        return tf.readFifo(reg, hob);
      case 6:
        return tf.device;
      case 7:
        // An absent device 1 reads status 0 (device 0 answers for it): libata relies on it.
        if (!drive.present) return 0;
        if (drive.intrqPending) {
          drive.intrqPending = false;
          this.updateIrq();
        }
        return tf.status;
      default:
        return 0xff;
    }
  }

  /** Alternate status: the status register without clearing a pending interrupt. */
  readAltStatus(): u32 {
    if (!this.anyDrivePresent) return 0;
    const drive = this.selected;
    return drive.present ? drive.tf.status : 0;
  }

  /** Command block register 1..7 write. */
  writeRegister(reg: u32, value: u32): void {
    const v = value & 0xff;
    // Any command block write clears HOB (7.7).
    this.control &= ~ATA_CTL_HOB;
    if (reg == 7) {
      this.writeCommand(v);
      return;
    }
    // While the selected device is busy or transferring, it ignores register writes; that
    // includes the device register, so the guest cannot switch devices mid-command.
    if ((this.selected.tf.status & (ATA_BSY | ATA_DRQ)) != 0 || this.step == STEP_SOFT_RESET) return;
    if (reg >= 1 && reg <= 5) {
      this.drive0.tf.writeFifo(reg, v);
      this.drive1.tf.writeFifo(reg, v);
    } else if (reg == 6) {
      this.drive0.tf.device = v;
      this.drive1.tf.device = v;
      this.selectedUnit = (v & ATA_DEV_DEV) != 0 ? 1 : 0;
      this.updateIrq();
    }
  }

  private writeCommand(opcode: u32): void {
    if (this.step == STEP_SOFT_RESET) return;
    const drive = this.selected;
    // No device answers for an absent one; the command goes nowhere.
    if (!drive.present) return;
    if ((drive.tf.status & (ATA_BSY | ATA_DRQ)) != 0 || this.step != STEP_IDLE) {
      // Only DEVICE RESET gets through to a busy ATAPI device (ATA/ATAPI-6 8.9).
      if (opcode == CMD_DEVICE_RESET && drive.isAtapi) atapiDeviceReset(this, drive);
      return;
    }
    // Writing the command register clears a pending interrupt.
    drive.intrqPending = false;
    this.updateIrq();
    drive.tf.error = 0;
    this.active = drive;
    executeCommand(this, drive, opcode);
  }

  /** Device control register write (7.7): nIEN, SRST, HOB. */
  writeDeviceControl(value: u32): void {
    const was = this.control;
    this.control = value & (ATA_CTL_HOB | ATA_CTL_SRST | ATA_CTL_NIEN);
    const srstBefore = (was & ATA_CTL_SRST) != 0;
    const srstNow = (value & ATA_CTL_SRST) != 0;
    if (!srstBefore && srstNow) this.assertSoftReset();
    else if (srstBefore && !srstNow) this.releaseSoftReset();
    this.updateIrq();
  }

  /** Data register read of 2 or 4 bytes (PIIX decodes 32-bit data accesses, 2.3). */
  readData(size: u32): u32 {
    if (!this.pioStep() || !this.window.toHost) return 0;
    const low = this.window.readWord();
    if (this.window.drained) {
      this.windowDone();
      return low;
    }
    if (size != 4) return low;
    const high = this.window.readWord();
    if (this.window.drained) this.windowDone();
    return low | (high << 16);
  }

  /** Data register write of 2 or 4 bytes. */
  writeData(size: u32, value: u32): void {
    if (!this.pioStep() || this.window.toHost) return;
    this.window.writeWord(value & 0xffff);
    if (this.window.drained) {
      this.windowDone();
      return;
    }
    if (size != 4) return;
    this.window.writeWord(value >>> 16);
    if (this.window.drained) this.windowDone();
  }

  busMasterRead(reg: u32): u32 {
    return this.bm.readByte(reg);
  }

  busMasterWrite(reg: u32, value: u32): void {
    if (this.bm.writeByte(reg, value) == BM_START_SET) this.tryStartDma();
  }

  setBusMasterEnabled(enabled: bool): void {
    this.busMasterEnabled = enabled;
    if (enabled) this.tryStartDma();
  }

  /** A block request finished. Stale ids (abandoned by a reset) change nothing, except that
   *  the last abandoned one lets a reset waiting for it finish. */
  complete(reqId: u32, status: i32): void {
    if (reqId != 0 && reqId == this.orphanReqId) {
      this.orphanReqId = 0;
      if (this.step == STEP_QUIESCE) this.finishReset();
      return;
    }
    if (!this.slot.accept(reqId)) return;
    switch (this.step) {
      case STEP_ATA_READ_FETCH: ataReadFetched(this, status); break;
      case STEP_ATA_WRITE_STORE: ataWriteStored(this, status); break;
      case STEP_ATA_DMA_IO: ataDmaDone(this, status); break;
      case STEP_ATA_FLUSH_IO: ataFlushDone(this, status); break;
      case STEP_ATAPI_FETCH: atapiFetched(this, status); break;
      case STEP_ATAPI_DMA_IO: atapiDmaDone(this, status); break;
      default: break;
    }
  }

  /** PCI reset: registers, devices and bus master back to power-on state. */
  powerOnReset(): void {
    this.abandonCommand();
    this.control = 0;
    this.selectedUnit = 0;
    this.bm.reset();
    this.drive0.powerOnDefaults();
    this.drive1.powerOnDefaults();
    this.completeReset(BOTH_DEVICES);
  }

  /** See Controller.reportLostCommands. */
  reportLostCommand(): void {
    const drive = this.drive0.present ? this.drive0 : this.drive1.present ? this.drive1 : null;
    if (drive === null) return;
    this.selectedUnit = drive === this.drive0 ? 0 : 1;
    this.bm.status |= BM_ST_ERROR | BM_ST_INTERRUPT;
    this.failCommand(drive, ATA_ERR_ABRT);
  }

  // =====================================================================================
  // Primitives the command modules use
  // =====================================================================================

  /** Marks `drive`'s interrupt pending and drives INTRQ if it is selected and nIEN=0. */
  raiseInterrupt(drive: Drive): void {
    drive.intrqPending = true;
    this.updateIrq();
  }

  /** Successful end of a non-data command (or of a data command's last step). */
  finishCommand(drive: Drive): void {
    this.window.close();
    this.step = STEP_IDLE;
    drive.tf.error = 0;
    drive.tf.status = ATA_DRDY | ATA_DSC;
    this.raiseInterrupt(drive);
  }

  /** Ends the command with ERR set and `error` in the error register. */
  failCommand(drive: Drive, error: u32): void {
    this.window.close();
    this.step = STEP_IDLE;
    drive.tf.error = error;
    drive.tf.status = ATA_DRDY | ATA_ERR;
    this.raiseInterrupt(drive);
  }

  /** Opens a device-to-host DRQ block of `len` bytes at `offset` in the buffer. */
  openPioIn(drive: Drive, offset: u32, len: u32, step: u32): void {
    this.window.openBlock(offset, len, true);
    this.step = step;
    drive.tf.status = ATA_DRDY | ATA_DSC | ATA_DRQ;
  }

  /** Opens a host-to-device DRQ block of `len` bytes at the start of the buffer. */
  openPioOut(drive: Drive, len: u32, step: u32): void {
    this.window.openBlock(0, len, false);
    this.step = step;
    drive.tf.status = ATA_DRDY | ATA_DSC | ATA_DRQ;
  }

  /** Submits a block request for the active drive using the first `sg.count` SG entries
   *  (none for a flush) and waits in `step` for its completion. */
  submit(op: u32, lba512: u64, step: u32): void {
    this.step = step;
    this.active.tf.status = ATA_BSY | ATA_DRDY;
    const reqId = this.slot.issue();
    block_submit(reqId, this.active.index, op, lba512, this.sg.base, this.sg.count);
  }

  /** Points the SG list at `len` bytes of the channel buffer. */
  sgForBuffer(len: u32): void {
    this.sg.clear();
    this.sg.append(<u64>this.buffer, len, SG_FLAG_CORE_MEMORY);
  }

  /** Starts the DMA of a command waiting for it, if the bus master may run now. DMA needs
   *  the start bit and PCI bus mastering; the order in which the guest sets the start bit
   *  and issues the command does not matter. */
  tryStartDma(): void {
    if (!this.busMasterEnabled || !this.bm.started) return;
    if (this.step == STEP_ATA_DMA_READY) ataDmaStart(this);
    else if (this.step == STEP_ATAPI_DMA_READY) atapiDmaStart(this);
  }

  /** Forgets the command in progress. A request in flight becomes the orphan: its
   *  completion will change nothing but is waited for before a reset finishes (it cannot
   *  be recalled from the backend). A new request is never issued while one is orphaned,
   *  because only a reset orphans and resets end in STEP_QUIESCE until it completes. */
  abandonCommand(): void {
    const inFlight = this.slot.inFlightId;
    if (inFlight != 0) this.orphanReqId = inFlight;
    this.slot.abandon();
    this.window.close();
    this.step = STEP_IDLE;
  }

  /** Finishes the reset of `devices` (signature, diagnostic code, status), at once or,
   *  while an abandoned request is still out, when it completes; the devices read BSY
   *  meanwhile. */
  completeReset(devices: u32): void {
    this.pendingResetDevices |= devices;
    if (this.orphanReqId == 0) {
      this.finishReset();
      return;
    }
    this.step = STEP_QUIESCE;
    if ((devices & DEVICE_0) != 0) this.holdBusy(this.drive0);
    if ((devices & DEVICE_1) != 0) this.holdBusy(this.drive1);
    this.updateIrq();
  }

  updateIrq(): void {
    const drive = this.selected;
    const level = (this.control & ATA_CTL_NIEN) == 0 && drive.present && drive.intrqPending;
    // PIIX3 2.7.2 BMISx bit 2: set on each assertion edge of the channel's IDE interrupt.
    if (level && !this.intrq) this.bm.status |= BM_ST_INTERRUPT;
    this.intrq = level;
    this.irq.update(this.index, level);
  }

  // =====================================================================================

  private pioStep(): bool {
    const s = this.step;
    return this.window.open && (s == STEP_PIO_IN_LAST || s == STEP_ATA_READ_DRQ || s == STEP_ATA_WRITE_DRQ ||
      s == STEP_ATAPI_CDB || s == STEP_ATAPI_DRQ);
  }

  /** The host has read or written the whole DRQ block. */
  private windowDone(): void {
    switch (this.step) {
      case STEP_PIO_IN_LAST:
        this.window.close();
        this.step = STEP_IDLE;
        this.active.tf.status = ATA_DRDY | ATA_DSC;
        break;
      case STEP_ATA_READ_DRQ: ataReadBlockDrained(this); break;
      case STEP_ATA_WRITE_DRQ: ataWriteBlockFilled(this); break;
      case STEP_ATAPI_CDB: atapiPacketReceived(this); break;
      case STEP_ATAPI_DRQ: atapiDrqDrained(this); break;
      default: break;
    }
  }

  /** SRST set: both devices go busy and drop whatever they were doing (9.2). */
  private assertSoftReset(): void {
    this.abandonCommand();
    this.step = STEP_SOFT_RESET;
    this.holdBusy(this.drive0);
    this.holdBusy(this.drive1);
  }

  private holdBusy(drive: Drive): void {
    drive.intrqPending = false;
    drive.tf.status = drive.present ? ATA_BSY : 0;
  }

  /** SRST cleared: devices finish their reset with signatures and device 0 selected. */
  private releaseSoftReset(): void {
    this.completeReset(BOTH_DEVICES);
  }

  private finishReset(): void {
    const devices = this.pendingResetDevices;
    this.pendingResetDevices = 0;
    this.step = STEP_IDLE;
    if ((devices & DEVICE_0) != 0) this.drive0.resetOutputs();
    if ((devices & DEVICE_1) != 0) this.drive1.resetOutputs();
    if (devices == BOTH_DEVICES) {
      this.selectedUnit = 0;
      this.active = this.drive0;
    }
    this.updateIrq();
  }
}
