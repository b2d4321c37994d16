// PIIX3 IDE core: the ATA command set over PIO: IDENTIFY, sector reads and writes
// (single, multiple, LBA28, LBA48, CHS), addressing errors, flush, SET FEATURES and the
// small housekeeping commands; backend errors and stale completions.

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BLOCK_FLUSH, BLOCK_READ, BLOCK_WRITE, STATUS_EIO, STATUS_OK } from '../../src/workers/common/core-abi.js';
import { MemoryImage, SparseImage, type BlockImage } from '../helpers/core-harness.js';
import { ATA, CTL, ERR, IdeRig, REG, ST, disk, identifyString } from './ide-driver.js';

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');

async function diskRig(sectors = 1000, extra: Parameters<typeof disk>[1] = {}) {
  // Large disks would take long to fill with a pattern; their sectors read as their LBA.
  const image: BlockImage = sectors > 10_000 ? new SparseImage(sectors) : MemoryImage.patterned(sectors);
  const rig = await IdeRig.create({ drives: [disk(sectors, extra), null, null, null], images: { 0: image } });
  return { rig, image };
}

/** Runs a PIO data-in command to the end; returns the data and the DRQ block sizes. */
function pioIn(rig: IdeRig, ch: number, sectors: number): { data: Uint8Array; blocks: number[]; irqs: number } {
  const data = new Uint8Array(sectors * 512);
  const blocks: number[] = [];
  let got = 0;
  let irqs = 0;
  while (got < data.length && blocks.length < 1000) {
    rig.h.flush();
    if (rig.irq(ch)) irqs++;
    const st = rig.status(ch);
    if (!(st & ST.DRQ)) break;
    const before = got;
    while (got < data.length && rig.altStatus(ch) & ST.DRQ) {
      const w = rig.inw(ch);
      data[got++] = w & 0xff;
      data[got++] = w >> 8;
    }
    blocks.push((got - before) / 512);
  }
  return { data: data.subarray(0, got), blocks, irqs };
}

describe('IDENTIFY DEVICE', () => {
  it('reports capacity, LBA48, DMA/PIO modes, multiple, flush, identity strings and a valid checksum', async () => {
    const { rig } = await diskRig(123456, { serial: 'SERIAL-42', model: 'HVMIO TEST DISK' });
    const id = rig.identify(0, 0);
    expect(rig.status(0)).toBe(ST.DRDY | ST.DSC);
    expect(id[0]).toBe(0x0040);
    expect(identifyString(id, 10, 10)).toBe('SERIAL-42'.padEnd(20));
    expect(identifyString(id, 27, 20)).toBe('HVMIO TEST DISK'.padEnd(40));
    expect(id[47]! & 0xff).toBe(16);
    expect(id[49]! & 0x0300).toBe(0x0300); // LBA and DMA
    expect(id[53]! & 0x0002).toBe(0x0002);
    expect(id[59]).toBe(0x0110); // multiple count 16, valid
    expect(id[60]! | (id[61]! << 16)).toBe(123456);
    expect(id[63]! & 0x0007).toBe(0x0007); // MWDMA 0-2
    expect(id[63]! & 0x0700).toBe(0); // none selected yet
    expect(id[64]! & 0x0003).toBe(0x0003); // PIO 3, 4
    expect(id[83]! & 0x3400).toBe(0x3400); // FLUSH CACHE (EXT), LBA48
    expect(id[86]! & 0x3400).toBe(0x3400);
    expect(id[85]! & 0x0020).toBe(0x0020); // write cache on
    expect(id[100]! + id[101]! * 2 ** 16 + id[102]! * 2 ** 32 + id[103]! * 2 ** 48).toBe(123456);
    const bytes = new Uint8Array(id.buffer, id.byteOffset, 512);
    expect(bytes[510]).toBe(0xa5);
    expect(bytes.reduce((s, b) => (s + b) & 0xff, 0)).toBe(0);
  });

  it('caps the 28-bit capacity words for a disk beyond 2^28 sectors', async () => {
    const sectors = 2 ** 28 + 100;
    const rig = await IdeRig.create({ drives: [disk(sectors), null, null, null] });
    const id = rig.identify(0, 0);
    expect(id[60]! | (id[61]! << 16)).toBe(0x0fffffff);
    expect(id[100]! + id[101]! * 2 ** 16 + id[102]! * 2 ** 32).toBe(sectors);
  });

  it('interrupts once, when the data is ready, and not after it was read', async () => {
    const { rig } = await diskRig();
    rig.issue(0, 0, ATA.IDENTIFY);
    expect(rig.irq(0)).toBe(true);
    expect(rig.status(0)).toBe(ST.DRDY | ST.DSC | ST.DRQ);
    rig.readData(0, 512);
    expect(rig.irq(0)).toBe(false);
    expect(rig.status(0)).toBe(ST.DRDY | ST.DSC);
    expect(rig.inw(0)).toBe(0); // nothing more to read
  });
});

