// PIIX3 IDE core: bus master DMA. One block request per ATA command with the PRD table's
// guest ranges as its SG list (merged where contiguous); PRD edge cases (64 KiB entries,
// tables longer or shorter than the transfer, no EOT, outside RAM); the bus master
// registers; PCI bus master enable; errors and stale completions.

import { describe, expect, it } from 'vitest';
import {
  BLOCK_READ,
  BLOCK_WRITE,
  DMA_FAULT,
  IRQ_PCI_INTA,
  STATUS_EIO,
  STATUS_OK,
} from '../../src/workers/common/core-abi.js';
import { MemoryImage, SparseImage } from '../helpers/core-harness.js';
import { ATA, BM, CTL, ERR, IdeRig, ST, disk } from './ide-driver.js';

const TABLE = 0x1000;

async function dmaRig(opts: { sectors?: number; mode?: 'legacy' | 'native'; dmaReads?: { count: number } } = {}) {
  const sectors = opts.sectors ?? 4096;
  // A large disk would take long to fill with a pattern; its sectors read as their LBA.
  const image = sectors > 10_000 ? new SparseImage(sectors) : MemoryImage.patterned(sectors);
  const counter = opts.dmaReads;
  const rig = await IdeRig.create({
    mode: opts.mode,
    drives: [disk(sectors), null, null, null],
    images: { 0: image },
    imports: counter
      ? {
          dma_read(gpa, len, dst) {
            counter.count++;
            const a = Number(gpa);
            if (a + len > rig.h.ram.length) return DMA_FAULT;
            new Uint8Array(rig.h.core.memory.buffer).set(rig.h.ram.subarray(a, a + len), dst);
            return 0;
          },
        }
      : undefined,
  });
  return { rig, image };
}

