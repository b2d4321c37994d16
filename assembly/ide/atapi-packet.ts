// The ATAPI PACKET protocol (ATA/ATAPI-6 8.23 and 9.10-9.11): the host writes PACKET, the
// device asks for the 12-byte command packet (DRQ, interrupt reason CoD=1 IO=0), runs it,
// then moves data either by PIO in DRQ blocks of at most the byte count limit the host
// set in LBA mid/high (interrupt reason IO=1, byte count in LBA mid/high), or by bus
// master DMA when the host set features bit 0. Completion: status with CHECK (ERR) and the
// sense key in the error register's upper nibble, interrupt reason CoD=1 IO=1, INTRQ.

import { BLOCK_READ, DMA_OK, STATUS_EFAULT, STATUS_EINVAL, STATUS_EIO, STATUS_OK, dma_write } from '../common/abi';
import {
  ATAPI_FEATURE_DMA, ATAPI_FEATURE_OVL, ATAPI_IR_COD, ATAPI_IR_IO, ATAPI_IR_MASK, ATAPI_PACKET_SIZE, ATA_DRDY,
  ATA_DRQ, ATA_DSC, ATA_ERR, ATA_ERR_ABRT, CD_BLOCK_SIZE, SECTORS_PER_CD_BLOCK,
} from './ata-defs';
import { BM_ST_ACTIVE, BM_ST_ERROR } from './bus-master';
import { CHANNEL_BUFFER_CD_BLOCKS, Channel, deviceMask } from './channel';
import {
  STEP_ATAPI_CDB, STEP_ATAPI_DMA_IO, STEP_ATAPI_DMA_READY, STEP_ATAPI_DRQ, STEP_ATAPI_FETCH, STEP_IDLE,
} from './channel-steps';
import { Drive } from './drive';
import { MMC_CHECK_CONDITION, MMC_DATA_IN, MMC_READ_BLOCKS, MmcOutcome, runMmcCommand } from './mmc-commands';
import { PRD_COVERED, PRD_SHORT, walkPrdTable } from './prd-table';
import {
  ASC_LBA_OUT_OF_RANGE, ASC_NONE, ASC_UNRECOVERED_READ_ERROR, SENSE_ABORTED_COMMAND, SENSE_ILLEGAL_REQUEST,
  SENSE_MEDIUM_ERROR,
} from './scsi-sense';

/** The largest PIO DRQ block: byte count limits of 0 and FFFFh are taken as FFFEh. */
const MAX_BYTE_COUNT: u32 = 0xfffe;

const outcome = new MmcOutcome();

function setInterruptReason(drive: Drive, reason: u32): void {
  drive.tf.count = (drive.tf.count & ~ATAPI_IR_MASK) | reason;
}

/** PACKET: ask for the command packet. No INTRQ for it: IDENTIFY PACKET DEVICE word 0
 *  says DRQ comes within 50 us of the command. */
export function atapiStartPacket(ch: Channel, drive: Drive): void {
  const tf = drive.tf;
  if ((tf.feature & ATAPI_FEATURE_OVL) != 0) {
    ch.failCommand(drive, ATA_ERR_ABRT); // overlapped commands are not supported
    return;
  }
  ch.atapiDma = (tf.feature & ATAPI_FEATURE_DMA) != 0;
  ch.byteCountLimit = tf.lbaMid | (tf.lbaHigh << 8);
  setInterruptReason(drive, ATAPI_IR_COD);
  ch.openPioOut(drive, ATAPI_PACKET_SIZE, STEP_ATAPI_CDB);
}

/** The host has written the 12-byte packet. */
export function atapiPacketReceived(ch: Channel): void {
  const drive = ch.active;
  ch.window.close();
  memory.copy(ch.cdb, ch.buffer, ATAPI_PACKET_SIZE);
  runMmcCommand(drive, ch.cdb, ch.buffer, outcome);
  switch (outcome.kind) {
    case MMC_CHECK_CONDITION:
      atapiCheckCondition(ch, drive);
      return;
    case MMC_DATA_IN:
      if (outcome.length == 0) break;
      ch.replyLength = outcome.length;
      ch.replyPos = 0;
      ch.remaining = 0;
      startDataIn(ch, drive);
      return;
    case MMC_READ_BLOCKS:
      ch.lba = outcome.lba;
      ch.remaining = outcome.blocks;
      ch.replyLength = 0;
      ch.replyPos = 0;
      startDataIn(ch, drive);
      return;
    default:
      break;
  }
  atapiGood(ch, drive);
}

function startDataIn(ch: Channel, drive: Drive): void {
  if (ch.atapiDma) {
    ch.step = STEP_ATAPI_DMA_READY;
    drive.tf.status = ATA_DRDY | ATA_DSC | ATA_DRQ;
    ch.tryStartDma();
  } else if (ch.replyLength > 0) {
    sendNextDrqBlock(ch, drive);
  } else {
    fetchBlocks(ch);
  }
}

// ---- PIO data-in

function sendNextDrqBlock(ch: Channel, drive: Drive): void {
  const left = ch.replyLength - ch.replyPos;
  let limit = ch.byteCountLimit;
  if (limit == 0 || limit > MAX_BYTE_COUNT) limit = MAX_BYTE_COUNT;
  // A block that is not the last of the transfer must be of even length (9.10).
  let n = left;
  if (n > limit) n = limit & ~<u32>1;
  ch.openPioIn(drive, ch.replyPos, n, STEP_ATAPI_DRQ);
  ch.replyPos += n;
  drive.tf.lbaMid = n & 0xff;
  drive.tf.lbaHigh = n >> 8;
  setInterruptReason(drive, ATAPI_IR_IO);
  ch.raiseInterrupt(drive);
}

