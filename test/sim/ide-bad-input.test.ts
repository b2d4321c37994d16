// What a buggy or hostile guest driver can do to the IDE device, and what real hardware
// answers: a PRD table without EOT (SFF-8038i: "physical regions larger than the
// transfer" - interrupt with Active still set), a PRD walk or data region outside RAM
// (PCI master abort: bus-master Error bit), a transfer past the last sector (IDNF/ABRT),
// unknown opcodes (ABRT), register and command writes in the middle of a PIO transfer, SRST
// in the middle of a DMA transfer. Every case ends within the driver's bounded waits, and
// the device must keep working afterwards (checked with md5 after each case).

import { statSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { gpa } from '../../src/shared-mem/types.js';
import type { AtaDisk } from '../../src/host/transports/sim/drivers/ata-driver.js';
import { AtaError } from '../../src/host/transports/sim/drivers/ata-error.js';
import { recoverChannel } from '../../src/host/transports/sim/drivers/ata-eh.js';
import { Deadline } from '../../src/host/transports/sim/drivers/deadline.js';
import { GuestBuffer } from '../../src/host/transports/sim/drivers/guest-buffer.js';
import { PrdTable } from '../../src/host/transports/sim/drivers/prd-table.js';
import { execCommand, loadTaskfile, rwTaskfile, simpleTaskfile } from '../../src/host/transports/sim/drivers/ata-taskfile.js';
import {
  ATA_CMD_READ_DMA,
  ATA_CMD_READ_SECTORS,
  ATA_CMD_WRITE_DMA,
  ATA_CMD_WRITE_SECTORS,
  ATA_DEVCTL_SRST,
  ATA_ER_ABRT,
  ATA_ER_IDNF,
  ATA_REG_COMMAND,
  ATA_REG_ERROR,
  ATA_REG_LBAH,
  ATA_REG_LBAL,
  ATA_REG_LBAM,
  ATA_REG_NSECT,
  ATA_ST_BSY,
  ATA_ST_DRDY,
  ATA_ST_DRQ,
  ATA_ST_ERR,
  BM_ST_ACTIVE,
  BM_ST_ERROR,
  BM_ST_INTR,
} from '../../src/host/transports/sim/drivers/ata-regs.js';
import { patternBytes } from '../../src/host/sim-workload.js';
import { ScratchDir, readImage } from './support/scratch-images.js';
import { bootIde, disk, ide, md5, type BootedIde } from './support/ide-machine.js';

const MiB = 1024 * 1024;
const DISK_BYTES = 8 * MiB;
const RAM_BYTES = 64 * MiB;

describe('IDE under bad guest input', () => {
  let scratch: ScratchDir;
  let image: string;
  let sys: BootedIde;
  let d: AtaDisk;
  let mark: number;

  beforeAll(async () => {
    scratch = new ScratchDir();
    image = scratch.image('disk.img', DISK_BYTES);
    sys = await bootIde([ide('ide0', 'legacy', [disk(image)])], {
      ramBytes: RAM_BYTES,
      host: { timeouts: { commandMs: 3000, resetMs: 5000 } },
    });
    d = sys.hosts.get('ide0')!.disk(0);
    mark = sys.machine.bus.ram.mark();
  });

  afterAll(async () => {
    await sys?.machine.stop();
    scratch?.remove();
  });

  /** After every case: the device still moves data correctly by DMA and by PIO. */
  afterEach(async () => {
    const ram = sys.machine.bus.ram;
    ram.release(mark);
    const buf = GuestBuffer.scattered(ram, 64 * 512, { seed: 99 });
    for (const [lba, mode] of [[3000, 'dma'], [3100, 'pio-multiple']] as const) {
      const data = patternBytes(lba, 64, lba);
      buf.write(data);
      await d.write(lba, 64, buf, mode);
      buf.fill(0);
      await d.read(lba, 64, buf, mode);
      expect(md5(buf.read())).toBe(md5(data));
    }
    ram.release(mark);
  });

  async function expectAtaError(p: Promise<unknown>): Promise<AtaError> {
    const err = await p.then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(AtaError);
    return err as AtaError;
  }

  async function seed(lba: number, sectors: number): Promise<Uint8Array> {
    const buf = GuestBuffer.scattered(sys.machine.bus.ram, sectors * 512);
    const data = patternBytes(lba, sectors, 1);
    buf.write(data);
    await d.write(lba, sectors, buf, 'dma');
    return data;
  }

  it('PRD table without EOT that covers the transfer: completes, Interrupt set, Active still set', async () => {
    const ram = sys.machine.bus.ram;
    const data = await seed(500, 64);
    const buf = GuestBuffer.scattered(ram, 64 * 512, { seed: 3 });
    buf.fill(0);
    const table = ram.alloc(4096, 4096);
    ram.write(table, new Uint8Array(4096));
    const prd = PrdTable.writeEntries(ram, table, buf.segments.map((s) => ({ addr: s.addr, len: s.len, eot: false })));
    const r = await d.command({ tf: rwTaskfile(0, ATA_CMD_READ_DMA, 500, 64, 'lba28'), protocol: 'dma-in', prd });
    expect(r.bmStatus! & BM_ST_INTR).toBe(BM_ST_INTR);
    expect(r.bmStatus! & BM_ST_ERROR).toBe(0);
    // PIIX3 BMISX bit 0 is cleared only by the last region with EOT, or by clearing Start.
    expect(r.bmStatus! & BM_ST_ACTIVE).toBe(BM_ST_ACTIVE);
    expect(md5(buf.read())).toBe(md5(data));
  });

  it('PRD table without EOT that runs off the end of RAM: bus-master Error, driver resets', async () => {
    const ram = sys.machine.bus.ram;
    await seed(600, 8);
    const target = ram.alloc(512, 512);
    const lastEntry = gpa(RAM_BYTES - 8); // the walk's next fetch is past the end of RAM
    const prd = PrdTable.writeEntries(ram, lastEntry, [{ addr: target, len: 512, eot: false }]);
    const err = await expectAtaError(d.command({ tf: rwTaskfile(0, ATA_CMD_READ_DMA, 600, 8, 'lba28'), protocol: 'dma-in', prd }));
    expect(err.kind).toBe('host-bus');
    expect(err.bmStatus! & BM_ST_ERROR).toBe(BM_ST_ERROR);
  });

  it.each([
    ['READ DMA into a region past the end of RAM', ATA_CMD_READ_DMA, 'dma-in', RAM_BYTES + 0x100000, 4096],
    ['READ DMA into a region straddling the end of RAM', ATA_CMD_READ_DMA, 'dma-in', RAM_BYTES - 2048, 4096],
    ['WRITE DMA from a region far outside RAM', ATA_CMD_WRITE_DMA, 'dma-out', 0xc0000000, 4096],
  ] as const)('%s: master abort, bus-master Error bit', async (_name, opcode, protocol, addr, len) => {
    const ram = sys.machine.bus.ram;
    const before = readImage(image, 700 * 512, len);
    const table = ram.alloc(8, 8);
    const prd = PrdTable.writeEntries(ram, table, [{ addr, len, eot: true }]);
    const err = await expectAtaError(d.command({ tf: rwTaskfile(0, opcode, 700, len / 512, 'lba28'), protocol, prd }));
    expect(err.kind).toBe('host-bus');
    expect(err.bmStatus! & BM_ST_ERROR).toBe(BM_ST_ERROR);
    if (protocol === 'dma-out') expect(md5(readImage(image, 700 * 512, len))).toBe(md5(before)); // nothing invented was written
  });

  it.each(['dma', 'pio', 'pio-multiple'] as const)('%s past the last sector: ERR with IDNF/ABRT, image not grown', async (mode) => {
    const ram = sys.machine.bus.ram;
    const buf = GuestBuffer.scattered(ram, 8 * 512);
    buf.write(patternBytes(0, 8));
    for (const [lba, count] of [[d.sectors - 4, 8], [d.sectors, 1], [d.sectors + 1000, 8]] as const) {
      for (const dir of ['read', 'write'] as const) {
        const err = await expectAtaError(dir === 'read' ? d.read(lba, count, buf, mode) : d.write(lba, count, buf, mode));
        expect(err.kind).toBe('device');
        expect(err.status & ATA_ST_ERR).toBe(ATA_ST_ERR);
        expect(err.status & (ATA_ST_BSY | ATA_ST_DRQ)).toBe(0);
        expect(err.error & (ATA_ER_IDNF | ATA_ER_ABRT)).not.toBe(0);
      }
    }
    expect(statSync(image).size).toBe(DISK_BYTES);
  });

  it.each([0x00, 0x02, 0x5a, 0xfe])('unknown or unsupported opcode %s: ABRT with DRDY|ERR', async (opcode) => {
    const err = await expectAtaError(d.command({ tf: simpleTaskfile(0, opcode), protocol: 'non-data' }));
    expect(err.kind).toBe('device');
    expect(err.aborted).toBe(true);
    expect(err.status & (ATA_ST_DRDY | ATA_ST_ERR | ATA_ST_BSY | ATA_ST_DRQ)).toBe(ATA_ST_DRDY | ATA_ST_ERR);
  });

  it('taskfile and command writes while a PIO read holds DRQ: ignored (or aborted), never wrong data', async () => {
    const ram = sys.machine.bus.ram;
    const data = await seed(800, 8);
    const ch = d.channel;
    const buf = GuestBuffer.scattered(ram, 8 * 512);
    buf.fill(0);
    await ch.lock.run(async () => {
      const deadline = new Deadline(3000);
      const ready = () => ch.waitForInterrupt(deadline, async () => ((await ch.altStatus()) & ATA_ST_BSY) === 0);
      await ch.selectDevice(0);
      await loadTaskfile(ch, rwTaskfile(0, ATA_CMD_READ_SECTORS, 800, 8, 'lba28'));
      await execCommand(ch, ATA_CMD_READ_SECTORS);
      expect(await ready()).toBe(true);
      expect((await ch.status()) & ATA_ST_DRQ).toBe(ATA_ST_DRQ);
      await ch.pioIn(buf, 0, 512, 2);
      expect(await ready()).toBe(true);
      expect((await ch.status()) & ATA_ST_DRQ).toBe(ATA_ST_DRQ);
      // The guest scribbles over the taskfile and issues another command mid-transfer.
      await ch.write(ATA_REG_NSECT, 0x55);
      await ch.write(ATA_REG_LBAL, 0x66);
      await ch.write(ATA_REG_LBAM, 0x77);
      await ch.write(ATA_REG_LBAH, 0x88);
      await ch.write(ATA_REG_COMMAND, ATA_CMD_WRITE_SECTORS);
      const after = await ch.altStatus();
      if (after & ATA_ST_DRQ) {
        // Ignored, as ATA requires of commands written while DRQ is set: the read goes on.
        for (let block = 1; block < 8; block++) {
          if (block > 1) {
            expect(await ready()).toBe(true);
            expect((await ch.status()) & ATA_ST_DRQ).toBe(ATA_ST_DRQ);
          }
          await ch.pioIn(buf, block * 512, 512, 2);
        }
        const end = await ch.waitNotBusy(deadline);
        expect(end.ok).toBe(true);
        const final = await ch.status();
        expect(final & (ATA_ST_DRQ | ATA_ST_ERR)).toBe(0);
        expect(md5(buf.read())).toBe(md5(data));
      } else {
        // Or the device aborted the transfer: then it must say so.
        const status = await ch.status();
        expect(status & ATA_ST_ERR).toBe(ATA_ST_ERR);
        expect((await ch.read(ATA_REG_ERROR)) & ATA_ER_ABRT).toBe(ATA_ER_ABRT);
      }
    });
    // Whatever happened, the sectors on disk are untouched (the WRITE SECTORS never ran).
    expect(md5(readImage(image, 800 * 512, 8 * 512))).toBe(md5(data));
  });

  it('SRST in the middle of a DMA transfer: the device resets, shows its ATA signature, and recovers', async () => {
    const ram = sys.machine.bus.ram;
    const ch = d.channel;
    const bm = ch.bm!;
    const buf = GuestBuffer.scattered(ram, 2048 * 512);
    await ch.lock.run(async () => {
      const prd = PrdTable.build(ram, buf.segments, ch.prdArea, 8192);
      await ch.selectDevice(0);
      await bm.setup(prd.addr, true);
      await loadTaskfile(ch, rwTaskfile(0, ATA_CMD_READ_DMA, 0, 256, 'lba28'));
      await execCommand(ch, ATA_CMD_READ_DMA);
      await bm.start();
      const ctl = ch.currentDeviceControl;
      await ch.writeDeviceControl(ctl | ATA_DEVCTL_SRST);
      await ch.writeDeviceControl(ctl);
      await bm.stop();
      await bm.clearStatus();
      const idle = await ch.waitNotBusy(new Deadline(5000));
      expect(idle.ok).toBe(true);
      await ch.selectDevice(0);
      expect([await ch.read(ATA_REG_LBAM), await ch.read(ATA_REG_LBAH)]).toEqual([0, 0]);
      expect(await ch.read(ATA_REG_ERROR)).toBe(0x01); // diagnostic code: passed
      // libata EH: reset again and put the device back into its configured modes.
      await recoverChannel(ch);
    });
  });
});
