// PIIX3 IDE core: the ATAPI CD-ROM. Signature and IDENTIFY behaviour, the PACKET protocol
// (interrupt reason, byte count limit, PIO and DMA data phases), the MMC commands Linux's
// sr/cdrom drivers issue, sense data, unit attention and DEVICE RESET.

import { describe, expect, it } from 'vitest';
import { BLOCK_READ, STATUS_EIO, STATUS_OK } from '../../src/workers/common/core-abi.js';
import { MemoryImage } from '../helpers/core-harness.js';
import { ATA, BM, ERR, IdeRig, REG, ST, ascii, be16, be32, cdrom, identifyString, read10 } from './ide-driver.js';

const CD_BLOCKS = 300;
const TABLE = 0x1000;

async function cdRig(blocks = CD_BLOCKS, opts: { clearUnitAttention?: boolean } = {}) {
  const image = MemoryImage.patterned(blocks * 4, 11);
  const rig = await IdeRig.create({
    drives: [null, cdrom(blocks * 4, { model: 'HVMIO DVD-ROM DRIVE' }), null, null],
    images: { 1: image },
  });
  if (opts.clearUnitAttention ?? true) {
    run(rig, [0x00]); // TEST UNIT READY: reports (and so clears) the power-on unit attention
  }
  rig.h.submitted.length = 0;
  rig.h.irqChanges.length = 0;
  return { rig, image };
}

interface PacketResult {
  status: number;
  error: number;
  reason: number;
  data: Uint8Array;
  blocks: number[];
}

/** Sends a CDB to the CD (channel 0, unit 1) and runs the PIO data phase to the end. */
function run(rig: IdeRig, cdb: number[], byteLimit = 0xfffe): PacketResult {
  rig.packet(0, 1, cdb, { byteLimit });
  const { data, blocks } = rig.readAtapiPio(0);
  rig.h.flush();
  const reason = rig.inb(0, REG.COUNT) & 3;
  const error = rig.error(0);
  const status = rig.status(0);
  return { status, error, reason, data, blocks };
}

function sense(rig: IdeRig): [number, number, number] {
  const r = run(rig, [0x03, 0, 0, 0, 18, 0]);
  expect(r.data[0]).toBe(0x70);
  return [r.data[2]! & 0x0f, r.data[12]!, r.data[13]!];
}

const GOOD = ST.DRDY | ST.DSC;
const CHECK = ST.DRDY | ST.ERR;
const IO_COD = 3;

describe('ATAPI identity', () => {
  it('powers up with the packet signature and DRDY clear', async () => {
    const { rig } = await cdRig(CD_BLOCKS, { clearUnitAttention: false });
    rig.select(0, 1, 0);
    expect(rig.status(0)).toBe(0);
    expect([rig.inb(0, REG.LBA_MID), rig.inb(0, REG.LBA_HIGH)]).toEqual([0x14, 0xeb]);
  });

  it('IDENTIFY DEVICE aborts and restores the signature', async () => {
    const { rig } = await cdRig();
    rig.select(0, 1, 0);
    rig.outb(0, REG.LBA_MID, 0x00);
    rig.outb(0, REG.LBA_HIGH, 0x00);
    rig.outb(0, REG.COMMAND, ATA.IDENTIFY);
    expect(rig.status(0)).toBe(ST.DRDY | ST.ERR);
    expect(rig.error(0)).toBe(ERR.ABRT);
    expect([rig.inb(0, REG.LBA_MID), rig.inb(0, REG.LBA_HIGH)]).toEqual([0x14, 0xeb]);
  });

  it('IDENTIFY PACKET DEVICE describes a removable CD-ROM with 12-byte packets', async () => {
    const { rig } = await cdRig();
    const id = rig.identify(0, 1, ATA.IDENTIFY_PACKET);
    expect(id[0]).toBe(0x85c0);
    expect(id[0]! & 0x0003).toBe(0); // 12-byte packets
    expect((id[0]! >> 5) & 3).toBe(2); // no interrupt before the packet
    expect(identifyString(id, 27, 20)).toBe('HVMIO DVD-ROM DRIVE'.padEnd(40));
    expect(id[49]! & 0x0300).toBe(0x0300);
    const bytes = new Uint8Array(id.buffer, id.byteOffset, 512);
    expect(bytes.reduce((s, b) => (s + b) & 0xff, 0)).toBe(0);
    expect(rig.status(0)).toBe(GOOD);
  });
});