describe('DMA transfers', () => {
  it('READ DMA: one block request with the PRD ranges merged; data lands in guest RAM', async () => {
    const { rig, image } = await dmaRig();
    rig.prdTable(TABLE, [
      [0x20000, 1024],
      [0x20400, 512], // continues the first: merged
      [0x30000, 1024],
    ]);
    rig.bmSetup(0, TABLE, true);
    rig.issue(0, 0, ATA.READ_DMA, { lba: 50, count: 5 });
    expect(rig.altStatus(0)).toBe(ST.DRDY | ST.DSC | ST.DRQ);
    expect(rig.h.submitted).toHaveLength(0); // waits for the start bit
    rig.bmStart(0, true);
    expect(rig.bmRead(0, BM.STATUS) & BM.ACTIVE).toBe(BM.ACTIVE);
    expect(rig.h.submitted).toHaveLength(1);
    const req = rig.h.submitted[0]!;
    expect([req.op, Number(req.lba), req.drive]).toEqual([BLOCK_READ, 50, 0]);
    expect(req.sg).toEqual([
      { addr: 0x20000, len: 1536, coreMemory: false },
      { addr: 0x30000, len: 1024, coreMemory: false },
    ]);
    rig.h.flush();
    expect(rig.irq(0)).toBe(true);
    expect(rig.bmRead(0, BM.STATUS) & (BM.ACTIVE | BM.INTR | BM.ERROR)).toBe(BM.INTR);
    expect(rig.h.ram.subarray(0x20000, 0x20000 + 1536)).toEqual(image.read(50, 1536));
    expect(rig.h.ram.subarray(0x30000, 0x30000 + 1024)).toEqual(image.read(53, 1024));
    // What Linux's interrupt handler does: stop, read status, clear the interrupt bit.
    rig.bmStop(0);
    expect(rig.status(0)).toBe(ST.DRDY | ST.DSC);
    expect(rig.irq(0)).toBe(false);
    rig.bmWrite(0, BM.STATUS, BM.INTR);
    expect(rig.bmRead(0, BM.STATUS) & BM.INTR).toBe(0);
  });

  it('WRITE DMA (EXT) takes the data from guest RAM', async () => {
    const { rig, image } = await dmaRig();
    const payload = new Uint8Array(3 * 512).map((_, i) => (i * 7 + 3) & 0xff);
    rig.h.ram.set(payload.subarray(0, 1024), 0x50000);
    rig.h.ram.set(payload.subarray(1024), 0x60000);
    rig.prdTable(TABLE, [
      [0x50000, 1024],
      [0x60000, 512],
    ]);
    rig.bmSetup(0, TABLE, false);
    rig.issue(0, 0, ATA.WRITE_DMA_EXT, { lba: 2000, count: 3, lba48: true });
    rig.bmStart(0, false);
    expect(rig.h.submitted.map((r) => [r.op, Number(r.lba), r.sg.length])).toEqual([[BLOCK_WRITE, 2000, 2]]);
    rig.h.flush();
    expect(rig.status(0)).toBe(ST.DRDY | ST.DSC);
    expect(image.read(2000, 1536)).toEqual(payload);
  });

  it('the start bit may come before the command', async () => {
    const { rig } = await dmaRig();
    rig.prdTable(TABLE, [[0x20000, 512]]);
    rig.bmSetup(0, TABLE, true);
    rig.bmStart(0, true);
    rig.issue(0, 0, ATA.READ_DMA, { lba: 1, count: 1 });
    expect(rig.h.submitted).toHaveLength(1);
  });

  it('no DMA while PCI bus mastering is off; enabling it starts the waiting transfer', async () => {
    const { rig } = await dmaRig();
    rig.core.pci_config_write(0x04, 2, 0x0001);
    rig.prdTable(TABLE, [[0x20000, 512]]);
    rig.bmSetup(0, TABLE, true);
    rig.issue(0, 0, ATA.READ_DMA, { lba: 1, count: 1 });
    rig.bmStart(0, true);
    expect(rig.h.submitted).toHaveLength(0);
    rig.core.pci_config_write(0x04, 1, 0x05); // byte write of COMMAND
    expect(rig.h.submitted).toHaveLength(1);
  });

  it('a PRD byte count of 0 means 64 KiB', async () => {
    const { rig } = await dmaRig();
    rig.prdTable(TABLE, [[0x100000, 0x10000]]);
    rig.bmSetup(0, TABLE, true);
    rig.issue(0, 0, ATA.READ_DMA, { lba: 0, count: 128 });
    rig.bmStart(0, true);
    expect(rig.h.submitted[0]!.sg).toEqual([{ addr: 0x100000, len: 0x10000, coreMemory: false }]);
    rig.h.flush();
    expect(rig.bmRead(0, BM.STATUS) & (BM.ACTIVE | BM.INTR)).toBe(BM.INTR);
  });

  it('LBA48 count 0 moves 65536 sectors in one request', async () => {
    const { rig } = await dmaRig({ sectors: 70000 });
    // 512 entries of 64 KiB, all over the same buffer: nothing to merge.
    rig.prdTable(TABLE, Array.from({ length: 512 }, () => [0x100000, 0x10000] as [number, number]));
    rig.bmSetup(0, TABLE, true);
    rig.issue(0, 0, ATA.READ_DMA_EXT, { lba: 10, count: 0, lba48: true });
    rig.bmStart(0, true);
    const req = rig.h.submitted[0]!;
    expect(req.sg).toHaveLength(512);
    expect(req.sg.reduce((s, e) => s + e.len, 0)).toBe(65536 * 512);
    rig.h.complete(req, STATUS_OK);
    expect(rig.status(0)).toBe(ST.DRDY | ST.DSC);
  });

  it('a PRD table longer than the transfer leaves Active set with the interrupt', async () => {
    const { rig } = await dmaRig();
    rig.prdTable(TABLE, [
      [0x20000, 8192],
      [0x40000, 512],
    ]);
    rig.bmSetup(0, TABLE, true);
    rig.issue(0, 0, ATA.READ_DMA, { lba: 0, count: 1 });
    rig.bmStart(0, true);
    expect(rig.h.submitted[0]!.sg).toEqual([{ addr: 0x20000, len: 512, coreMemory: false }]);
    rig.h.flush();
    expect(rig.bmRead(0, BM.STATUS) & (BM.ACTIVE | BM.INTR)).toBe(BM.ACTIVE | BM.INTR);
  });

  it('native mode DMA interrupts on INTA', async () => {
    const { rig } = await dmaRig({ mode: 'native' });
    rig.prdTable(TABLE, [[0x20000, 512]]);
    rig.bmSetup(0, TABLE, true);
    rig.issue(0, 0, ATA.READ_DMA, { lba: 0, count: 1 });
    rig.bmStart(0, true);
    rig.h.flush();
    expect(rig.h.irq(IRQ_PCI_INTA)).toBe(1);
    expect(rig.h.irq(14)).toBe(0);
  });
});

