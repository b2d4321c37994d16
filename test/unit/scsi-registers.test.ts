// LSI53C895A core: the operating registers as a driver sees them through the I/O and memory
// BARs — reset values, access widths, read-only and self-clearing bits, DSTAT / SIST
// read-to-clear, interrupt stacking, INTF, the INTA# level, ISTAT ABRT / SRST / SIGP, the
// SCSI bus reset, SCRIPTS RAM through BAR2 and the general purpose timer.

import { describe, expect, it } from 'vitest';
import { encodeScsiConfig } from '../../src/workers/scsi/config.js';
import { loadCore } from '../helpers/core-harness.js';
import {
  DSTAT, ISTAT, LsiRig, R, RAM_BAR, SIST0, SIST1, SPACE_IO, SPACE_MMIO, SPACE_RAM, TIMER_GENERAL, testTarget,
} from './scsi-rig.js';
import { Script } from './scsi-assembler.js';

const SCRIPT = 0x1000;

/** A script that stops with SIR and vector `vector`. */
function intScript(vector: number, base = SCRIPT): Script {
  return new Script(base).int(vector);
}

describe('reset values and access widths', () => {
  it('has the documented power-on values', async () => {
    const rig = await LsiRig.create();
    expect(rig.read(R.SCNTL0)).toBe(0xc0);
    expect(rig.read(R.SCID)).toBe(0x07);
    expect(rig.read(R.ISTAT)).toBe(0);
    expect(rig.read(R.DSTAT)).toBe(DSTAT.DFE); // FIFO empty, no interrupt
    expect(rig.read(R.CTEST1)).toBe(0xf0);
    expect(rig.read(R.STEST4) & 0xe0).toBe(0xe0); // LVD, clock locked
    expect(rig.read32(R.DSP)).toBe(0);
    expect(rig.read(R.SSTAT2) & 0x02).toBe(0x02); // not connected
    expect(rig.irq()).toBe(false);
  });

  it('reads and writes 32-bit registers as bytes, words and dwords at any offset', async () => {
    const rig = await LsiRig.create();
    rig.write32(R.DSA, 0x12345678);
    expect(rig.read(R.DSA + 1, 1)).toBe(0x56);
    expect(rig.read(R.DSA + 1, 2)).toBe(0x3456);
    expect(rig.read(R.DSA + 2, 2)).toBe(0x1234);
    rig.write(R.DSA + 3, 0xab);
    rig.write(R.DSA + 1, 0xcdef, 2);
    expect(rig.read32(R.DSA)).toBe(0xabcdef78);
    // A dword across two registers: DSA3 then ISTAT (which ignores read-only bits).
    rig.write32(R.SCRATCHA, 0xdeadbeef);
    rig.write32(R.SCRATCHB, 0x01020304);
    rig.write32(R.SCRATCHC + 0x3c, 0x55aa55aa); // SCRATCHR
    expect(rig.read32(R.SCRATCHA)).toBe(0xdeadbeef);
    expect(rig.read32(R.SCRATCHB)).toBe(0x01020304);
    expect(rig.read32(R.SCRATCHC + 0x3c)).toBe(0x55aa55aa);
    rig.write32(R.PMJAD1, 0x1000);
    rig.write32(R.IA, 0x2000);
    expect([rig.read32(R.PMJAD1), rig.read32(R.IA)]).toEqual([0x1000, 0x2000]);
  });

  it('mirrors the 256 register bytes four times in the 1 KiB memory BAR', async () => {
    const rig = await LsiRig.create();
    rig.write32(R.TEMP, 0xcafef00d);
    for (const mirror of [0, 0x100, 0x200, 0x300]) {
      expect(Number(rig.core.io_read(SPACE_MMIO, BigInt(mirror + R.TEMP), 4))).toBe(0xcafef00d);
    }
    rig.core.io_write(SPACE_MMIO, BigInt(0x300 + R.SCRATCHB), 4, 0x11223344n);
    expect(rig.read32(R.SCRATCHB)).toBe(0x11223344);
    // 8-byte memory access: two registers' worth of bytes.
    expect(rig.core.io_read(SPACE_MMIO, BigInt(R.TEMP), 8)).toBe(0xcafef00dn);
  });

  it('reads all-ones outside the BARs and for bad widths, and ignores such writes', async () => {
    const rig = await LsiRig.create();
    expect(rig.core.io_read(SPACE_IO, 0x100n, 1)).toBe(0xffn);
    expect(rig.core.io_read(SPACE_IO, 0xfen, 4)).toBe(0xffffffffn);
    expect(rig.core.io_read(SPACE_IO, 0n, 3)).toBe(0xffffffn);
    expect(rig.core.io_read(SPACE_MMIO, 0x400n, 2)).toBe(0xffffn);
    expect(rig.core.io_read(SPACE_RAM, 0x2000n, 4)).toBe(0xffffffffn);
    expect(rig.core.io_read(SPACE_BAR_UNUSED, 0n, 4)).toBe(0xffffffffn);
    rig.core.io_write(SPACE_IO, 0x100n, 4, 0x12345678n);
    rig.core.io_write(SPACE_RAM, 0x1ffen, 4, 0x12345678n);
    expect(rig.core.io_read(SPACE_RAM, 0x1ffcn, 4)).toBe(0n);
  });

  it('ignores writes to read-only registers and masks reserved bits', async () => {
    const rig = await LsiRig.create();
    for (const r of [R.SSID, R.SBCL, R.DSTAT, R.SSTAT0, R.SSTAT1, R.SSTAT2, R.SIST0, R.SIST1, R.CTEST1]) rig.write(r, 0xff);
    expect(rig.read(R.SSID)).toBe(0);
    expect(rig.read(R.SBCL)).toBe(0);
    expect(rig.read(R.DSTAT)).toBe(DSTAT.DFE);
    expect(rig.read(R.SIST0)).toBe(0);
    rig.write(R.SDID, 0xff);
    expect(rig.read(R.SDID)).toBe(0x0f);
    rig.write(R.ISTAT, ISTAT.CON | ISTAT.SIP | ISTAT.DIP); // status bits: not writable
    expect(rig.read(R.ISTAT)).toBe(0);
    rig.write(R.CTEST3, 0x0f); // FLF / CLF self-clear
    expect(rig.read(R.CTEST3) & 0x0c).toBe(0);
    rig.write(R.DCNTL, 0x40 | 0x10); // PFF self-clears, SSM stays
    expect(rig.read(R.DCNTL)).toBe(0x10);
  });

  it('PCI configuration registers above 3Fh read 0', async () => {
    const rig = await LsiRig.create();
    expect(rig.core.pci_config_read(0x40, 4)).toBe(0);
    expect(rig.core.pci_config_read(0xfc, 4)).toBe(0);
  });
});