describe('PACKET protocol', () => {
  it('asks for the packet with CoD=1 IO=0 and no interrupt', async () => {
    const { rig } = await cdRig();
    rig.select(0, 1, 0);
    rig.outb(0, REG.LBA_MID, 0xfe);
    rig.outb(0, REG.LBA_HIGH, 0xff);
    rig.outb(0, REG.COMMAND, ATA.PACKET);
    expect(rig.irq(0)).toBe(false);
    expect(rig.altStatus(0) & (ST.DRQ | ST.BSY)).toBe(ST.DRQ);
    expect(rig.inb(0, REG.COUNT) & 3).toBe(1);
    rig.writeData(0, new Uint8Array(12)); // TEST UNIT READY
    expect(rig.irq(0)).toBe(true);
    expect(rig.status(0)).toBe(GOOD);
    expect(rig.inb(0, REG.COUNT) & 3).toBe(IO_COD);
  });

  it('the first command after power-on reports UNIT ATTENTION, medium may have changed, once', async () => {
    const { rig } = await cdRig(CD_BLOCKS, { clearUnitAttention: false });
    // INQUIRY is allowed while a unit attention is pending and does not consume it.
    expect(run(rig, [0x12, 0, 0, 0, 36, 0]).status).toBe(GOOD);
    const tur = run(rig, [0x00]);
    expect(tur.status).toBe(CHECK);
    expect(tur.error >> 4).toBe(0x6);
    expect(tur.reason).toBe(IO_COD);
    expect(sense(rig)).toEqual([0x6, 0x28, 0x00]);
    expect(run(rig, [0x00]).status).toBe(GOOD);
  });

  it('REQUEST SENSE returns a pending unit attention and clears it', async () => {
    const { rig } = await cdRig(CD_BLOCKS, { clearUnitAttention: false });
    expect(sense(rig)).toEqual([0x6, 0x28, 0x00]);
    expect(run(rig, [0x00]).status).toBe(GOOD);
  });

  it('an unknown opcode is ILLEGAL REQUEST / INVALID COMMAND OPERATION CODE, sense read once', async () => {
    const { rig } = await cdRig();
    const r = run(rig, [0xff, 1, 2, 3]);
    expect(r.status).toBe(CHECK);
    expect(r.error).toBe(0x50);
    expect(sense(rig)).toEqual([0x5, 0x20, 0x00]);
    expect(sense(rig)).toEqual([0x0, 0x00, 0x00]);
  });

  it('DEVICE RESET is accepted mid data phase: signature, no DRDY, no interrupt', async () => {
    const { rig } = await cdRig();
    rig.packet(0, 1, [0x12, 0, 0, 0, 36, 0], { byteLimit: 8 });
    expect(rig.status(0) & ST.DRQ).toBe(ST.DRQ);
    rig.readData(0, 8);
    rig.status(0);
    rig.outb(0, REG.COMMAND, ATA.DEVICE_RESET);
    expect(rig.irq(0)).toBe(false);
    expect(rig.altStatus(0)).toBe(0);
    expect([rig.inb(0, REG.LBA_MID), rig.inb(0, REG.LBA_HIGH)]).toEqual([0x14, 0xeb]);
    expect(rig.inw(0)).toBe(0);
    expect(run(rig, [0x00]).status).toBe(GOOD);
  });

  it('a read completion arriving after DEVICE RESET is ignored', async () => {
    const { rig } = await cdRig();
    rig.packet(0, 1, read10(5, 1));
    const req = rig.h.pending[0]!;
    rig.outb(0, REG.COMMAND, ATA.DEVICE_RESET);
    expect(rig.altStatus(0)).toBe(ST.BSY);
    rig.h.complete(req, rig.h.serve(req));
    expect(rig.irq(0)).toBe(false);
    expect(rig.altStatus(0)).toBe(0);
  });
});