export function atapiDrqDrained(ch: Channel): void {
  const drive = ch.active;
  ch.window.close();
  if (ch.replyPos < ch.replyLength) sendNextDrqBlock(ch, drive);
  else if (ch.remaining > 0) fetchBlocks(ch);
  else atapiGood(ch, drive);
}

/** Reads the next chunk of CD blocks into the channel buffer for PIO. */
function fetchBlocks(ch: Channel): void {
  const n = ch.remaining < CHANNEL_BUFFER_CD_BLOCKS ? ch.remaining : CHANNEL_BUFFER_CD_BLOCKS;
  ch.inFlight = n;
  ch.sgForBuffer(n * CD_BLOCK_SIZE);
  ch.submit(BLOCK_READ, ch.lba * SECTORS_PER_CD_BLOCK, STEP_ATAPI_FETCH);
}

export function atapiFetched(ch: Channel, status: i32): void {
  const drive = ch.active;
  if (status != STATUS_OK) {
    ioFailed(ch, drive, status);
    return;
  }
  ch.lba += ch.inFlight;
  ch.remaining -= ch.inFlight;
  ch.replyLength = ch.inFlight * CD_BLOCK_SIZE;
  ch.replyPos = 0;
  sendNextDrqBlock(ch, drive);
}

// ---- DMA data-in

export function atapiDmaStart(ch: Channel): void {
  const drive = ch.active;
  const reading = ch.remaining > 0;
  const bytes = reading ? <u64>ch.remaining * CD_BLOCK_SIZE : <u64>ch.replyLength;
  walkPrdTable(ch.bm.prdTable, bytes, ch.sg, ch.prd);
  const result = ch.prd.outcome;
  if (result == PRD_SHORT) {
    // As for ATA (ata-sectors.ts): no transfer, engine stopped, no interrupt.
    ch.bm.status &= ~BM_ST_ACTIVE;
    ch.step = STEP_IDLE;
    drive.tf.status = ATA_DRDY | ATA_DSC;
    return;
  }
  if (result != PRD_COVERED) {
    dmaFailed(ch, drive);
    return;
  }
  ch.dmaRegionsLeft = ch.prd.regionsLeft;
  if (reading) {
    ch.submit(BLOCK_READ, ch.lba * SECTORS_PER_CD_BLOCK, STEP_ATAPI_DMA_IO);
    drive.tf.status = ATA_DRDY | ATA_DSC | ATA_DRQ;
    return;
  }
  // A reply built in the core is small: copy it into the PRD regions.
  let offset: u32 = 0;
  for (let i: u32 = 0; i < ch.sg.count; i++) {
    const len = ch.sg.entryLen(i);
    if (dma_write(ch.sg.entryAddr(i), ch.buffer + offset, len) != DMA_OK) {
      dmaFailed(ch, drive);
      return;
    }
    offset += len;
  }
  dmaFinished(ch, drive);
}

export function atapiDmaDone(ch: Channel, status: i32): void {
  const drive = ch.active;
  if (status == STATUS_EFAULT) {
    dmaFailed(ch, drive);
    return;
  }
  if (status != STATUS_OK) {
    ch.bm.status &= ~BM_ST_ACTIVE;
    ioFailed(ch, drive, status);
    return;
  }
  ch.lba += ch.remaining;
  ch.remaining = 0;
  dmaFinished(ch, drive);
}

function dmaFinished(ch: Channel, drive: Drive): void {
  if (!ch.dmaRegionsLeft) ch.bm.status &= ~BM_ST_ACTIVE;
  atapiGood(ch, drive);
}

/** The bus master could not reach guest memory (PRD table or data): its error bit, and the
 *  command ends as aborted. */
function dmaFailed(ch: Channel, drive: Drive): void {
  ch.bm.status = (ch.bm.status | BM_ST_ERROR) & ~BM_ST_ACTIVE;
  drive.setSense(SENSE_ABORTED_COMMAND, ASC_NONE, 0);
  atapiCheckCondition(ch, drive);
}

function ioFailed(ch: Channel, drive: Drive, status: i32): void {
  if (status == STATUS_EIO) drive.setSense(SENSE_MEDIUM_ERROR, ASC_UNRECOVERED_READ_ERROR, 0);
  else if (status == STATUS_EINVAL) drive.setSense(SENSE_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE, 0);
  else drive.setSense(SENSE_ABORTED_COMMAND, ASC_NONE, 0);
  atapiCheckCondition(ch, drive);
}

// ---- completion

function atapiGood(ch: Channel, drive: Drive): void {
  setInterruptReason(drive, ATAPI_IR_COD | ATAPI_IR_IO);
  ch.finishCommand(drive);
}

function atapiCheckCondition(ch: Channel, drive: Drive): void {
  setInterruptReason(drive, ATAPI_IR_COD | ATAPI_IR_IO);
  ch.window.close();
  ch.step = STEP_IDLE;
  drive.tf.error = drive.senseKey << 4;
  drive.tf.status = ATA_DRDY | ATA_ERR;
  ch.raiseInterrupt(drive);
}

/** DEVICE RESET (8.10): abandons whatever the device was doing, even mid-transfer, and
 *  leaves the signature with BSY and DRDY clear (once an abandoned request has come back,
 *  see Channel.completeReset). No interrupt. */
export function atapiDeviceReset(ch: Channel, drive: Drive): void {
  ch.abandonCommand();
  ch.completeReset(deviceMask(drive));
}
