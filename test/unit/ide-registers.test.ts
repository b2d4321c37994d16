// PIIX3 IDE core: command/control block registers, device selection, interrupts, SRST
// and address decoding in legacy and native mode.

import { describe, expect, it } from 'vitest';
import { IRQ_PCI_INTA, SPACE_BAR0, SPACE_LEGACY_IO } from '../../src/workers/common/core-abi.js';
import { MemoryImage } from '../helpers/core-harness.js';
import { ATA, CTL, ERR, IdeRig, REG, ST, cdrom, disk } from './ide-driver.js';

describe('IDE task file registers', () => {
  it('both devices latch writes; each register reads back', async () => {
    const rig = await IdeRig.create({ drives: [disk(1000), disk(2000), null, null] });
    rig.select(0, 0);
    rig.outb(0, REG.COUNT, 0x12);
    rig.outb(0, REG.LBA_LOW, 0x34);
    rig.outb(0, REG.LBA_MID, 0x56);
    rig.outb(0, REG.LBA_HIGH, 0x78);
    expect([2, 3, 4, 5].map((r) => rig.inb(0, r))).toEqual([0x12, 0x34, 0x56, 0x78]);
    rig.select(0, 1);
    expect([2, 3, 4, 5].map((r) => rig.inb(0, r))).toEqual([0x12, 0x34, 0x56, 0x78]);
    expect(rig.inb(0, REG.DEVICE)).toBe(0x50);
  });

  it('HOB reads the previously written byte; any register write clears HOB', async () => {
    const rig = await IdeRig.create({ drives: [disk(1000), null, null, null] });
    rig.select(0, 0);
    rig.outb(0, REG.COUNT, 0xaa);
    rig.outb(0, REG.COUNT, 0xbb);
    rig.outb(0, REG.LBA_HIGH, 0x01);
    rig.outb(0, REG.LBA_HIGH, 0x02);
    rig.control(0, CTL.HOB);
    expect(rig.inb(0, REG.COUNT)).toBe(0xaa);
    expect(rig.inb(0, REG.LBA_HIGH)).toBe(0x01);
    rig.outb(0, REG.FEATURE, 0);
    expect(rig.inb(0, REG.COUNT)).toBe(0xbb);
  });

  it('power-on state: ATA signature, DRDY for the disk, diagnostic code in error', async () => {
    const rig = await IdeRig.create({ drives: [disk(1000), cdrom(4000), null, null] });
    rig.select(0, 0);
    expect(rig.status(0)).toBe(ST.DRDY | ST.DSC);
    expect(rig.error(0)).toBe(0x01);
    expect([rig.inb(0, REG.COUNT), rig.inb(0, REG.LBA_LOW), rig.inb(0, REG.LBA_MID), rig.inb(0, REG.LBA_HIGH)]).toEqual([1, 1, 0, 0]);
    rig.select(0, 1);
    expect(rig.status(0)).toBe(0);
  });
});

describe('absent devices', () => {
  it('an absent slave reads status 0 and ignores commands', async () => {
    const rig = await IdeRig.create({ drives: [disk(1000), null, null, null] });
    rig.select(0, 1);
    expect(rig.status(0)).toBe(0);
    expect(rig.altStatus(0)).toBe(0);
    rig.outb(0, REG.COMMAND, ATA.IDENTIFY);
    expect(rig.status(0)).toBe(0);
    expect(rig.h.irqChanges).toEqual([]);
    // The master is unaffected.
    rig.select(0, 0);
    expect(rig.status(0)).toBe(ST.DRDY | ST.DSC);
  });

  it('a channel with no devices reads 0 from every register', async () => {
    const rig = await IdeRig.create({ drives: [disk(1000), null, null, null] });
    for (let reg = 1; reg <= 7; reg++) expect(rig.inb(1, reg)).toBe(0);
    expect(rig.altStatus(1)).toBe(0);
  });

  it('after SRST the absent slave has no signature libata could mistake for a device', async () => {
    const rig = await IdeRig.create({ drives: [disk(1000), null, null, null] });
    rig.control(0, CTL.SRST);
    rig.control(0, 0);
    rig.select(0, 1);
    expect(rig.status(0)).toBe(0);
    expect(rig.inb(0, REG.LBA_MID)).toBe(0xff);
    expect(rig.inb(0, REG.LBA_HIGH)).toBe(0xff);
  });
});