describe('MMC commands', () => {
  it('INQUIRY: CD/DVD device, removable, model as product; truncated to the allocation length', async () => {
    const { rig } = await cdRig();
    const r = run(rig, [0x12, 0, 0, 0, 96, 0]);
    expect(r.status).toBe(GOOD);
    expect(r.data.length).toBe(36);
    expect(r.data[0]).toBe(0x05);
    expect(r.data[1]).toBe(0x80);
    expect(ascii(r.data.subarray(8, 16))).toBe('HVMIO   ');
    expect(ascii(r.data.subarray(16, 32))).toBe('HVMIO DVD-ROM DR');
    expect(run(rig, [0x12, 0, 0, 0, 5, 0]).data.length).toBe(5);
    const serial = run(rig, [0x12, 1, 0x80, 0, 64, 0]);
    expect(ascii(serial.data.subarray(4, 24))).toBe('SN-CD-0001'.padEnd(20));
    expect(run(rig, [0x12, 1, 0x83, 0, 64, 0]).status).toBe(CHECK);
    expect(sense(rig)).toEqual([0x5, 0x24, 0x00]);
  });

  it('READ CAPACITY: last block and 2048-byte blocks', async () => {
    const { rig } = await cdRig();
    const r = run(rig, [0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(be32(r.data, 0)).toBe(CD_BLOCKS - 1);
    expect(be32(r.data, 4)).toBe(2048);
  });

  it('READ(10) by PIO: blocks read at LBA*4, DRQ blocks no larger than the byte count limit', async () => {
    const { rig, image } = await cdRig();
    const r = run(rig, read10(10, 3), 1000);
    expect(r.status).toBe(GOOD);
    expect(r.reason).toBe(IO_COD);
    expect(r.data).toEqual(image.read(40, 3 * 2048));
    expect(r.blocks.every((n) => n <= 1000 && n % 2 === 0)).toBe(true);
    expect(r.blocks.reduce((a, b) => a + b, 0)).toBe(3 * 2048);
    expect(rig.h.submitted.map((q) => [q.op, Number(q.lba), q.sg[0]!.len, q.sg[0]!.coreMemory])).toEqual([
      [BLOCK_READ, 40, 3 * 2048, true],
    ]);
  });

  it('READ(12) larger than the core buffer is fetched in chunks; odd limits round down', async () => {
    const { rig, image } = await cdRig();
    const r = run(rig, [0xa8, 0, 0, 0, 0, 7, 0, 0, 0, 40, 0, 0], 0x7fff);
    expect(r.data).toEqual(image.read(28, 40 * 2048));
    expect(r.blocks.every((n) => n <= 0x7ffe)).toBe(true);
    expect(rig.h.submitted.map((q) => [Number(q.lba), q.sg[0]!.len])).toEqual([
      [28, 32 * 2048],
      [28 + 128, 8 * 2048],
    ]);
  });

  it('a byte count limit of 0 is taken as FFFEh', async () => {
    const { rig } = await cdRig();
    const r = run(rig, read10(0, 1), 0);
    expect(r.blocks).toEqual([2048]);
  });

  it('READ(10) beyond the last block: ILLEGAL REQUEST / LBA OUT OF RANGE; zero blocks is good', async () => {
    const { rig } = await cdRig();
    const r = run(rig, read10(CD_BLOCKS - 1, 2));
    expect(r.status).toBe(CHECK);
    expect(sense(rig)).toEqual([0x5, 0x21, 0x00]);
    expect(run(rig, read10(CD_BLOCKS, 0)).status).toBe(GOOD);
    expect(rig.h.submitted).toHaveLength(0);
  });

  it('a read failing with EIO is MEDIUM ERROR / UNRECOVERED READ ERROR', async () => {
    const { rig } = await cdRig();
    rig.packet(0, 1, read10(1, 1));
    rig.h.complete(rig.h.pending[0]!, STATUS_EIO);
    expect(rig.status(0)).toBe(CHECK);
    expect(sense(rig)).toEqual([0x3, 0x11, 0x00]);
  });

  it('READ TOC format 0 in LBA and MSF form, format 1, and a bad starting track', async () => {
    const { rig } = await cdRig();
    const lba = run(rig, [0x43, 0, 0, 0, 0, 0, 0, 0, 100, 0]).data;
    expect(be16(lba, 0)).toBe(18);
    expect([lba[2], lba[3]]).toEqual([1, 1]);
    expect([lba[5], lba[6], be32(lba, 8)]).toEqual([0x14, 1, 0]);
    expect([lba[14], be32(lba, 16)]).toEqual([0xaa, CD_BLOCKS]);
    const msf = run(rig, [0x43, 0x02, 0, 0, 0, 0, 0, 0, 100, 0]).data;
    expect(Array.from(msf.subarray(8, 12))).toEqual([0, 0, 2, 0]); // 00:02:00
    const leadOut = CD_BLOCKS + 150;
    expect(Array.from(msf.subarray(16, 20))).toEqual([0, Math.floor(leadOut / 4500), Math.floor(leadOut / 75) % 60, leadOut % 75]);
    const session = run(rig, [0x43, 0, 0, 0, 0, 0, 0, 0, 12, 0x40]).data; // format 1, old style
    expect([be16(session, 0), session[2], session[3], session[6]]).toEqual([10, 1, 1, 1]);
    expect(run(rig, [0x43, 0, 0, 0, 0, 0, 5, 0, 100, 0]).status).toBe(CHECK);
    expect(sense(rig)).toEqual([0x5, 0x24, 0x00]);
  });

  it('MODE SENSE(10): capabilities page, all pages, no saved values', async () => {
    const { rig } = await cdRig();
    const caps = run(rig, [0x5a, 0, 0x2a, 0, 0, 0, 0, 0, 255, 0]).data;
    expect(be16(caps, 0)).toBe(caps.length - 2);
    expect(be16(caps, 6)).toBe(0); // no block descriptors
    expect(caps[8]).toBe(0x2a);
    expect(caps[8 + 6]! & 0x01).toBe(0x01); // lock supported
    expect(caps[8 + 6]! & 0x02).toBe(0); // not locked
    const all = run(rig, [0x5a, 0, 0x3f, 0, 0, 0, 0, 0, 255, 0]).data;
    expect([all[8], all[16]]).toEqual([0x01, 0x2a]);
    expect(run(rig, [0x5a, 0, 0xea, 0, 0, 0, 0, 0, 255, 0]).status).toBe(CHECK); // PC=3: saved
    expect(sense(rig)).toEqual([0x5, 0x39, 0x00]);
    expect(run(rig, [0x5a, 0, 0x05, 0, 0, 0, 0, 0, 255, 0]).status).toBe(CHECK);
    expect(sense(rig)).toEqual([0x5, 0x24, 0x00]);
    // PREVENT MEDIUM REMOVAL shows in the lock state.
    expect(run(rig, [0x1e, 0, 0, 0, 1, 0]).status).toBe(GOOD);
    expect(run(rig, [0x5a, 0, 0x2a, 0, 0, 0, 0, 0, 255, 0]).data[8 + 6]! & 0x02).toBe(0x02);
  });

  it('GET CONFIGURATION: CD-ROM is the current profile; RT=2 returns one feature', async () => {
    const { rig } = await cdRig();
    const all = run(rig, [0x46, 0, 0, 0, 0, 0, 0, 0x01, 0, 0]).data;
    expect(be32(all, 0)).toBe(all.length - 4);
    expect(be16(all, 6)).toBe(0x0008);
    expect(be16(all, 8)).toBe(0x0000); // profile list first
    expect(be16(all, 12)).toBe(0x0008);
    expect(all[14]! & 1).toBe(1); // current
    const core = run(rig, [0x46, 2, 0, 1, 0, 0, 0, 0x01, 0, 0]).data;
    expect(core.length).toBe(8 + 8);
    expect(be16(core, 8)).toBe(0x0001);
    expect(be32(core, 12)).toBe(2); // ATAPI
    expect(run(rig, [0x46, 3, 0, 0, 0, 0, 0, 0x01, 0, 0]).status).toBe(CHECK);
  });

  it('GET EVENT STATUS NOTIFICATION (polled, media): NewMedia once, then no change', async () => {
    const { rig } = await cdRig();
    const gesn = [0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8, 0];
    const first = run(rig, gesn).data;
    expect([be16(first, 0), first[2], first[3], first[4], first[5]]).toEqual([6, 0x04, 0x10, 0x02, 0x02]);
    expect(run(rig, gesn).data[4]).toBe(0x00);
    const other = run(rig, [0x4a, 1, 0, 0, 0x02, 0, 0, 0, 8, 0]).data;
    expect(other[2]! & 0x80).toBe(0x80); // no event available for that class
    expect(run(rig, [0x4a, 0, 0, 0, 0x10, 0, 0, 0, 8, 0]).status).toBe(CHECK); // asynchronous
  });

  it('START STOP UNIT is accepted', async () => {
    const { rig } = await cdRig();
    expect(run(rig, [0x1b, 0, 0, 0, 1, 0]).status).toBe(GOOD);
  });

  it('an empty drive is NOT READY / MEDIUM NOT PRESENT for media access', async () => {
    const { rig } = await cdRig(0);
    expect(run(rig, [0x00]).status).toBe(CHECK);
    expect(sense(rig)).toEqual([0x2, 0x3a, 0x00]);
    expect(run(rig, [0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0]).status).toBe(CHECK);
    expect(run(rig, [0x12, 0, 0, 0, 36, 0]).status).toBe(GOOD);
  });
});

describe('ATAPI DMA', () => {
  it('READ(10) by DMA: one block request with the guest ranges, good status, bus master interrupt', async () => {
    const { rig, image } = await cdRig();
    rig.prdTable(TABLE, [
      [0x40000, 4096],
      [0x41000, 2048],
    ]);
    rig.bmSetup(0, TABLE, true);
    rig.packet(0, 1, read10(20, 3), { dma: true });
    expect(rig.h.submitted).toHaveLength(0);
    rig.bmStart(0, true);
    expect(rig.h.submitted.map((q) => [Number(q.lba), q.sg])).toEqual([
      [80, [{ addr: 0x40000, len: 6144, coreMemory: false }]],
    ]);
    rig.h.flush();
    expect(rig.irq(0)).toBe(true);
    expect(rig.bmRead(0, BM.STATUS) & (BM.ACTIVE | BM.INTR | BM.ERROR)).toBe(BM.INTR);
    rig.bmStop(0);
    expect(rig.inb(0, REG.COUNT) & 3).toBe(IO_COD);
    expect(rig.status(0)).toBe(GOOD);
    expect(rig.h.ram.subarray(0x40000, 0x40000 + 6144)).toEqual(image.read(80, 6144));
  });

  it('a reply built by the device is copied into the PRD regions', async () => {
    const { rig } = await cdRig();
    rig.prdTable(TABLE, [
      [0x50000, 16],
      [0x60000, 32],
    ]);
    rig.bmSetup(0, TABLE, true);
    rig.packet(0, 1, [0x12, 0, 0, 0, 36, 0], { dma: true });
    rig.bmStart(0, true);
    expect(rig.h.submitted).toHaveLength(0);
    expect(rig.status(0)).toBe(GOOD);
    expect(rig.h.ram[0x50000]).toBe(0x05);
    expect(ascii(rig.h.ram.subarray(0x50008, 0x50010))).toBe('HVMIO   ');
    expect(ascii(rig.h.ram.subarray(0x60000, 0x60010))).toBe('HVMIO DVD-ROM DR');
    // 36 bytes of 48 described: regions left, Active stays set.
    expect(rig.bmRead(0, BM.STATUS) & (BM.ACTIVE | BM.INTR)).toBe(BM.ACTIVE | BM.INTR);
  });

  it('a reply whose PRD region is outside RAM: bus master error and ABORTED COMMAND', async () => {
    const { rig } = await cdRig();
    rig.prdTable(TABLE, [[0xfff00000, 64]]);
    rig.bmSetup(0, TABLE, true);
    rig.packet(0, 1, [0x12, 0, 0, 0, 36, 0], { dma: true });
    rig.bmStart(0, true);
    expect(rig.bmRead(0, BM.STATUS) & BM.ERROR).toBe(BM.ERROR);
    expect(rig.status(0)).toBe(CHECK);
    rig.bmStop(0);
    rig.bmWrite(0, BM.STATUS, BM.ERROR | BM.INTR);
    expect(sense(rig)).toEqual([0xb, 0x00, 0x00]);
  });

  it('PRDs shorter than the read: no transfer and no interrupt', async () => {
    const { rig } = await cdRig();
    rig.prdTable(TABLE, [[0x40000, 2048]]);
    rig.bmSetup(0, TABLE, true);
    rig.packet(0, 1, read10(0, 2), { dma: true });
    rig.bmStart(0, true);
    expect(rig.h.submitted).toHaveLength(0);
    expect(rig.irq(0)).toBe(false);
    expect(rig.bmRead(0, BM.STATUS) & BM.ACTIVE).toBe(0);
  });

  it('a DMA read whose completion arrives after SRST changes nothing', async () => {
    const { rig } = await cdRig();
    rig.prdTable(TABLE, [[0x40000, 2048]]);
    rig.bmSetup(0, TABLE, true);
    rig.packet(0, 1, read10(0, 1), { dma: true });
    rig.bmStart(0, true);
    const req = rig.h.pending[0]!;
    rig.bmStop(0);
    rig.control(0, 0x04);
    rig.control(0, 0);
    rig.h.complete(req, STATUS_OK);
    expect(rig.irq(0)).toBe(false);
    rig.select(0, 1, 0);
    expect(rig.status(0)).toBe(0);
  });
});
