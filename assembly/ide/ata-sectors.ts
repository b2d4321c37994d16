// Sector transfers of an ATA disk: READ/WRITE SECTORS, MULTIPLE and DMA, 28- and 48-bit
// (ATA/ATAPI-6 8.27-8.30, 8.60-8.64 and the PIO/DMA protocols of 9.7-9.10), plus FLUSH.
//
// PIO: each DRQ block (one sector, or the multiple count) goes through the channel buffer
// with one block request; reads raise INTRQ when a block is ready, writes when a written
// block is stored. DMA: the whole command is one block request whose SG list is the guest
// memory the PRD table describes.

import {
  BLOCK_FLUSH, BLOCK_READ, BLOCK_WRITE, STATUS_EFAULT, STATUS_EINVAL, STATUS_EIO, STATUS_OK,
} from '../common/abi';
import { ATA_DRDY, ATA_DRQ, ATA_DSC, ATA_ERR_ABRT, ATA_ERR_IDNF, ATA_ERR_UNC, SECTOR_SIZE } from './ata-defs';
import { BM_ST_ACTIVE, BM_ST_ERROR } from './bus-master';
import { Channel } from './channel';
import {
  STEP_ATA_DMA_IO, STEP_ATA_DMA_READY, STEP_ATA_FLUSH_IO, STEP_ATA_READ_DRQ, STEP_ATA_READ_FETCH,
  STEP_ATA_WRITE_DRQ, STEP_ATA_WRITE_STORE, STEP_IDLE,
} from './channel-steps';
import { Drive } from './drive';
import { PRD_COVERED, PRD_SHORT, walkPrdTable } from './prd-table';

export const XFER_PIO: u32 = 0;
export const XFER_PIO_MULTIPLE: u32 = 1;
export const XFER_DMA: u32 = 2;

/** The LBA and count of a sector command are inside the disk. */
export function sectorRangeOk(drive: Drive, lba: u64, count: u32): bool {
  const total = drive.sectors;
  return lba != u64.MAX_VALUE && lba <= total && <u64>count <= total - lba;
}

/** Address of a sector command: 48-bit, 28-bit LBA, or CHS through the current translation. */
export function commandLba(drive: Drive, lba48: bool): u64 {
  const tf = drive.tf;
  if (lba48) return tf.lba48();
  return tf.usesLba ? tf.lba28() : drive.chsToLba();
}

/** Starts READ/WRITE SECTORS/MULTIPLE/DMA (EXT). */
export function startSectorTransfer(ch: Channel, drive: Drive, xfer: u32, lba48: bool, write: bool): void {
  if (write && drive.config.readOnly) {
    ch.failCommand(drive, ATA_ERR_ABRT);
    return;
  }
  // READ/WRITE MULTIPLE without a multiple count set are aborted (8.29).
  if (xfer == XFER_PIO_MULTIPLE && drive.multipleCount == 0) {
    ch.failCommand(drive, ATA_ERR_ABRT);
    return;
  }
  const count = lba48 ? drive.tf.count48() : drive.tf.count28();
  const lba = commandLba(drive, lba48);
  if (!sectorRangeOk(drive, lba, count)) {
    ch.failCommand(drive, ATA_ERR_IDNF);
    return;
  }
  drive.standby = false;
  ch.lba = lba;
  ch.remaining = count;
  ch.isWrite = write;
  ch.blockSectors = xfer == XFER_PIO_MULTIPLE ? drive.multipleCount : 1;
  if (xfer == XFER_DMA) {
    // The device is ready for data; the transfer waits for the bus master.
    ch.step = STEP_ATA_DMA_READY;
    drive.tf.status = ATA_DRDY | ATA_DSC | ATA_DRQ;
    ch.tryStartDma();
  } else if (write) {
    openWriteBlock(ch, false);
  } else {
    fetchReadBlock(ch);
  }
}

// ---- PIO read: fetch a DRQ block, let the host drain it, repeat.

function fetchReadBlock(ch: Channel): void {
  const n = ch.remaining < ch.blockSectors ? ch.remaining : ch.blockSectors;
  ch.inFlight = n;
  ch.sgForBuffer(n * SECTOR_SIZE);
  ch.submit(BLOCK_READ, ch.lba, STEP_ATA_READ_FETCH);
}

export function ataReadFetched(ch: Channel, status: i32): void {
  const drive = ch.active;
  if (status != STATUS_OK) {
    ch.failCommand(drive, ataErrorFor(status, false));
    return;
  }
  ch.openPioIn(drive, 0, ch.inFlight * SECTOR_SIZE, STEP_ATA_READ_DRQ);
  ch.raiseInterrupt(drive);
}

export function ataReadBlockDrained(ch: Channel): void {
  ch.window.close();
  ch.lba += ch.inFlight;
  ch.remaining -= ch.inFlight;
  if (ch.remaining > 0) {
    fetchReadBlock(ch);
  } else {
    // The last block of a PIO read has no completion interrupt (9.7).
    ch.step = STEP_IDLE;
    ch.active.tf.status = ATA_DRDY | ATA_DSC;
  }
}

