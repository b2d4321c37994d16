// The ATA command set: which opcodes a device accepts and what the non-data ones do
// (ATA/ATAPI-6 chapter 8). Sector transfers are in ata-sectors.ts, the PACKET protocol in
// atapi-packet.ts. Anything not listed here is aborted (ERR, ABRT), as a drive does with a
// command it does not implement.

import { LOG_DEBUG } from '../common/abi';
import { logHex } from '../common/core-log';
import {
  ATA_DIAG_PASSED, ATA_DRDY, ATA_DSC, ATA_ERR_ABRT, ATA_ERR_IDNF, CMD_CHECK_POWER_MODE, CMD_CHECK_POWER_MODE_OLD,
  CMD_DEVICE_RESET, CMD_EXECUTE_DIAGNOSTIC, CMD_FLUSH_CACHE, CMD_FLUSH_CACHE_EXT, CMD_IDENTIFY,
  CMD_IDENTIFY_PACKET, CMD_IDLE, CMD_IDLE_IMMEDIATE, CMD_IDLE_IMMEDIATE_OLD, CMD_IDLE_OLD,
  CMD_INITIALIZE_PARAMETERS, CMD_PACKET, CMD_READ_DMA, CMD_READ_DMA_EXT, CMD_READ_DMA_NORETRY,
  CMD_READ_MULTIPLE, CMD_READ_MULTIPLE_EXT, CMD_READ_NATIVE_MAX, CMD_READ_NATIVE_MAX_EXT, CMD_READ_SECTORS,
  CMD_READ_SECTORS_EXT, CMD_READ_SECTORS_NORETRY, CMD_READ_VERIFY, CMD_READ_VERIFY_EXT, CMD_READ_VERIFY_NORETRY,
  CMD_SET_FEATURES, CMD_SET_MULTIPLE, CMD_STANDBY, CMD_STANDBY_IMMEDIATE, CMD_STANDBY_IMMEDIATE_OLD,
  CMD_STANDBY_OLD, CMD_WRITE_DMA, CMD_WRITE_DMA_EXT, CMD_WRITE_DMA_NORETRY, CMD_WRITE_MULTIPLE,
  CMD_WRITE_MULTIPLE_EXT, CMD_WRITE_SECTORS, CMD_WRITE_SECTORS_EXT, CMD_WRITE_SECTORS_NORETRY,
  FEATURE_DISABLE_WRITE_CACHE, FEATURE_ENABLE_WRITE_CACHE, FEATURE_SET_TRANSFER_MODE, LBA28_LIMIT,
  MAX_MULTIPLE_SECTORS,
} from './ata-defs';
import { XFER_DMA, XFER_PIO, XFER_PIO_MULTIPLE, commandLba, sectorRangeOk, startFlush, startSectorTransfer } from './ata-sectors';
import { atapiDeviceReset, atapiStartPacket } from './atapi-packet';
import { Channel } from './channel';
import { STEP_PIO_IN_LAST } from './channel-steps';
import { Drive } from './drive';
import { IDENTIFY_SIZE, buildAtaIdentify, buildAtapiIdentify } from './identify';

/** Runs `opcode` on `drive`, which is selected, present and idle. */
export function executeCommand(ch: Channel, drive: Drive, opcode: u32): void {
  if (drive.isAtapi) executePacketDeviceCommand(ch, drive, opcode);
  else executeDiskCommand(ch, drive, opcode);
}