describe('interrupts', () => {
  it('an INT instruction stops SCRIPTS with DSTAT SIR, the vector in DSPS; reading DSTAT clears it', async () => {
    const rig = await LsiRig.create();
    rig.load(intScript(0xab));
    rig.write(R.DIEN, DSTAT.SIR);
    rig.start(SCRIPT);
    expect(rig.read(R.ISTAT) & (ISTAT.DIP | ISTAT.SIP)).toBe(ISTAT.DIP);
    expect(rig.irq()).toBe(true);
    expect(rig.read32(R.DSPS)).toBe(0xab);
    expect(rig.read32(R.DSP)).toBe(SCRIPT + 8);
    expect(rig.running()).toBe(false);
    expect(rig.read(R.DSTAT)).toBe(DSTAT.DFE | DSTAT.SIR);
    expect(rig.read(R.ISTAT) & ISTAT.DIP).toBe(0);
    expect(rig.irq()).toBe(false);
    expect(rig.read(R.DSTAT)).toBe(DSTAT.DFE);
  });

  it('a masked DMA interrupt still stops SCRIPTS and sets DIP but leaves INTA# alone', async () => {
    const rig = await LsiRig.create();
    rig.load(intScript(1));
    rig.start(SCRIPT);
    expect(rig.running()).toBe(false);
    expect(rig.read(R.ISTAT) & ISTAT.DIP).toBe(ISTAT.DIP);
    expect(rig.irq()).toBe(false);
    // Enabling it afterwards raises the pin; DCNTL IRQD holds it low.
    rig.write(R.DIEN, DSTAT.SIR);
    expect(rig.irq()).toBe(true);
    rig.write(R.DCNTL, 0x02);
    expect(rig.irq()).toBe(false);
    rig.write(R.DCNTL, 0x00);
    expect(rig.irq()).toBe(true);
  });

  it('stacks a SCSI interrupt behind a pending DMA interrupt and shows it once DSTAT was read', async () => {
    const rig = await LsiRig.create();
    rig.write(R.DIEN, DSTAT.SIR);
    rig.write(R.SIEN0, SIST0.RST);
    rig.load(intScript(7));
    rig.start(SCRIPT);
    expect(rig.read(R.ISTAT) & 3).toBe(ISTAT.DIP);
    // SCSI bus reset while the SIR is pending: stacked, not yet visible.
    rig.write(R.SCNTL1, 0x08);
    rig.write(R.SCNTL1, 0x00);
    expect(rig.read(R.ISTAT) & 3).toBe(ISTAT.DIP);
    expect(rig.read(R.DSTAT)).toBe(DSTAT.DFE | DSTAT.SIR);
    // The stacked one moves in and keeps the interrupt asserted.
    expect(rig.read(R.ISTAT) & 3).toBe(ISTAT.SIP);
    expect(rig.irq()).toBe(true);
    expect(rig.read(R.SIST0)).toBe(SIST0.RST);
    expect(rig.read(R.ISTAT) & 3).toBe(0);
    expect(rig.irq()).toBe(false);
  });

  it('stacks a second DMA interrupt behind a first', async () => {
    const rig = await LsiRig.create();
    rig.load(intScript(1));
    rig.start(SCRIPT);
    rig.write(R.ISTAT, ISTAT.ABRT); // ABRT while SIR is pending
    rig.write(R.ISTAT, 0);
    expect(rig.read(R.DSTAT)).toBe(DSTAT.DFE | DSTAT.SIR);
    expect(rig.read(R.DSTAT)).toBe(DSTAT.DFE | DSTAT.ABRT);
    expect(rig.read(R.DSTAT)).toBe(DSTAT.DFE);
  });

  it('a masked non-fatal interrupt (GEN) posts to SIST1 without SIP, stacking or INTA#', async () => {
    const rig = await LsiRig.create();
    rig.write(R.STIME1, 0x03);
    expect(rig.timers.get(TIMER_GENERAL)).toBe(500_000n);
    rig.timers.delete(TIMER_GENERAL);
    rig.core.timer_fired(TIMER_GENERAL);
    expect(rig.read(R.ISTAT) & 3).toBe(0);
    expect(rig.irq()).toBe(false);
    expect(rig.read(R.SIST1)).toBe(SIST1.GEN);
    // Enabled, the same event is a SCSI interrupt.
    rig.write(R.SIEN1, SIST1.GEN);
    rig.write(R.STIME1, 0x01);
    expect(rig.timers.get(TIMER_GENERAL)).toBe(125_000n);
    rig.core.timer_fired(TIMER_GENERAL);
    expect(rig.read(R.ISTAT) & 3).toBe(ISTAT.SIP);
    expect(rig.irq()).toBe(true);
    expect(rig.read(R.SIST1)).toBe(SIST1.GEN);
    expect(rig.irq()).toBe(false);
    rig.write(R.STIME1, 0);
    expect(rig.timers.has(TIMER_GENERAL)).toBe(false);
  });

  it('INTFLY raises INTF without stopping; writing 1 to INTF clears it', async () => {
    const rig = await LsiRig.create();
    rig.load(new Script(SCRIPT).intFly(0x55).int(0x66));
    rig.start(SCRIPT);
    expect(rig.read(R.ISTAT) & (ISTAT.INTF | ISTAT.DIP)).toBe(ISTAT.INTF | ISTAT.DIP);
    expect(rig.read32(R.DSPS)).toBe(0x66); // it ran on to the INT
    expect(rig.irq()).toBe(true);
    rig.read(R.DSTAT);
    expect(rig.irq()).toBe(true); // INTF alone still interrupts
    rig.write(R.ISTAT, ISTAT.INTF);
    expect(rig.read(R.ISTAT) & ISTAT.INTF).toBe(0);
    expect(rig.irq()).toBe(false);
  });

  it('ISTAT ABRT aborts running SCRIPTS, and reports ABRT even when idle', async () => {
    const rig = await LsiRig.create();
    rig.load(new Script(SCRIPT).label('spin').jump('spin'));
    rig.start(SCRIPT, { drain: false });
    expect(rig.running()).toBe(true); // it yielded
    rig.write(R.ISTAT, ISTAT.ABRT);
    expect(rig.running()).toBe(false);
    expect(rig.read(R.ISTAT) & (ISTAT.ABRT | ISTAT.DIP)).toBe(ISTAT.ABRT | ISTAT.DIP);
    expect(rig.read(R.DSTAT) & DSTAT.ABRT).toBe(DSTAT.ABRT);
    rig.write(R.ISTAT, 0);
    expect(rig.drainYields()).toBe(0); // nothing left to run
    rig.write(R.ISTAT, ISTAT.ABRT);
    expect(rig.read(R.DSTAT) & DSTAT.ABRT).toBe(DSTAT.ABRT);
  });

  it('ISTAT SRST resets the chip registers and holds them while set', async () => {
    const rig = await LsiRig.create();
    rig.write32(R.DSA, 0x1234);
    rig.write(R.SCID, 0x45);
    rig.write(R.DIEN, 0x7f);
    rig.load(intScript(1));
    rig.start(SCRIPT);
    rig.write(R.ISTAT, ISTAT.SRST);
    expect(rig.read(R.ISTAT)).toBe(ISTAT.SRST);
    rig.write(R.ISTAT, 0);
    expect(rig.read32(R.DSA)).toBe(0);
    expect(rig.read(R.SCID)).toBe(0x07);
    expect(rig.read(R.DIEN)).toBe(0);
    expect(rig.read(R.DSTAT)).toBe(DSTAT.DFE);
    // The SCRIPTS RAM and PCI setup survive a chip reset.
    rig.core.io_write(SPACE_RAM, 0n, 4, 0x77n);
    rig.write(R.ISTAT, ISTAT.SRST);
    rig.write(R.ISTAT, 0);
    expect(rig.core.io_read(SPACE_RAM, 0n, 4)).toBe(0x77n);
  });

  it('SCNTL1 RST asserts SCSI RST/: SIST0 RST, SSTAT0 IRST while held', async () => {
    const rig = await LsiRig.create();
    rig.write(R.SIEN0, SIST0.RST);
    rig.write(R.SCNTL1, 0x08);
    expect(rig.read(R.SSTAT0) & 0x02).toBe(0x02);
    expect(rig.irq()).toBe(true);
    rig.write(R.SCNTL1, 0x00);
    expect(rig.read(R.SSTAT0) & 0x02).toBe(0);
    expect(rig.read(R.SIST0)).toBe(SIST0.RST);
    expect(rig.irq()).toBe(false);
  });

  it('SIGP is set and cleared through ISTAT, and reading CTEST2 clears it', async () => {
    const rig = await LsiRig.create();
    rig.write(R.ISTAT, ISTAT.SIGP | ISTAT.SEM);
    expect(rig.read(R.ISTAT) & (ISTAT.SIGP | ISTAT.SEM)).toBe(ISTAT.SIGP | ISTAT.SEM);
    expect(rig.read(R.CTEST2) & 0x40).toBe(0x40);
    expect(rig.read(R.ISTAT) & ISTAT.SIGP).toBe(0);
    expect(rig.read(R.CTEST2) & 0x40).toBe(0);
    expect(rig.read(R.ISTAT) & ISTAT.SEM).toBe(ISTAT.SEM);
  });
});

