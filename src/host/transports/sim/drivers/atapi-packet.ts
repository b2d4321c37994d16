// The ATAPI PACKET protocol (ATA/ATAPI-6 9.8-9.10): issue PACKET with the byte count limit
// (PIO) or the DMA bit, wait for DRQ with interrupt reason "command out", write the 12-byte
// command packet, then either let bus-master DMA run or move data one DRQ block at a time,
// each block's size given by the device in the byte count registers. A CHECK CONDITION
// (ERR at completion) is followed by REQUEST SENSE, as libata's EH does for ATAPI.
// The caller holds the channel lock.

import { AtaError } from './ata-error.js';
import { PRD_TABLE_CAPACITY, type AtaChannel } from './ata-channel.js';
import { failure } from './ata-command.js';
import { Deadline } from './deadline.js';
import { GuestBuffer } from './guest-buffer.js';
import { PrdTable } from './prd-table.js';
import { deviceBits, execCommand, loadTaskfile } from './ata-taskfile.js';
import { parseSense, type SenseData } from './scsi-sense.js';
import { ATAPI_CDB_BYTES, requestSense } from './scsi-cdb.js';
import {
  ATA_CMD_PACKET,
  ATA_REG_ERROR,
  ATA_REG_LBAH,
  ATA_REG_LBAM,
  ATA_REG_NSECT,
  ATA_ST_BSY,
  ATA_ST_DF,
  ATA_ST_DRQ,
  ATA_ST_ERR,
  ATAPI_FEAT_DMA,
  ATAPI_IREASON_COD,
  ATAPI_IREASON_IO,
  BM_ST_ERROR,
  BM_ST_INTR,
} from './ata-regs.js';

export type PacketDirection = 'in' | 'out' | 'none';

export interface PacketCommand {
  unit: 0 | 1;
  cdb: Uint8Array;
  direction: PacketDirection;
  buffer?: GuestBuffer;
  /** Bytes the host expects to move (the CDB's allocation/transfer length in bytes). */
  bytes?: number;
  dma?: boolean;
  /** PIO: most bytes per DRQ block the host accepts (Byte Count registers); even. */
  byteCountLimit?: number;
  /** The device interrupts when it wants the packet (IDENTIFY PACKET word 0 bits 6:5 = 01b). */
  cdbInterrupt?: boolean;
  timeoutMs?: number;
  /** Fetch sense data on CHECK CONDITION (off for REQUEST SENSE itself). */
  autoSense?: boolean;
}

export interface PacketResult {
  status: number;
  /** Bytes actually moved to/from the buffer (PIO: counted; DMA: the requested length). */
  transferred: number;
  bmStatus: number | null;
}

const DEFAULT_BYTE_COUNT_LIMIT = 0xfffe;
const SENSE_BYTES = 18;
/** DRQ blocks a single PIO command may take before the driver calls it a runaway device. */
const MAX_DRQ_BLOCKS = 0x10000;

export async function runPacketCommand(ch: AtaChannel, cmd: PacketCommand): Promise<PacketResult> {
  const deadline = new Deadline(cmd.timeoutMs ?? ch.timeouts.commandMs);
  const expected = cmd.bytes ?? cmd.buffer?.length ?? 0;
  const dma = (cmd.dma ?? false) && cmd.direction !== 'none' && expected > 0;
  if (cmd.cdb.length > ATAPI_CDB_BYTES) throw new RangeError('ATAPI packets here are 12 bytes');

  await ch.selectDevice(cmd.unit);
  const idle = await ch.waitNotBusy(deadline);
  if (!idle.ok) throw await failure(ch, 'timeout', ATA_CMD_PACKET, 'device busy before PACKET');

  let limit = Math.min(cmd.byteCountLimit ?? DEFAULT_BYTE_COUNT_LIMIT, DEFAULT_BYTE_COUNT_LIMIT) & ~1;
  if (limit === 0) limit = 2;
  if (dma) {
    if (!ch.bm) throw new Error(`channel ${ch.index} has no bus-master engine`);
    if (!cmd.buffer) throw new Error('a DMA packet command needs a buffer');
    const prd = PrdTable.build(ch.bus.ram, cmd.buffer.runs(0, expected), ch.prdArea, PRD_TABLE_CAPACITY);
    await ch.bm.setup(prd.addr, cmd.direction === 'in');
  }
  await loadTaskfile(ch, {
    command: ATA_CMD_PACKET,
    feature: dma ? ATAPI_FEAT_DMA : 0,
    nsect: 0,
    lbal: 0,
    lbam: limit & 0xff,
    lbah: (limit >>> 8) & 0xff,
    device: deviceBits(cmd.unit),
  });
  await execCommand(ch, ATA_CMD_PACKET);

  // HSM_ST_FIRST: wait for the device to ask for the packet.
  let status: number;
  if (cmd.cdbInterrupt) {
    await waitDevice(ch, deadline);
    status = await ch.acknowledgeInterrupt();
  } else {
    const r = await ch.pollStatus(deadline, (s) => (s & (ATA_ST_DRQ | ATA_ST_ERR)) !== 0);
    if (!r.ok) throw await failure(ch, 'timeout', ATA_CMD_PACKET, 'no DRQ for the command packet');
    status = r.value;
  }
  if (status & (ATA_ST_ERR | ATA_ST_DF)) return checkCondition(ch, cmd, await ch.acknowledgeInterrupt());
  const ireason = await ch.read(ATA_REG_NSECT);
  if ((ireason & (ATAPI_IREASON_COD | ATAPI_IREASON_IO)) !== ATAPI_IREASON_COD) {
    throw await failure(ch, 'protocol', ATA_CMD_PACKET, `interrupt reason ${ireason} when the packet was due`, status);
  }
  const packet = new Uint8Array(ATAPI_CDB_BYTES);
  packet.set(cmd.cdb);
  ch.bus.ram.write(ch.cdbBuffer, packet);
  await ch.pioOut(new GuestBuffer(ch.bus.ram, [{ addr: ch.cdbBuffer, len: ATAPI_CDB_BYTES }]), 0, ATAPI_CDB_BYTES, 2);

  return dma ? finishDma(ch, cmd, deadline, expected) : pioPhase(ch, cmd, deadline, expected);
}