// ---- PIO write: host fills a DRQ block, store it, interrupt, repeat.

function openWriteBlock(ch: Channel, interrupt: bool): void {
  const n = ch.remaining < ch.blockSectors ? ch.remaining : ch.blockSectors;
  ch.inFlight = n;
  ch.openPioOut(ch.active, n * SECTOR_SIZE, STEP_ATA_WRITE_DRQ);
  // The first block is requested without an interrupt, later ones with (9.8).
  if (interrupt) ch.raiseInterrupt(ch.active);
}

export function ataWriteBlockFilled(ch: Channel): void {
  ch.window.close();
  ch.sgForBuffer(ch.inFlight * SECTOR_SIZE);
  ch.submit(BLOCK_WRITE, ch.lba, STEP_ATA_WRITE_STORE);
}

export function ataWriteStored(ch: Channel, status: i32): void {
  const drive = ch.active;
  if (status != STATUS_OK) {
    ch.failCommand(drive, ataErrorFor(status, true));
    return;
  }
  ch.lba += ch.inFlight;
  ch.remaining -= ch.inFlight;
  if (ch.remaining > 0) openWriteBlock(ch, true);
  else finishWrite(ch, drive);
}

// ---- DMA

export function ataDmaStart(ch: Channel): void {
  const drive = ch.active;
  const bytes = <u64>ch.remaining * SECTOR_SIZE;
  walkPrdTable(ch.bm.prdTable, bytes, ch.sg, ch.prd);
  const outcome = ch.prd.outcome;
  if (outcome == PRD_COVERED) {
    ch.dmaRegionsLeft = ch.prd.regionsLeft;
    ch.submit(ch.isWrite ? BLOCK_WRITE : BLOCK_READ, ch.lba, STEP_ATA_DMA_IO);
    // The device is transferring: DRQ stays up while the data moves, BSY is not set
    // (what Linux sees polling ALTSTATUS during a DMA command).
    drive.tf.status = ATA_DRDY | ATA_DSC | ATA_DRQ;
  } else if (outcome == PRD_SHORT) {
    // The PRDs describe less than the command moves. Like QEMU (and SFF-8038i table 3,
    // Interrupt=0/Active=0/Error=0): nothing is transferred, the engine stops, and no
    // interrupt is raised; the guest driver's timeout and reset recover.
    ch.bm.status &= ~BM_ST_ACTIVE;
    ch.step = STEP_IDLE;
    drive.tf.status = ATA_DRDY | ATA_DSC;
  } else {
    // The table could not be read, or never ended within the walk budget: a bus master
    // error, reported on both sides.
    ch.bm.status = (ch.bm.status | BM_ST_ERROR) & ~BM_ST_ACTIVE;
    ch.failCommand(drive, ATA_ERR_ABRT);
  }
}

export function ataDmaDone(ch: Channel, status: i32): void {
  const drive = ch.active;
  if (status == STATUS_EFAULT) {
    // A data range outside guest RAM: the master abort is the bus master's error.
    ch.bm.status = (ch.bm.status | BM_ST_ERROR) & ~BM_ST_ACTIVE;
    ch.failCommand(drive, ATA_ERR_ABRT);
    return;
  }
  // Active drops once the last region is done, unless the table described more.
  if (status != STATUS_OK || !ch.dmaRegionsLeft) ch.bm.status &= ~BM_ST_ACTIVE;
  if (status != STATUS_OK) {
    ch.failCommand(drive, ataErrorFor(status, ch.isWrite));
    return;
  }
  ch.lba += ch.remaining;
  ch.remaining = 0;
  if (ch.isWrite) finishWrite(ch, drive);
  else ch.finishCommand(drive);
}

// ---- FLUSH CACHE (EXT), and the write-through flush when the write cache is disabled

export function startFlush(ch: Channel): void {
  ch.sg.clear();
  ch.submit(BLOCK_FLUSH, 0, STEP_ATA_FLUSH_IO);
}

export function ataFlushDone(ch: Channel, status: i32): void {
  if (status != STATUS_OK) ch.failCommand(ch.active, ATA_ERR_ABRT);
  else ch.finishCommand(ch.active);
}

function finishWrite(ch: Channel, drive: Drive): void {
  // With the write cache disabled (SET FEATURES 82h) a write completes only once it is
  // on stable storage.
  if (!drive.writeCacheEnabled) startFlush(ch);
  else ch.finishCommand(drive);
}

/** Error register bits for a failed block request. */
function ataErrorFor(status: i32, write: bool): u32 {
  if (status == STATUS_EINVAL) return ATA_ERR_IDNF;
  if (status == STATUS_EIO && !write) return ATA_ERR_UNC;
  return ATA_ERR_ABRT;
}