describe('READ/WRITE SECTORS', () => {
  it('reads sectors through the core buffer, one block request and one interrupt per sector', async () => {
    const { rig, image } = await diskRig();
    rig.issue(0, 0, ATA.READ_SECTORS, { lba: 10, count: 3 });
    const { data, blocks, irqs } = pioIn(rig, 0, 3);
    expect(md5(data)).toBe(md5(image.read(10, 3 * 512)));
    expect(blocks).toEqual([1, 1, 1]);
    expect(irqs).toBe(3);
    expect(rig.h.submitted.map((r) => [r.op, Number(r.lba), r.sg.length, r.sg[0]!.len, r.sg[0]!.coreMemory])).toEqual([
      [BLOCK_READ, 10, 1, 512, true],
      [BLOCK_READ, 11, 1, 512, true],
      [BLOCK_READ, 12, 1, 512, true],
    ]);
    expect(rig.status(0)).toBe(ST.DRDY | ST.DSC);
    expect(rig.irq(0)).toBe(false);
  });

  it('works with completions delivered asynchronously (harness microtask mode)', async () => {
    const image = MemoryImage.patterned(100);
    const rig = await IdeRig.create({ drives: [disk(100), null, null, null], images: { 0: image }, completion: 'microtask' });
    rig.issue(0, 0, ATA.READ_SECTORS, { lba: 4, count: 2 });
    expect(rig.altStatus(0) & ST.BSY).toBe(ST.BSY); // never completed from inside block_submit
    await rig.h.settle();
    expect(rig.status(0)).toBe(ST.DRDY | ST.DSC | ST.DRQ);
    const first = rig.readData(0, 512);
    await rig.h.settle();
    const second = rig.readData(0, 512);
    expect([...first, ...second]).toEqual([...image.read(4, 1024)]);
    expect(rig.status(0)).toBe(ST.DRDY | ST.DSC);
  });

  it('32-bit data port accesses move two words each', async () => {
    const { rig, image } = await diskRig();
    rig.issue(0, 0, ATA.READ_SECTORS, { lba: 7, count: 1 });
    rig.h.flush();
    const data = new Uint8Array(512);
    const view = new DataView(data.buffer);
    for (let i = 0; i < 512; i += 4) view.setUint32(i, rig.inl(0), true);
    expect(data).toEqual(image.read(7, 512));
    expect(rig.status(0)).toBe(ST.DRDY | ST.DSC);
  });

  it('writes sectors: DRQ at once without interrupt, an interrupt after each stored sector', async () => {
    const { rig, image } = await diskRig();
    const payload = new Uint8Array(2 * 512).map((_, i) => (i * 31 + 5) & 0xff);
    rig.issue(0, 0, ATA.WRITE_SECTORS, { lba: 100, count: 2 });
    expect(rig.irq(0)).toBe(false);
    expect(rig.altStatus(0)).toBe(ST.DRDY | ST.DSC | ST.DRQ);
    rig.writeData(0, payload.subarray(0, 512));
    expect(rig.altStatus(0) & ST.BSY).toBe(ST.BSY);
    rig.h.flush();
    expect(rig.irq(0)).toBe(true);
    expect(rig.status(0)).toBe(ST.DRDY | ST.DSC | ST.DRQ);
    rig.writeData(0, payload.subarray(512));
    rig.h.flush();
    expect(rig.irq(0)).toBe(true);
    expect(rig.status(0)).toBe(ST.DRDY | ST.DSC);
    expect(md5(image.read(100, 1024))).toBe(md5(payload));
    expect(rig.h.submitted.map((r) => [r.op, Number(r.lba)])).toEqual([
      [BLOCK_WRITE, 100],
      [BLOCK_WRITE, 101],
    ]);
  });

  it('a sector count of 0 means 256 sectors', async () => {
    const { rig, image } = await diskRig();
    rig.issue(0, 0, ATA.READ_SECTORS, { lba: 0, count: 0 });
    const { data } = pioIn(rig, 0, 256);
    expect(data.length).toBe(256 * 512);
    expect(md5(data)).toBe(md5(image.read(0, 256 * 512)));
  });

  it('refuses writes to a read-only disk before any data phase', async () => {
    const { rig } = await diskRig(1000, { readOnly: true });
    rig.issue(0, 0, ATA.WRITE_SECTORS, { lba: 1, count: 1 });
    expect(rig.status(0)).toBe(ST.DRDY | ST.ERR);
    expect(rig.error(0)).toBe(ERR.ABRT);
    expect(rig.h.submitted).toHaveLength(0);
  });
});