describe('SRST', () => {
  it('holds both devices busy while set, then leaves ATA and ATAPI signatures', async () => {
    const rig = await IdeRig.create({ drives: [disk(1000), cdrom(4000), null, null] });
    rig.select(0, 1);
    rig.outb(0, REG.LBA_MID, 0x99);
    rig.control(0, CTL.SRST);
    expect(rig.altStatus(0) & ST.BSY).toBe(ST.BSY);
    rig.outb(0, REG.LBA_MID, 0x33); // ignored while in reset
    rig.control(0, 0);
    // Device 0 is selected after reset.
    expect(rig.inb(0, REG.DEVICE) & 0x10).toBe(0);
    expect(rig.status(0)).toBe(ST.DRDY | ST.DSC);
    expect([rig.inb(0, REG.COUNT), rig.inb(0, REG.LBA_LOW), rig.inb(0, REG.LBA_MID), rig.inb(0, REG.LBA_HIGH)]).toEqual([1, 1, 0, 0]);
    expect(rig.error(0)).toBe(0x01);
    rig.select(0, 1);
    // ATAPI: DRDY clear, signature 14h/EBh.
    expect(rig.status(0)).toBe(0);
    expect([rig.inb(0, REG.COUNT), rig.inb(0, REG.LBA_LOW), rig.inb(0, REG.LBA_MID), rig.inb(0, REG.LBA_HIGH)]).toEqual([1, 1, 0x14, 0xeb]);
    expect(rig.error(0)).toBe(0x01);
  });

  it('aborts a PIO transfer and drops its pending interrupt', async () => {
    const rig = await IdeRig.create({ drives: [disk(1000), null, null, null] });
    rig.issue(0, 0, ATA.IDENTIFY);
    expect(rig.irq(0)).toBe(true);
    rig.control(0, CTL.SRST);
    expect(rig.irq(0)).toBe(false);
    rig.control(0, 0);
    expect(rig.status(0)).toBe(ST.DRDY | ST.DSC);
    expect(rig.inw(0)).toBe(0); // no data phase any more
  });
});

describe('interrupts', () => {
  it('reading STATUS clears INTRQ, reading ALTSTATUS does not', async () => {
    const rig = await IdeRig.create({ drives: [disk(1000), null, null, null] });
    rig.issue(0, 0, 0x00); // NOP: aborts, with an interrupt
    expect(rig.irq(0)).toBe(true);
    expect(rig.altStatus(0)).toBe(ST.DRDY | ST.ERR);
    expect(rig.irq(0)).toBe(true);
    expect(rig.status(0)).toBe(ST.DRDY | ST.ERR);
    expect(rig.irq(0)).toBe(false);
    expect(rig.h.irqChanges).toEqual([
      { line: 14, level: 1 },
      { line: 14, level: 0 },
    ]);
  });

  it('nIEN masks INTRQ; clearing it with an interrupt pending asserts the line', async () => {
    const rig = await IdeRig.create({ drives: [disk(1000), null, null, null] });
    rig.control(0, CTL.NIEN);
    rig.issue(0, 0, 0x00);
    expect(rig.irq(0)).toBe(false);
    expect(rig.h.irqChanges).toEqual([]);
    rig.control(0, 0);
    expect(rig.irq(0)).toBe(true);
    rig.control(0, CTL.NIEN);
    expect(rig.irq(0)).toBe(false);
  });

  it('writing a command clears a pending interrupt', async () => {
    const rig = await IdeRig.create({ drives: [disk(1000), null, null, null] });
    rig.issue(0, 0, 0x00);
    expect(rig.irq(0)).toBe(true);
    rig.outb(0, REG.COMMAND, ATA.CHECK_POWER_MODE);
    // Cleared, then raised again by the new command's completion.
    expect(rig.h.irqChanges.map((c) => c.level)).toEqual([1, 0, 1]);
  });

  it('channel 1 uses IRQ 15 in legacy mode', async () => {
    const rig = await IdeRig.create({ drives: [null, null, disk(1000), null] });
    rig.issue(1, 0, 0x00);
    expect(rig.h.irq(15)).toBe(1);
    expect(rig.h.irq(14)).toBe(0);
  });

  it('native mode: both channels share INTA, which stays up until both are quiet', async () => {
    const rig = await IdeRig.create({ mode: 'native', drives: [disk(1000), null, disk(1000), null] });
    rig.issue(0, 0, 0x00);
    rig.issue(1, 0, 0x00);
    expect(rig.h.irq(IRQ_PCI_INTA)).toBe(1);
    rig.status(0);
    expect(rig.h.irq(IRQ_PCI_INTA)).toBe(1);
    rig.status(1);
    expect(rig.h.irq(IRQ_PCI_INTA)).toBe(0);
    expect(rig.h.irqChanges).toEqual([
      { line: IRQ_PCI_INTA, level: 1 },
      { line: IRQ_PCI_INTA, level: 0 },
    ]);
  });
});