describe('SCRIPTS RAM and configuration', () => {
  it('BAR2 reads and writes the 8 KiB RAM at every width', async () => {
    const rig = await LsiRig.create();
    rig.core.io_write(SPACE_RAM, 0x10n, 8, 0x0807060504030201n);
    expect(rig.core.io_read(SPACE_RAM, 0x10n, 1)).toBe(0x01n);
    expect(rig.core.io_read(SPACE_RAM, 0x11n, 2)).toBe(0x0302n);
    expect(rig.core.io_read(SPACE_RAM, 0x14n, 4)).toBe(0x08070605n);
    rig.core.io_write(SPACE_RAM, 0x1ffcn, 4, 0xaabbccddn);
    expect(rig.core.io_read(SPACE_RAM, 0x1ffcn, 4)).toBe(0xaabbccddn);
  });

  it('runs SCRIPTS from its RAM at the BAR2 address', async () => {
    const rig = await LsiRig.create();
    rig.load(intScript(0x99, RAM_BAR + 0x100));
    rig.start(RAM_BAR + 0x100);
    expect(rig.read32(R.DSPS)).toBe(0x99);
    expect(rig.read(R.DSTAT) & DSTAT.SIR).toBe(DSTAT.SIR);
  });

  it('refuses malformed configurations without changing the device', async () => {
    const h = await loadCore('scsi');
    const good = encodeScsiConfig({ targets: [testTarget(64)] });
    expect(h.init(good)).toBe(0);
    expect(h.init(good.subarray(0, 100))).toBe(1);
    const badMagic = good.slice();
    badMagic[0] ^= 1;
    expect(h.init(badMagic)).toBe(2);
    const badSlots = good.slice();
    badSlots[4] = 8;
    expect(h.init(badSlots)).toBe(3);
    const atHostId = good.slice();
    atHostId.set(good.subarray(16, 96), 16 + 7 * 80);
    expect(h.init(atHostId)).toBe(4);
    const oddBlocks = good.slice();
    oddBlocks[16 + 2] = 0x00;
    oddBlocks[16 + 3] = 0x03; // 768-byte blocks
    expect(h.init(oddBlocks)).toBe(4);
  });
});

const SPACE_BAR_UNUSED = 5;
