// Executes one ATA command by its protocol (ATA/ATAPI-6 section 9: non-data, PIO data-in,
// PIO data-out, DMA), interrupt driven, in the order libata's SFF/BMDMA host state machine
// uses. The caller holds the channel lock; this module does not retry or reset (the error
// handler decides that from the AtaError it gets).

import { AtaError, type AtaFailureKind } from './ata-error.js';
import { PRD_TABLE_CAPACITY, type AtaChannel, type PioWidth } from './ata-channel.js';
import { Deadline } from './deadline.js';
import type { GuestBuffer } from './guest-buffer.js';
import { PrdTable } from './prd-table.js';
import { execCommand, loadTaskfile, type Taskfile } from './ata-taskfile.js';
import {
  ATA_REG_ERROR,
  ATA_SECTOR_BYTES,
  ATA_ST_BSY,
  ATA_ST_DF,
  ATA_ST_DRQ,
  ATA_ST_ERR,
  BM_ST_ERROR,
  BM_ST_INTR,
} from './ata-regs.js';

export type AtaProtocol = 'non-data' | 'pio-in' | 'pio-out' | 'dma-in' | 'dma-out';

export interface AtaCommand {
  unit: 0 | 1;
  tf: Taskfile;
  protocol: AtaProtocol;
  /** Data buffer (PIO and DMA). */
  buffer?: GuestBuffer;
  /** Bytes to move; defaults to the buffer's length. */
  bytes?: number;
  /** PIO: bytes per DRQ block (512, or the multiple count * 512 for READ/WRITE MULTIPLE). */
  drqBlockBytes?: number;
  pioWidth?: PioWidth;
  /** DMA: a ready-made PRD table (tests of malformed tables); built from `buffer` otherwise. */
  prd?: PrdTable;
  timeoutMs?: number;
}

export interface AtaResult {
  status: number;
  error: number;
  bmStatus: number | null;
}

const DEVICE_FAULT_BITS = ATA_ST_ERR | ATA_ST_DF;

export async function runAtaCommand(ch: AtaChannel, cmd: AtaCommand): Promise<AtaResult> {
  const deadline = new Deadline(cmd.timeoutMs ?? ch.timeouts.commandMs);
  const command = cmd.tf.command;

  // ata_dev_select with wait: the device must be idle before its taskfile is loaded.
  await ch.selectDevice(cmd.unit);
  const idle = await ch.waitNotBusy(deadline);
  if (!idle.ok) throw await failure(ch, 'timeout', command, 'device stayed busy before the command');

  switch (cmd.protocol) {
    case 'non-data':
      return runNonData(ch, cmd, deadline);
    case 'pio-in':
      return runPioIn(ch, cmd, deadline);
    case 'pio-out':
      return runPioOut(ch, cmd, deadline);
    case 'dma-in':
    case 'dma-out':
      return runDma(ch, cmd, deadline);
  }
}

async function runNonData(ch: AtaChannel, cmd: AtaCommand, deadline: Deadline): Promise<AtaResult> {
  await loadTaskfile(ch, cmd.tf);
  await execCommand(ch, cmd.tf.command);
  await waitDeviceInterrupt(ch, deadline, cmd.tf.command);
  const status = await ch.acknowledgeInterrupt();
  return finish(ch, cmd.tf.command, status, null);
}

async function runPioIn(ch: AtaChannel, cmd: AtaCommand, deadline: Deadline): Promise<AtaResult> {
  const { buffer, total, block, width } = pioParams(cmd);
  await loadTaskfile(ch, cmd.tf);
  await execCommand(ch, cmd.tf.command);
  for (let done = 0; done < total; ) {
    // One interrupt per DRQ block; reading Status acknowledges it.
    await waitDeviceInterrupt(ch, deadline, cmd.tf.command);
    const status = await ch.acknowledgeInterrupt();
    if (status & DEVICE_FAULT_BITS) return finish(ch, cmd.tf.command, status, null);
    if (!(status & ATA_ST_DRQ)) {
      throw await failure(ch, 'protocol', cmd.tf.command, `no DRQ after ${done} of ${total} bytes`, status);
    }
    const n = Math.min(block, total - done);
    await ch.pioIn(buffer, done, n, width);
    done += n;
  }
  // After the last block the device raises no further interrupt; it only drops DRQ.
  const settled = await ch.waitNotBusy(deadline);
  if (!settled.ok) throw await failure(ch, 'timeout', cmd.tf.command, 'busy after the last data block');
  const status = await ch.status();
  if (status & ATA_ST_DRQ && !(status & DEVICE_FAULT_BITS)) {
    throw await failure(ch, 'protocol', cmd.tf.command, 'device still offers data after the transfer', status);
  }
  return finish(ch, cmd.tf.command, status, null);
}