describe('multiple mode', () => {
  it('READ MULTIPLE moves the multiple count per DRQ block and interrupt', async () => {
    const { rig, image } = await diskRig();
    rig.issue(0, 0, ATA.SET_MULTIPLE, { count: 4 });
    expect(rig.status(0)).toBe(ST.DRDY | ST.DSC);
    expect(rig.identify(0, 0)[59]).toBe(0x0104);
    rig.issue(0, 0, ATA.READ_MULTIPLE, { lba: 20, count: 10 });
    const { data, blocks, irqs } = pioIn(rig, 0, 10);
    expect(blocks).toEqual([4, 4, 2]);
    expect(irqs).toBe(3);
    expect(md5(data)).toBe(md5(image.read(20, 10 * 512)));
    expect(rig.h.submitted.map((r) => r.sg[0]!.len)).toEqual([2048, 2048, 1024]);
  });

  it('WRITE MULTIPLE EXT stores a block per request', async () => {
    const { rig, image } = await diskRig();
    rig.issue(0, 0, ATA.SET_MULTIPLE, { count: 8 });
    const payload = new Uint8Array(12 * 512).map((_, i) => (i ^ (i >> 9)) & 0xff);
    rig.issue(0, 0, ATA.WRITE_MULTIPLE_EXT, { lba: 300, count: 12, lba48: true });
    rig.writeData(0, payload.subarray(0, 8 * 512));
    rig.h.flush();
    expect(rig.status(0)).toBe(ST.DRDY | ST.DSC | ST.DRQ);
    rig.writeData(0, payload.subarray(8 * 512));
    rig.h.flush();
    expect(rig.status(0)).toBe(ST.DRDY | ST.DSC);
    expect(rig.h.submitted.map((r) => [Number(r.lba), r.sg[0]!.len])).toEqual([
      [300, 4096],
      [308, 2048],
    ]);
    expect(md5(image.read(300, 12 * 512))).toBe(md5(payload));
  });

  it('SET MULTIPLE accepts powers of two up to 16, aborts the rest; 0 disables READ MULTIPLE', async () => {
    const { rig } = await diskRig();
    for (const bad of [3, 32, 12]) {
      rig.issue(0, 0, ATA.SET_MULTIPLE, { count: bad });
      expect(rig.status(0)).toBe(ST.DRDY | ST.ERR);
      expect(rig.error(0)).toBe(ERR.ABRT);
    }
    rig.issue(0, 0, ATA.SET_MULTIPLE, { count: 0 });
    expect(rig.status(0)).toBe(ST.DRDY | ST.DSC);
    rig.issue(0, 0, ATA.READ_MULTIPLE, { lba: 0, count: 1 });
    expect(rig.status(0)).toBe(ST.DRDY | ST.ERR);
    expect(rig.error(0)).toBe(ERR.ABRT);
  });
});