describe('PRD table errors', () => {
  it('PRDs shorter than the transfer: nothing moves, Active drops, no interrupt (as QEMU)', async () => {
    const { rig } = await dmaRig();
    rig.prdTable(TABLE, [[0x20000, 512]]);
    rig.bmSetup(0, TABLE, true);
    rig.issue(0, 0, ATA.READ_DMA, { lba: 0, count: 2 });
    rig.bmStart(0, true);
    expect(rig.h.submitted).toHaveLength(0);
    expect(rig.irq(0)).toBe(false);
    expect(rig.bmRead(0, BM.STATUS) & (BM.ACTIVE | BM.INTR | BM.ERROR)).toBe(0);
    expect(rig.status(0)).toBe(ST.DRDY | ST.DSC);
  });

  it('a table that never sets EOT is walked a bounded number of entries, then errors', async () => {
    const dmaReads = { count: 0 };
    const { rig } = await dmaRig({ dmaReads });
    // 8192+ two-byte entries without EOT: never enough for 64 KiB.
    rig.prdTable(
      TABLE,
      Array.from({ length: 9000 }, (_, i) => [0x200000 + i * 4, 2] as [number, number]),
      false,
    );
    rig.bmSetup(0, TABLE, true);
    rig.issue(0, 0, ATA.READ_DMA, { lba: 0, count: 128 });
    rig.bmStart(0, true);
    expect(rig.h.submitted).toHaveLength(0);
    expect(dmaReads.count).toBeLessThanOrEqual(8192 / 512 + 2);
    expect(rig.bmRead(0, BM.STATUS) & (BM.ACTIVE | BM.ERROR | BM.INTR)).toBe(BM.ERROR | BM.INTR);
    expect(rig.status(0)).toBe(ST.DRDY | ST.ERR);
    expect(rig.error(0)).toBe(ERR.ABRT);
  });

  it('a table without EOT that covers the transfer is fine: the walk stops when satisfied', async () => {
    const { rig } = await dmaRig();
    rig.prdTable(
      TABLE,
      [
        [0x20000, 256],
        [0x20100, 256],
        [0x90000, 4096],
      ],
      false,
    );
    rig.bmSetup(0, TABLE, true);
    rig.issue(0, 0, ATA.READ_DMA, { lba: 0, count: 1 });
    rig.bmStart(0, true);
    expect(rig.h.submitted[0]!.sg).toEqual([{ addr: 0x20000, len: 512, coreMemory: false }]);
  });

  it('a PRD table outside guest RAM is a bus master error', async () => {
    const { rig } = await dmaRig();
    rig.bmSetup(0, 0xfff00000, true);
    rig.issue(0, 0, ATA.READ_DMA, { lba: 0, count: 1 });
    rig.bmStart(0, true);
    expect(rig.h.submitted).toHaveLength(0);
    expect(rig.irq(0)).toBe(true);
    expect(rig.bmRead(0, BM.STATUS) & (BM.ACTIVE | BM.ERROR | BM.INTR)).toBe(BM.ERROR | BM.INTR);
    expect(rig.error(0)).toBe(ERR.ABRT);
  });

  it('a table running off the end of RAM mid-walk is a bus master error too', async () => {
    const { rig } = await dmaRig();
    const end = rig.h.ram.length;
    rig.prdTable(end - 8, [[0x20000, 512]], false); // the last entry in RAM, no EOT
    rig.bmSetup(0, end - 8, true);
    rig.issue(0, 0, ATA.READ_DMA, { lba: 0, count: 2 });
    rig.bmStart(0, true);
    expect(rig.bmRead(0, BM.STATUS) & BM.ERROR).toBe(BM.ERROR);
    expect(rig.status(0)).toBe(ST.DRDY | ST.ERR);
  });

  it('data outside guest RAM completes with EFAULT: bus master error, command aborted', async () => {
    const { rig } = await dmaRig();
    rig.prdTable(TABLE, [[0xfffff000, 512]]);
    rig.bmSetup(0, TABLE, true);
    rig.issue(0, 0, ATA.READ_DMA, { lba: 0, count: 1 });
    rig.bmStart(0, true);
    expect(rig.h.submitted).toHaveLength(1);
    rig.h.flush(); // the fake backend answers EFAULT
    expect(rig.irq(0)).toBe(true);
    expect(rig.bmRead(0, BM.STATUS) & (BM.ACTIVE | BM.ERROR | BM.INTR)).toBe(BM.ERROR | BM.INTR);
    expect(rig.status(0)).toBe(ST.DRDY | ST.ERR);
    expect(rig.error(0)).toBe(ERR.ABRT);
  });

  it('an I/O error is the drive\'s error (UNC), not the bus master\'s', async () => {
    const { rig } = await dmaRig();
    rig.prdTable(TABLE, [[0x20000, 512]]);
    rig.bmSetup(0, TABLE, true);
    rig.issue(0, 0, ATA.READ_DMA, { lba: 0, count: 1 });
    rig.bmStart(0, true);
    rig.h.complete(rig.h.pending[0]!, STATUS_EIO);
    expect(rig.bmRead(0, BM.STATUS) & (BM.ACTIVE | BM.ERROR | BM.INTR)).toBe(BM.INTR);
    expect(rig.error(0)).toBe(ERR.UNC);
  });
});