async function runPioOut(ch: AtaChannel, cmd: AtaCommand, deadline: Deadline): Promise<AtaResult> {
  const { buffer, total, block, width } = pioParams(cmd);
  await loadTaskfile(ch, cmd.tf);
  await execCommand(ch, cmd.tf.command);
  // The first block is requested without an interrupt: poll for DRQ (HSM_ST_FIRST).
  const first = await ch.pollStatus(deadline, (s) => (s & (ATA_ST_DRQ | DEVICE_FAULT_BITS)) !== 0);
  if (!first.ok) throw await failure(ch, 'timeout', cmd.tf.command, 'no DRQ for the first block');
  if (first.value & DEVICE_FAULT_BITS) return finish(ch, cmd.tf.command, await ch.acknowledgeInterrupt(), null);
  let done = 0;
  for (;;) {
    const n = Math.min(block, total - done);
    await ch.pioOut(buffer, done, n, width);
    done += n;
    // Each written block ends with an interrupt: the next DRQ, or completion.
    await waitDeviceInterrupt(ch, deadline, cmd.tf.command);
    const status = await ch.acknowledgeInterrupt();
    if (status & DEVICE_FAULT_BITS) return finish(ch, cmd.tf.command, status, null);
    if (done >= total) {
      if (status & ATA_ST_DRQ) {
        throw await failure(ch, 'protocol', cmd.tf.command, 'device wants more data than the command moves', status);
      }
      return finish(ch, cmd.tf.command, status, null);
    }
    if (!(status & ATA_ST_DRQ)) {
      throw await failure(ch, 'protocol', cmd.tf.command, `no DRQ after ${done} of ${total} bytes`, status);
    }
  }
}

async function runDma(ch: AtaChannel, cmd: AtaCommand, deadline: Deadline): Promise<AtaResult> {
  const bm = ch.bm;
  if (!bm) throw new Error(`channel ${ch.index} has no bus-master engine`);
  let prd = cmd.prd;
  if (!prd) {
    if (!cmd.buffer) throw new Error('a DMA command needs a buffer or a PRD table');
    const bytes = cmd.bytes ?? cmd.buffer.length;
    prd = PrdTable.build(ch.bus.ram, cmd.buffer.runs(0, bytes), ch.prdArea, PRD_TABLE_CAPACITY);
  }
  await bm.setup(prd.addr, cmd.protocol === 'dma-in');
  await loadTaskfile(ch, cmd.tf);
  await execCommand(ch, cmd.tf.command);
  await bm.start();

  // The bus-master Interrupt bit tells whether the (possibly shared) line is this channel's.
  const fired = await ch.waitForInterrupt(deadline, async () => ((await bm.status()) & BM_ST_INTR) !== 0);
  const bmStatus = await bm.status();
  await bm.stop();
  const status = await ch.status();
  await bm.clearStatus();
  if (!fired) throw await failure(ch, 'timeout', cmd.tf.command, 'no DMA completion interrupt', status, bmStatus);
  if (bmStatus & BM_ST_ERROR) throw await failure(ch, 'host-bus', cmd.tf.command, 'bus-master error', status, bmStatus);
  return finish(ch, cmd.tf.command, status, bmStatus);
}

function pioParams(cmd: AtaCommand): { buffer: GuestBuffer; total: number; block: number; width: PioWidth } {
  if (!cmd.buffer) throw new Error('a PIO data command needs a buffer');
  return {
    buffer: cmd.buffer,
    total: cmd.bytes ?? cmd.buffer.length,
    block: cmd.drqBlockBytes ?? ATA_SECTOR_BYTES,
    width: cmd.pioWidth ?? 2,
  };
}

async function waitDeviceInterrupt(ch: AtaChannel, deadline: Deadline, command: number): Promise<void> {
  const fired = await ch.waitForInterrupt(deadline, async () => ((await ch.altStatus()) & ATA_ST_BSY) === 0);
  if (!fired) throw await failure(ch, 'timeout', command, 'no completion interrupt');
}

/** Completion check: ERR/DF make a device error, BSY/DRQ left set an HSM violation. */
async function finish(ch: AtaChannel, command: number, status: number, bmStatus: number | null): Promise<AtaResult> {
  if (status & DEVICE_FAULT_BITS) {
    const error = await ch.read(ATA_REG_ERROR);
    throw new AtaError({ kind: 'device', command, status, error, bmStatus });
  }
  if (status & (ATA_ST_BSY | ATA_ST_DRQ)) {
    throw await failure(ch, 'protocol', command, 'BSY or DRQ still set at completion', status, bmStatus);
  }
  return { status, error: 0, bmStatus };
}

export async function failure(
  ch: AtaChannel,
  kind: AtaFailureKind,
  command: number,
  detail: string,
  status?: number,
  bmStatus?: number | null,
): Promise<AtaError> {
  const st = status ?? (await ch.altStatus());
  const error = await ch.read(ATA_REG_ERROR);
  return new AtaError({ kind, command, status: st, error, bmStatus: bmStatus ?? null, detail });
}