function executeDiskCommand(ch: Channel, drive: Drive, opcode: u32): void {
  switch (opcode) {
    case CMD_READ_SECTORS: case CMD_READ_SECTORS_NORETRY:
      startSectorTransfer(ch, drive, XFER_PIO, false, false); return;
    case CMD_READ_SECTORS_EXT:
      startSectorTransfer(ch, drive, XFER_PIO, true, false); return;
    case CMD_READ_MULTIPLE:
      startSectorTransfer(ch, drive, XFER_PIO_MULTIPLE, false, false); return;
    case CMD_READ_MULTIPLE_EXT:
      startSectorTransfer(ch, drive, XFER_PIO_MULTIPLE, true, false); return;
    case CMD_READ_DMA: case CMD_READ_DMA_NORETRY:
      startSectorTransfer(ch, drive, XFER_DMA, false, false); return;
    case CMD_READ_DMA_EXT:
      startSectorTransfer(ch, drive, XFER_DMA, true, false); return;
    case CMD_WRITE_SECTORS: case CMD_WRITE_SECTORS_NORETRY:
      startSectorTransfer(ch, drive, XFER_PIO, false, true); return;
    case CMD_WRITE_SECTORS_EXT:
      startSectorTransfer(ch, drive, XFER_PIO, true, true); return;
    case CMD_WRITE_MULTIPLE:
      startSectorTransfer(ch, drive, XFER_PIO_MULTIPLE, false, true); return;
    case CMD_WRITE_MULTIPLE_EXT:
      startSectorTransfer(ch, drive, XFER_PIO_MULTIPLE, true, true); return;
    case CMD_WRITE_DMA: case CMD_WRITE_DMA_NORETRY:
      startSectorTransfer(ch, drive, XFER_DMA, false, true); return;
    case CMD_WRITE_DMA_EXT:
      startSectorTransfer(ch, drive, XFER_DMA, true, true); return;
    case CMD_READ_VERIFY: case CMD_READ_VERIFY_NORETRY:
      readVerify(ch, drive, false); return;
    case CMD_READ_VERIFY_EXT:
      readVerify(ch, drive, true); return;
    case CMD_FLUSH_CACHE: case CMD_FLUSH_CACHE_EXT:
      startFlush(ch); return;
    case CMD_IDENTIFY:
      buildAtaIdentify(ch.buffer, drive);
      sendIdentify(ch, drive); return;
    case CMD_SET_FEATURES:
      setFeatures(ch, drive); return;
    case CMD_SET_MULTIPLE:
      setMultipleMode(ch, drive); return;
    case CMD_INITIALIZE_PARAMETERS:
      initializeDeviceParameters(ch, drive); return;
    case CMD_READ_NATIVE_MAX:
      readNativeMax(ch, drive, false); return;
    case CMD_READ_NATIVE_MAX_EXT:
      readNativeMax(ch, drive, true); return;
    case CMD_EXECUTE_DIAGNOSTIC:
      executeDiagnostic(ch, drive); return;
    case CMD_CHECK_POWER_MODE: case CMD_CHECK_POWER_MODE_OLD:
      checkPowerMode(ch, drive); return;
    case CMD_STANDBY_IMMEDIATE: case CMD_STANDBY: case CMD_STANDBY_IMMEDIATE_OLD: case CMD_STANDBY_OLD:
      drive.standby = true;
      ch.finishCommand(drive); return;
    case CMD_IDLE_IMMEDIATE: case CMD_IDLE: case CMD_IDLE_IMMEDIATE_OLD: case CMD_IDLE_OLD:
      drive.standby = false;
      ch.finishCommand(drive); return;
    default:
      abortUnsupported(ch, drive, opcode);
  }
}

/** The ATA commands a PACKET device accepts (ATA/ATAPI-6 table 17, "P" column). */
function executePacketDeviceCommand(ch: Channel, drive: Drive, opcode: u32): void {
  switch (opcode) {
    case CMD_PACKET:
      atapiStartPacket(ch, drive); return;
    case CMD_IDENTIFY_PACKET:
      buildAtapiIdentify(ch.buffer, drive);
      sendIdentify(ch, drive); return;
    case CMD_DEVICE_RESET:
      atapiDeviceReset(ch, drive); return;
    case CMD_EXECUTE_DIAGNOSTIC:
      executeDiagnostic(ch, drive); return;
    case CMD_SET_FEATURES:
      setFeatures(ch, drive); return;
    case CMD_CHECK_POWER_MODE: case CMD_CHECK_POWER_MODE_OLD:
      checkPowerMode(ch, drive); return;
    case CMD_STANDBY_IMMEDIATE: case CMD_STANDBY_IMMEDIATE_OLD:
      drive.standby = true;
      ch.finishCommand(drive); return;
    case CMD_IDLE_IMMEDIATE: case CMD_IDLE_IMMEDIATE_OLD:
      drive.standby = false;
      ch.finishCommand(drive); return;
    case CMD_FLUSH_CACHE:
      // Nothing is ever cached for writing on a CD-ROM.
      ch.finishCommand(drive); return;
    case CMD_IDENTIFY:
    case CMD_READ_SECTORS: case CMD_READ_SECTORS_NORETRY: case CMD_READ_SECTORS_EXT:
      // A packet device aborts these and leaves its signature, so that a host probing with
      // IDENTIFY DEVICE learns what it is talking to (8.15.6, 8.27.6).
      drive.setSignature();
      ch.failCommand(drive, ATA_ERR_ABRT); return;
    default:
      abortUnsupported(ch, drive, opcode);
  }
}

function abortUnsupported(ch: Channel, drive: Drive, opcode: u32): void {
  logHex(LOG_DEBUG, "ide: aborting unsupported ATA command", opcode);
  ch.failCommand(drive, ATA_ERR_ABRT);
}

function sendIdentify(ch: Channel, drive: Drive): void {
  ch.openPioIn(drive, 0, IDENTIFY_SIZE, STEP_PIO_IN_LAST);
  ch.raiseInterrupt(drive);
}