describe('commands', () => {
  it('an unknown command aborts with ERR+DRDY and ABRT', async () => {
    const rig = await IdeRig.create({ drives: [disk(1000), null, null, null] });
    rig.issue(0, 0, 0xb0); // SMART: not implemented
    expect(rig.status(0)).toBe(ST.DRDY | ST.ERR);
    expect(rig.error(0)).toBe(ERR.ABRT);
  });

  it('a command written while BSY is ignored, and so are register writes', async () => {
    const rig = await IdeRig.create({
      drives: [disk(1000), disk(1000), null, null],
      images: { 0: MemoryImage.patterned(1000) },
    });
    rig.issue(0, 0, ATA.READ_SECTORS, { lba: 5, count: 1 });
    expect(rig.altStatus(0) & ST.BSY).toBe(ST.BSY);
    expect(rig.h.pending).toHaveLength(1);
    rig.outb(0, REG.COMMAND, ATA.IDENTIFY);
    rig.outb(0, REG.LBA_LOW, 0x77);
    rig.select(0, 1); // device register writes are ignored too
    expect(rig.h.submitted).toHaveLength(1);
    rig.h.flush();
    expect(rig.inb(0, REG.DEVICE) & 0x10).toBe(0);
    expect(rig.inb(0, REG.LBA_LOW)).toBe(5);
    expect(rig.status(0)).toBe(ST.DRDY | ST.DSC | ST.DRQ);
  });

  it('a command while DRQ is set is ignored', async () => {
    const rig = await IdeRig.create({ drives: [disk(1000), null, null, null] });
    rig.issue(0, 0, ATA.IDENTIFY);
    const first = rig.inw(0);
    rig.outb(0, REG.COMMAND, 0x00);
    expect(rig.status(0) & (ST.DRQ | ST.ERR)).toBe(ST.DRQ);
    expect(first).toBe(0x0040);
  });
});

describe('address decoding', () => {
  it('legacy mode: ports claimed, 3F7h and native BARs not', async () => {
    const rig = await IdeRig.create({ drives: [disk(1000), null, null, null] });
    expect(rig.core.io_read(SPACE_LEGACY_IO, 0x3f7n, 1)).toBe(0xffn);
    expect(rig.core.io_read(SPACE_BAR0, 7n, 1)).toBe(0xffn);
    expect(rig.core.io_read(SPACE_LEGACY_IO, 0x1f7n, 1)).toBe(BigInt(ST.DRDY | ST.DSC));
    // 8-bit data port access moves no data.
    expect(rig.core.io_read(SPACE_LEGACY_IO, 0x1f0n, 1)).toBe(0xffn);
  });

  it('native mode: 16-byte BARs read FFh beyond their registers, legacy ports are free', async () => {
    const rig = await IdeRig.create({ mode: 'native', drives: [disk(1000), null, null, null] });
    expect(rig.core.io_read(SPACE_LEGACY_IO, 0x1f7n, 1)).toBe(0xffn);
    expect(rig.core.io_read(SPACE_BAR0, 7n, 1)).toBe(BigInt(ST.DRDY | ST.DSC));
    for (let off = 8; off < 16; off++) expect(rig.core.io_read(SPACE_BAR0, BigInt(off), 1)).toBe(0xffn);
    expect(rig.core.io_read(SPACE_BAR0 + 1, 0n, 1)).toBe(0xffn);
    expect(rig.core.io_read(SPACE_BAR0 + 1, 2n, 1)).toBe(BigInt(ST.DRDY | ST.DSC));
    expect(rig.core.io_read(SPACE_BAR0 + 1, 0n, 4)).toBe(0xff50ffffn);
    expect(rig.core.io_read(SPACE_BAR0, 16n, 1)).toBe(0xffn);
    // Writes beyond the registers are dropped, not wrapped onto them.
    rig.core.io_write(SPACE_BAR0 + 1, 10n, 1, BigInt(CTL.SRST));
    expect(rig.altStatus(0)).toBe(ST.DRDY | ST.DSC);
  });

  it('multi-byte accesses to 8-bit registers touch consecutive registers', async () => {
    const rig = await IdeRig.create({ drives: [disk(1000), null, null, null] });
    rig.core.io_write(SPACE_LEGACY_IO, 0x1f2n, 4, 0x04030201n); // count, LBA low/mid/high
    expect([rig.inb(0, 2), rig.inb(0, 3), rig.inb(0, 4), rig.inb(0, 5)]).toEqual([1, 2, 3, 4]);
    expect(rig.core.io_read(SPACE_LEGACY_IO, 0x1f2n, 2)).toBe(0x0201n);
  });

  it('odd sizes read all-ones and are ignored on write', async () => {
    const rig = await IdeRig.create({ drives: [disk(1000), null, null, null] });
    expect(rig.core.io_read(SPACE_LEGACY_IO, 0x1f7n, 3)).toBe(0xffffffn);
    rig.core.io_write(SPACE_LEGACY_IO, 0x1f7n, 8, 0xecn);
    expect(rig.altStatus(0)).toBe(ST.DRDY | ST.DSC);
  });
});