describe('addressing', () => {
  it('IDNF for a range past the end of the disk; the last sector itself is fine', async () => {
    const { rig, image } = await diskRig(1000);
    rig.issue(0, 0, ATA.READ_SECTORS, { lba: 999, count: 2 });
    expect(rig.status(0)).toBe(ST.DRDY | ST.ERR);
    expect(rig.error(0)).toBe(ERR.IDNF);
    expect(rig.h.submitted).toHaveLength(0);
    rig.issue(0, 0, ATA.READ_SECTORS, { lba: 999, count: 1 });
    expect(pioIn(rig, 0, 1).data).toEqual(image.read(999, 512));
    rig.issue(0, 0, ATA.WRITE_SECTORS_EXT, { lba: 1000, count: 1, lba48: true });
    expect(rig.error(0)).toBe(ERR.IDNF);
  });

  it('LBA48 reaches sectors beyond 2^28; past the end is IDNF', async () => {
    const sectors = 2 ** 28 + 100;
    const image = new SparseImage(sectors);
    const rig = await IdeRig.create({ drives: [disk(sectors), null, null, null], images: { 0: image } });
    const lba = 2 ** 28 + 5;
    rig.issue(0, 0, ATA.READ_SECTORS_EXT, { lba, count: 2, lba48: true });
    const { data } = pioIn(rig, 0, 2);
    expect(Number(rig.h.submitted[0]!.lba)).toBe(lba);
    expect(data).toEqual(image.read(lba, 1024));
    // A 28-bit command cannot get there: LBA 2^28 + 5 loses bit 28 and is LBA 5.
    rig.issue(0, 0, ATA.READ_SECTORS, { lba, count: 1 });
    pioIn(rig, 0, 1);
    expect(Number(rig.h.submitted.at(-1)!.lba)).toBe(5);
    rig.issue(0, 0, ATA.READ_SECTORS_EXT, { lba: sectors - 1, count: 2, lba48: true });
    expect(rig.error(0)).toBe(ERR.IDNF);
  });

  it('CHS addressing through INITIALIZE DEVICE PARAMETERS', async () => {
    const { rig, image } = await diskRig(2000);
    // 4 heads (device bits 3:0 = heads - 1), 17 sectors per track.
    rig.issue(0, 0, ATA.INIT_PARAMS, { count: 17, device: 0x03 });
    expect(rig.status(0)).toBe(ST.DRDY | ST.DSC);
    // Cylinder 1, head 2, sector 3 -> ((1 * 4) + 2) * 17 + 3 - 1 = 104.
    rig.select(0, 0, 0x02);
    rig.outb(0, REG.COUNT, 1);
    rig.outb(0, REG.LBA_LOW, 3);
    rig.outb(0, REG.LBA_MID, 1);
    rig.outb(0, REG.LBA_HIGH, 0);
    rig.outb(0, REG.COMMAND, ATA.READ_SECTORS);
    expect(pioIn(rig, 0, 1).data).toEqual(image.read(104, 512));
    // Sector 0 does not exist in CHS.
    rig.select(0, 0, 0x00);
    rig.outb(0, REG.LBA_LOW, 0);
    rig.outb(0, REG.COMMAND, ATA.READ_SECTORS);
    expect(rig.error(0)).toBe(ERR.IDNF);
    // 0 sectors per track is refused rather than divided by.
    rig.issue(0, 0, ATA.INIT_PARAMS, { count: 0, device: 0x0f });
    expect(rig.error(0)).toBe(ERR.ABRT);
  });

  it('READ VERIFY checks the range without moving data', async () => {
    const { rig } = await diskRig(1000);
    rig.issue(0, 0, ATA.READ_VERIFY, { lba: 10, count: 20 });
    expect(rig.status(0)).toBe(ST.DRDY | ST.DSC);
    rig.issue(0, 0, ATA.READ_VERIFY_EXT, { lba: 990, count: 20, lba48: true });
    expect(rig.error(0)).toBe(ERR.IDNF);
    expect(rig.h.submitted).toHaveLength(0);
  });

  it('READ NATIVE MAX ADDRESS (EXT) returns the last LBA', async () => {
    const sectors = 2 ** 30 + 7;
    const rig = await IdeRig.create({ drives: [disk(sectors), null, null, null] });
    rig.issue(0, 0, ATA.READ_NATIVE_MAX_EXT, { lba48: true });
    expect(rig.status(0)).toBe(ST.DRDY | ST.DSC);
    const low = rig.inb(0, REG.LBA_LOW) | (rig.inb(0, REG.LBA_MID) << 8) | (rig.inb(0, REG.LBA_HIGH) << 16);
    rig.control(0, CTL.HOB);
    const high = rig.inb(0, REG.LBA_LOW) | (rig.inb(0, REG.LBA_MID) << 8) | (rig.inb(0, REG.LBA_HIGH) << 16);
    expect(high * 2 ** 24 + low).toBe(sectors - 1);
    rig.issue(0, 0, ATA.READ_NATIVE_MAX);
    const lba28 = rig.inb(0, REG.LBA_LOW) | (rig.inb(0, REG.LBA_MID) << 8) | (rig.inb(0, REG.LBA_HIGH) << 16) |
      ((rig.inb(0, REG.DEVICE) & 0x0f) << 24);
    expect(lba28).toBe(0x0fffffff);
  });
});