function readVerify(ch: Channel, drive: Drive, lba48: bool): void {
  const count = lba48 ? drive.tf.count48() : drive.tf.count28();
  if (!sectorRangeOk(drive, commandLba(drive, lba48), count)) {
    ch.failCommand(drive, ATA_ERR_IDNF);
    return;
  }
  drive.standby = false;
  ch.finishCommand(drive);
}

/** SET FEATURES (8.37). */
function setFeatures(ch: Channel, drive: Drive): void {
  switch (drive.tf.feature) {
    case FEATURE_ENABLE_WRITE_CACHE:
      drive.writeCacheEnabled = true;
      ch.finishCommand(drive); return;
    case FEATURE_DISABLE_WRITE_CACHE:
      drive.writeCacheEnabled = false;
      // What the cache held must reach the medium before the command completes.
      if (drive.isAta) startFlush(ch);
      else ch.finishCommand(drive);
      return;
    case FEATURE_SET_TRANSFER_MODE:
      if (setTransferMode(drive, drive.tf.count)) ch.finishCommand(drive);
      else ch.failCommand(drive, ATA_ERR_ABRT);
      return;
    case 0x55: case 0xaa: // read look-ahead off/on
    case 0x66: case 0xcc: // reverting to power-on defaults off/on
      ch.finishCommand(drive); return;
    default:
      ch.failCommand(drive, ATA_ERR_ABRT);
  }
}

/** SET FEATURES 03h: the count register is the mode (8.37.10, table 40). Supported are
 *  what IDENTIFY advertises: PIO 0-4 and multiword DMA 0-2 (PIIX3 has no Ultra DMA). */
function setTransferMode(drive: Drive, value: u32): bool {
  const mode = value & 7;
  switch (value >> 3) {
    case 0: // PIO default (1: with IORDY disabled)
      if (mode > 1) return false;
      drive.pioMode = 0;
      return true;
    case 1: // PIO flow control mode
      if (mode > 4) return false;
      drive.pioMode = mode;
      return true;
    case 4: // multiword DMA
      if (mode > 2) return false;
      drive.mwdmaMode = <i32>mode;
      return true;
    default:
      return false;
  }
}

/** SET MULTIPLE MODE (8.39): a power of two up to the advertised maximum; 0 disables. */
function setMultipleMode(ch: Channel, drive: Drive): void {
  const n = drive.tf.count;
  if (n > MAX_MULTIPLE_SECTORS || (n & (n - 1)) != 0) {
    ch.failCommand(drive, ATA_ERR_ABRT);
    return;
  }
  drive.multipleCount = n;
  ch.finishCommand(drive);
}

/** INITIALIZE DEVICE PARAMETERS (8.17): the CHS translation for commands with LBA=0. */
function initializeDeviceParameters(ch: Channel, drive: Drive): void {
  const sectorsPerTrack = drive.tf.count;
  if (sectorsPerTrack == 0) {
    ch.failCommand(drive, ATA_ERR_ABRT);
    return;
  }
  drive.sectorsPerTrack = sectorsPerTrack;
  drive.heads = (drive.tf.device & 0x0f) + 1;
  ch.finishCommand(drive);
}

/** READ NATIVE MAX ADDRESS (EXT) (8.32, 8.33): the highest LBA, in the LBA registers. */
function readNativeMax(ch: Channel, drive: Drive, lba48: bool): void {
  const sectors = drive.sectors;
  if (sectors == 0) {
    ch.failCommand(drive, ATA_ERR_ABRT);
    return;
  }
  if (lba48) {
    drive.tf.setLba48(sectors - 1);
  } else {
    drive.tf.setLba28((sectors < LBA28_LIMIT ? sectors : LBA28_LIMIT) - 1);
  }
  ch.finishCommand(drive);
}

/** CHECK POWER MODE (8.6): FFh active/idle, 00h standby, in the count register. */
function checkPowerMode(ch: Channel, drive: Drive): void {
  drive.tf.count = drive.standby ? 0x00 : 0xff;
  ch.finishCommand(drive);
}

/** EXECUTE DEVICE DIAGNOSTIC (8.11): both devices report their signature and the
 *  diagnostic code; device 0 signals completion. */
function executeDiagnostic(ch: Channel, drive: Drive): void {
  reportDiagnostic(ch.drive0);
  reportDiagnostic(ch.drive1);
  ch.raiseInterrupt(drive);
}

function reportDiagnostic(d: Drive): void {
  if (!d.present) return;
  d.setSignature();
  d.tf.error = ATA_DIAG_PASSED;
  d.tf.status = d.isAta ? ATA_DRDY | ATA_DSC : 0;
}