describe('DMA and resets', () => {
  it('a DMA completion after SRST is ignored', async () => {
    const { rig } = await dmaRig();
    rig.prdTable(TABLE, [[0x20000, 512]]);
    rig.bmSetup(0, TABLE, true);
    rig.issue(0, 0, ATA.READ_DMA, { lba: 0, count: 1 });
    rig.bmStart(0, true);
    const req = rig.h.pending[0]!;
    rig.bmStop(0);
    rig.control(0, CTL.SRST);
    rig.control(0, 0);
    rig.bmWrite(0, BM.STATUS, BM.INTR | BM.ERROR);
    expect(rig.altStatus(0)).toBe(ST.BSY); // until the abandoned request is back
    rig.h.complete(req, STATUS_OK);
    expect(rig.irq(0)).toBe(false);
    expect(rig.bmRead(0, BM.STATUS) & (BM.ACTIVE | BM.INTR | BM.ERROR)).toBe(0);
    expect(rig.status(0)).toBe(ST.DRDY | ST.DSC);
  });

  it('clearing start mid-transfer stops the engine; the drive still completes', async () => {
    const { rig } = await dmaRig();
    rig.prdTable(TABLE, [[0x20000, 512]]);
    rig.bmSetup(0, TABLE, true);
    rig.issue(0, 0, ATA.READ_DMA, { lba: 0, count: 1 });
    rig.bmStart(0, true);
    rig.bmStop(0);
    expect(rig.bmRead(0, BM.STATUS) & BM.ACTIVE).toBe(0);
    rig.h.flush();
    expect(rig.irq(0)).toBe(true);
    expect(rig.bmRead(0, BM.STATUS) & (BM.ACTIVE | BM.INTR)).toBe(BM.INTR);
  });

  it('an out-of-range DMA command fails at once, without the bus master', async () => {
    const { rig } = await dmaRig({ sectors: 100 });
    rig.bmSetup(0, TABLE, true);
    rig.issue(0, 0, ATA.READ_DMA, { lba: 99, count: 2 });
    expect(rig.error(0)).toBe(ERR.IDNF);
    rig.bmStart(0, true);
    expect(rig.h.submitted).toHaveLength(0);
  });
});