describe('cache, features, power', () => {
  it('FLUSH CACHE (EXT) is a flush request; its failure aborts', async () => {
    const { rig } = await diskRig();
    rig.issue(0, 0, ATA.FLUSH_CACHE_EXT);
    expect(rig.altStatus(0) & ST.BSY).toBe(ST.BSY);
    expect(rig.irq(0)).toBe(false);
    expect(rig.h.pending.map((r) => [r.op, r.sg.length])).toEqual([[BLOCK_FLUSH, 0]]);
    rig.h.flush();
    expect(rig.irq(0)).toBe(true);
    expect(rig.status(0)).toBe(ST.DRDY | ST.DSC);
    rig.issue(0, 0, ATA.FLUSH_CACHE);
    rig.h.complete(rig.h.pending[0]!, STATUS_EIO);
    expect(rig.status(0)).toBe(ST.DRDY | ST.ERR);
    expect(rig.error(0)).toBe(ERR.ABRT);
  });

  it('SET FEATURES selects a multiword DMA mode, shown in IDENTIFY word 63; UDMA is refused', async () => {
    const { rig } = await diskRig();
    rig.issue(0, 0, ATA.SET_FEATURES, { feature: 0x03, count: 0x22 });
    expect(rig.status(0)).toBe(ST.DRDY | ST.DSC);
    expect(rig.identify(0, 0)[63]).toBe(0x0407);
    rig.issue(0, 0, ATA.SET_FEATURES, { feature: 0x03, count: 0x0c }); // PIO 4
    expect(rig.status(0)).toBe(ST.DRDY | ST.DSC);
    rig.issue(0, 0, ATA.SET_FEATURES, { feature: 0x03, count: 0x45 }); // UDMA 5
    expect(rig.error(0)).toBe(ERR.ABRT);
    rig.issue(0, 0, ATA.SET_FEATURES, { feature: 0x03, count: 0x23 }); // MWDMA 3
    expect(rig.error(0)).toBe(ERR.ABRT);
    rig.issue(0, 0, ATA.SET_FEATURES, { feature: 0x99 });
    expect(rig.error(0)).toBe(ERR.ABRT);
  });

  it('disabling the write cache flushes, and later writes are flushed before they complete', async () => {
    const { rig } = await diskRig();
    rig.issue(0, 0, ATA.SET_FEATURES, { feature: 0x82 });
    expect(rig.h.pending.map((r) => r.op)).toEqual([BLOCK_FLUSH]);
    rig.h.flush();
    expect(rig.status(0)).toBe(ST.DRDY | ST.DSC);
    expect(rig.identify(0, 0)[85]! & 0x0020).toBe(0);
    rig.issue(0, 0, ATA.WRITE_SECTORS, { lba: 3, count: 1 });
    rig.writeData(0, new Uint8Array(512).fill(7));
    rig.h.complete(rig.h.pending[0]!, STATUS_OK);
    expect(rig.irq(0)).toBe(false); // not done until the flush is
    expect(rig.h.pending.map((r) => r.op)).toEqual([BLOCK_FLUSH]);
    rig.h.flush();
    expect(rig.irq(0)).toBe(true);
    expect(rig.status(0)).toBe(ST.DRDY | ST.DSC);
    rig.issue(0, 0, ATA.SET_FEATURES, { feature: 0x02 });
    expect(rig.identify(0, 0)[85]! & 0x0020).toBe(0x0020);
  });

  it('CHECK POWER MODE reports standby after STANDBY IMMEDIATE and active after IDLE', async () => {
    const { rig } = await diskRig();
    rig.issue(0, 0, ATA.CHECK_POWER_MODE);
    expect(rig.inb(0, REG.COUNT)).toBe(0xff);
    rig.issue(0, 0, ATA.STANDBY_IMMEDIATE);
    rig.issue(0, 0, ATA.CHECK_POWER_MODE);
    expect(rig.inb(0, REG.COUNT)).toBe(0x00);
    rig.issue(0, 0, ATA.IDLE_IMMEDIATE);
    rig.issue(0, 0, ATA.CHECK_POWER_MODE);
    expect(rig.inb(0, REG.COUNT)).toBe(0xff);
    expect(rig.status(0)).toBe(ST.DRDY | ST.DSC);
  });

  it('EXECUTE DEVICE DIAGNOSTIC leaves signatures and the passed code', async () => {
    const { rig } = await diskRig();
    rig.outb(0, REG.LBA_MID, 0x55);
    rig.issue(0, 0, ATA.DIAGNOSTIC);
    expect(rig.irq(0)).toBe(true);
    expect(rig.status(0)).toBe(ST.DRDY | ST.DSC);
    expect(rig.error(0)).toBe(0x01);
    expect([rig.inb(0, REG.COUNT), rig.inb(0, REG.LBA_LOW), rig.inb(0, REG.LBA_MID)]).toEqual([1, 1, 0]);
  });

  it('PACKET and IDENTIFY PACKET DEVICE are aborted by a disk', async () => {
    const { rig } = await diskRig();
    for (const op of [ATA.PACKET, ATA.IDENTIFY_PACKET]) {
      rig.issue(0, 0, op);
      expect(rig.status(0)).toBe(ST.DRDY | ST.ERR);
      expect(rig.error(0)).toBe(ERR.ABRT);
    }
  });
});