async function finishDma(ch: AtaChannel, cmd: PacketCommand, deadline: Deadline, expected: number): Promise<PacketResult> {
  const bm = ch.bm!;
  await bm.start(); // libata starts the engine after the packet went out
  const fired = await ch.waitForInterrupt(deadline, async () => ((await bm.status()) & BM_ST_INTR) !== 0);
  const bmStatus = await bm.status();
  await bm.stop();
  const status = await ch.status();
  await bm.clearStatus();
  if (!fired) throw await failure(ch, 'timeout', ATA_CMD_PACKET, 'no DMA completion interrupt', status, bmStatus);
  if (bmStatus & BM_ST_ERROR) throw await failure(ch, 'host-bus', ATA_CMD_PACKET, 'bus-master error', status, bmStatus);
  if (status & (ATA_ST_ERR | ATA_ST_DF)) return checkCondition(ch, cmd, status, bmStatus);
  if (status & (ATA_ST_BSY | ATA_ST_DRQ)) {
    throw await failure(ch, 'protocol', ATA_CMD_PACKET, 'BSY or DRQ left set after DMA', status, bmStatus);
  }
  return { status, transferred: expected, bmStatus };
}

async function pioPhase(ch: AtaChannel, cmd: PacketCommand, deadline: Deadline, expected: number): Promise<PacketResult> {
  let transferred = 0;
  for (let blocks = 0; blocks <= MAX_DRQ_BLOCKS; blocks++) {
    await waitDevice(ch, deadline);
    const status = await ch.acknowledgeInterrupt();
    if (!(status & ATA_ST_DRQ)) {
      // Completion: the device reports status with interrupt reason CoD=1, IO=1.
      if (status & (ATA_ST_ERR | ATA_ST_DF)) return checkCondition(ch, cmd, status);
      return { status, transferred, bmStatus: null };
    }
    const ireason = await ch.read(ATA_REG_NSECT);
    const toHost = (ireason & ATAPI_IREASON_IO) !== 0;
    if (ireason & ATAPI_IREASON_COD || toHost !== (cmd.direction === 'in') || cmd.direction === 'none') {
      throw await failure(ch, 'protocol', ATA_CMD_PACKET, `unexpected interrupt reason ${ireason} in the data phase`, status);
    }
    const byteCount = (await ch.read(ATA_REG_LBAM)) | ((await ch.read(ATA_REG_LBAH)) << 8);
    if (byteCount === 0) throw await failure(ch, 'protocol', ATA_CMD_PACKET, 'DRQ with a zero byte count', status);
    const take = Math.min(byteCount, expected - transferred);
    if (take > 0) {
      if (toHost) await ch.pioIn(cmd.buffer!, transferred, take, 2);
      else await ch.pioOut(cmd.buffer!, transferred, take, 2);
      transferred += take;
    }
    // The device offers (or wants) more than the host's buffer: move the rest of the block
    // to/from nowhere, in whole words, as libata's atapi_pio_bytes does with trailing data.
    const extraBytes = 2 * Math.ceil(byteCount / 2) - 2 * Math.ceil(take / 2);
    if (extraBytes > 0) {
      if (toHost) await ch.drain(extraBytes, 2);
      else await ch.padOut(extraBytes);
    }
  }
  throw await failure(ch, 'protocol', ATA_CMD_PACKET, 'device keeps asserting DRQ');
}

async function waitDevice(ch: AtaChannel, deadline: Deadline): Promise<void> {
  const fired = await ch.waitForInterrupt(deadline, async () => ((await ch.altStatus()) & ATA_ST_BSY) === 0);
  if (!fired) throw await failure(ch, 'timeout', ATA_CMD_PACKET, 'no interrupt from the packet device');
}

/** ERR at completion: the Error register's high nibble is the sense key; fetch full sense. */
async function checkCondition(ch: AtaChannel, cmd: PacketCommand, status: number, bmStatus: number | null = null): Promise<never> {
  const error = await ch.read(ATA_REG_ERROR);
  let sense: SenseData | null = null;
  if (cmd.autoSense !== false) sense = await fetchSense(ch, cmd.unit, cmd.timeoutMs);
  throw new AtaError({ kind: 'check-condition', command: ATA_CMD_PACKET, status, error, bmStatus, sense, detail: `cdb ${cmd.cdb[0]!.toString(16)}h` });
}

/** REQUEST SENSE by PIO into the channel's small buffer. */
export async function fetchSense(ch: AtaChannel, unit: 0 | 1, timeoutMs?: number): Promise<SenseData | null> {
  const buf = new GuestBuffer(ch.bus.ram, [{ addr: ch.smallBuffer, len: SENSE_BYTES }]);
  buf.fill(0);
  await runPacketCommand(ch, { unit, cdb: requestSense(SENSE_BYTES), direction: 'in', buffer: buf, timeoutMs, autoSense: false });
  return parseSense(buf.read());
}