describe('bus master registers', () => {
  it('command keeps only start and direction; Active is read-only; error/interrupt are write-1-to-clear', async () => {
    const { rig } = await dmaRig();
    rig.bmWrite(0, BM.CMD, 0xff);
    expect(rig.bmRead(0, BM.CMD)).toBe(0x09);
    expect(rig.bmRead(0, BM.STATUS)).toBe(BM.ACTIVE);
    rig.bmWrite(0, BM.CMD, 0x00);
    expect(rig.bmRead(0, BM.STATUS)).toBe(0);
    rig.bmWrite(0, BM.STATUS, 0x67); // drive-capable bits stick; active/error/interrupt do not
    expect(rig.bmRead(0, BM.STATUS)).toBe(0x60);
    // Produce error + interrupt, then clear them one at a time.
    rig.bmSetup(0, 0xfff00000, true);
    rig.issue(0, 0, ATA.READ_DMA, { lba: 0, count: 1 });
    rig.bmStart(0, true);
    expect(rig.bmRead(0, BM.STATUS)).toBe(0x60 | BM.ERROR | BM.INTR);
    rig.bmWrite(0, BM.STATUS, 0x60 | BM.ERROR);
    expect(rig.bmRead(0, BM.STATUS)).toBe(0x60 | BM.INTR);
    rig.bmWrite(0, BM.STATUS, 0x60 | BM.INTR);
    expect(rig.bmRead(0, BM.STATUS)).toBe(0x60);
  });

  it('the PRD pointer is dword aligned and byte addressable; channel 1 sits at +8', async () => {
    const { rig } = await dmaRig();
    rig.bmWrite(0, BM.PRD, 0x12345677, 4);
    expect(rig.bmRead(0, BM.PRD, 4)).toBe(0x12345674);
    rig.bmWrite(0, BM.PRD + 3, 0xab);
    expect(rig.bmRead(0, BM.PRD, 4)).toBe(0xab345674);
    rig.bmWrite(1, BM.PRD, 0x1000, 4);
    expect(rig.bmRead(1, BM.PRD, 4)).toBe(0x1000);
    expect(rig.bmRead(0, BM.PRD, 4)).toBe(0xab345674);
    // Reserved bytes read 0; a dword read composes command/status.
    rig.bmWrite(1, BM.STATUS, 0x20);
    expect(rig.bmRead(1, 0, 4)).toBe(0x00200000);
    expect(rig.bmRead(0, 16, 1)).toBe(0xff);
  });

  it('a PCI reset clears the bus master registers and bus mastering', async () => {
    const { rig } = await dmaRig();
    rig.bmWrite(0, BM.PRD, 0x2000, 4);
    rig.bmWrite(0, BM.STATUS, 0x60);
    rig.core.reset(0);
    expect(rig.bmRead(0, BM.PRD, 4)).toBe(0);
    expect(rig.bmRead(0, BM.STATUS)).toBe(0);
    rig.prdTable(TABLE, [[0x20000, 512]]);
    rig.bmSetup(0, TABLE, true);
    rig.issue(0, 0, ATA.READ_DMA, { lba: 0, count: 1 });
    rig.bmStart(0, true);
    expect(rig.h.submitted).toHaveLength(0);
  });
});