describe('requests abandoned by a reset', () => {
  it('an abandoned PIO read cannot land in a later command\'s buffer', async () => {
    const { rig } = await diskRig();
    rig.issue(0, 0, ATA.READ_SECTORS, { lba: 1, count: 1 });
    const old = rig.h.pending[0]!;
    rig.control(0, CTL.SRST);
    rig.control(0, 0);
    rig.outb(0, REG.COMMAND, ATA.IDENTIFY); // ignored: still busy
    expect(rig.altStatus(0)).toBe(ST.BSY);
    rig.h.complete(old, rig.h.serve(old)); // the backend writes the old sector into the buffer
    expect(rig.status(0)).toBe(ST.DRDY | ST.DSC);
    expect([rig.inb(0, REG.LBA_MID), rig.inb(0, REG.LBA_HIGH)]).toEqual([0, 0]);
    const id = rig.identify(0, 0);
    expect(id[0]).toBe(0x0040);
    const bytes = new Uint8Array(id.buffer, id.byteOffset, 512);
    expect(bytes.reduce((s, b) => (s + b) & 0xff, 0)).toBe(0);
  });

  it('an abandoned PIO write stores exactly what the guest wrote', async () => {
    const { rig, image } = await diskRig();
    const payload = new Uint8Array(512).fill(0x5a);
    rig.issue(0, 0, ATA.WRITE_SECTORS, { lba: 9, count: 1 });
    rig.writeData(0, payload);
    const old = rig.h.pending[0]!;
    rig.control(0, CTL.SRST);
    rig.control(0, 0);
    rig.issue(0, 0, ATA.IDENTIFY); // would refill the buffer if it were accepted
    expect(rig.altStatus(0)).toBe(ST.BSY);
    rig.h.complete(old, rig.h.serve(old));
    expect(image.read(9, 512)).toEqual(payload);
    expect(rig.status(0)).toBe(ST.DRDY | ST.DSC);
  });
});

describe('backend results', () => {
  it('a read that fails with EIO ends with UNC; the data phase never starts', async () => {
    const { rig } = await diskRig();
    rig.issue(0, 0, ATA.READ_SECTORS, { lba: 1, count: 2 });
    rig.h.complete(rig.h.pending[0]!, STATUS_EIO);
    expect(rig.irq(0)).toBe(true);
    expect(rig.status(0)).toBe(ST.DRDY | ST.ERR);
    expect(rig.error(0)).toBe(ERR.UNC);
    expect(rig.inw(0)).toBe(0);
    expect(rig.h.submitted).toHaveLength(1);
  });

  it('a completion arriving after SRST delivers nothing; the reset finishes when it comes back', async () => {
    const { rig } = await diskRig();
    rig.issue(0, 0, ATA.READ_SECTORS, { lba: 1, count: 1 });
    const old = rig.h.pending[0]!;
    rig.control(0, CTL.SRST);
    rig.control(0, 0);
    // The abandoned read may still write the core's buffer: the device stays busy.
    expect(rig.altStatus(0)).toBe(ST.BSY);
    const irqsBefore = rig.h.irqChanges.length;
    rig.h.complete(old, rig.h.serve(old));
    expect(rig.h.irqChanges.length).toBe(irqsBefore);
    expect(rig.status(0)).toBe(ST.DRDY | ST.DSC);
    expect(rig.inw(0)).toBe(0);
    // The channel works normally afterwards, and ids of the new request differ.
    rig.issue(0, 0, ATA.READ_SECTORS, { lba: 2, count: 1 });
    expect(rig.h.pending[0]!.reqId).not.toBe(old.reqId);
    rig.h.complete(old, STATUS_OK); // the old id again: still ignored
    expect(rig.altStatus(0) & ST.BSY).toBe(ST.BSY);
    rig.h.flush();
    expect(rig.status(0)).toBe(ST.DRDY | ST.DSC | ST.DRQ);
  });

  it('a completion after a PCI reset is stale too, and made-up ids are ignored', async () => {
    const { rig } = await diskRig();
    rig.issue(0, 0, ATA.READ_SECTORS, { lba: 1, count: 1 });
    const old = rig.h.pending[0]!;
    rig.core.reset(0);
    for (const bogus of [0, 1, 0xffffffff, old.reqId + 256, old.reqId ^ 1]) rig.core.complete(bogus >>> 0, 0);
    rig.firmwareSetup(); // the reset cleared IDETIM's decode enable
    expect(rig.altStatus(0)).toBe(ST.BSY);
    rig.h.complete(old, STATUS_OK);
    expect(rig.irq(0)).toBe(false);
    expect(rig.altStatus(0)).toBe(ST.DRDY | ST.DSC);
  });
});
