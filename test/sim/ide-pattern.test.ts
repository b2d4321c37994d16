// Pattern write / read back with md5 through every data path the driver has: DMA over
// scattered PRDs, PIO one sector per DRQ block, PIO MULTIPLE, 32-bit PIO; and the data must
// really be in the image file afterwards, at the right offset. The register shadow runs in
// its checking mode here: every alternate status and bus master read it could answer also
// goes through the ring, and machine.stop() fails if any answer differed.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AtaTransfer } from '../../src/host/transports/sim/drivers/ata-driver.js';
import type { AtaDisk } from '../../src/host/transports/sim/drivers/ata-driver.js';
import { GuestBuffer } from '../../src/host/transports/sim/drivers/guest-buffer.js';
import { PiixIdeHost } from '../../src/host/transports/sim/drivers/piix-ide.js';
import { BM_ST_INTR, XFER_MW_DMA_0 } from '../../src/host/transports/sim/drivers/ata-regs.js';
import { patternBytes } from '../../src/host/sim-workload.js';
import { ScratchDir, readImage } from './support/scratch-images.js';
import { bootIde, disk, ide, md5, patternRoundTrip, type BootedIde } from './support/ide-machine.js';

const MiB = 1024 * 1024;

describe.each(['writeback', 'none'] as const)('IDE pattern write/read (cache=%s)', (cache) => {
  let scratch: ScratchDir;
  let image: string;
  let sys: BootedIde;
  let d: AtaDisk;

  beforeAll(async () => {
    scratch = new ScratchDir();
    image = scratch.image('disk.img', 32 * MiB);
    sys = await bootIde([ide('ide0', 'legacy', [disk(image, { cache })])], { registerShadow: 'verify' });
    d = sys.hosts.get('ide0')!.disk(0);
  });

  afterAll(async () => {
    await sys?.machine.stop();
    scratch?.remove();
  });

  it('identified the disk and set multiword DMA mode 2 and multiple mode', () => {
    expect(d.sectors).toBe((32 * MiB) / 512);
    expect(d.identity.model.length).toBeGreaterThan(0);
    expect(d.identity.dmaSupported).toBe(true);
    expect(d.xferMode).toBe(XFER_MW_DMA_0 + 2);
    expect(d.identity.mwdmaSelected).toBe(1 << 2); // the device confirms the mode in word 63
    expect(d.identity.udmaSelected).toBe(0);
    expect(d.multipleCount).toBeGreaterThan(0);
    expect(d.identity.currentMultiple).toBe(d.multipleCount);
  });

  const roundTrip = (lba: number, sectors: number, write: AtaTransfer, read: AtaTransfer, seed: number) =>
    patternRoundTrip(sys, d, image, lba, sectors, { write, read }, seed);

  it('DMA with one PRD per scattered page, several commands per request', async () => {
    await roundTrip(1000, 5000, 'dma', 'dma', 1); // 5000 sectors: split at max_sectors
  });

  it('PIO, one sector per DRQ block', async () => {
    await roundTrip(20000, 300, 'pio', 'pio', 2);
  });

  it('PIO MULTIPLE, a partial last DRQ block', async () => {
    await roundTrip(30001, 8 * d.multipleCount + 3, 'pio-multiple', 'pio-multiple', 3);
  });

  it('PIO interrupts leave no stale bus-master Interrupt bit behind (the next DMA would see it)', async () => {
    await roundTrip(45000, 16, 'pio', 'pio-multiple', 8);
    expect((await d.channel.bm!.status()) & BM_ST_INTR).toBe(0);
    await roundTrip(45100, 16, 'dma', 'dma', 9);
  });

  it('data written by DMA reads back by PIO and the other way round', async () => {
    await roundTrip(40000, 64, 'dma', 'pio', 4);
    await roundTrip(41000, 64, 'pio-multiple', 'dma', 5);
  });

  it('32-bit PIO on the Data register', async () => {
    const host32 = await PiixIdeHost.attach(sys.machine.bus, sys.bios.config, sys.bios.byBdf(sys.bdfOf('ide0')), { disk: { pioWidth: 4 } });
    const d32 = host32.disk(0);
    const ram = sys.machine.bus.ram;
    const mark = ram.mark();
    try {
      const buf = GuestBuffer.scattered(ram, 40 * 512, { seed: 9 });
      const data = patternBytes(50000, 40, 9);
      buf.write(data);
      await d32.write(50000, 40, buf, 'pio-multiple');
      buf.fill(0);
      await d32.read(50000, 40, buf, 'pio');
      expect(md5(buf.read())).toBe(md5(data));
      expect(md5(readImage(image, 50000 * 512, 40 * 512))).toBe(md5(data));
    } finally {
      ram.release(mark);
    }
  });

  it('the first and the last sector of the disk', async () => {
    await roundTrip(0, 1, 'dma', 'pio', 6);
    await roundTrip(d.sectors - 1, 1, 'pio', 'dma', 7);
  });

  it('checked the register shadow against the device on the way, and it always agreed', async () => {
    const stats = await sys.machine.stats('ide0');
    expect(stats.shadowChecks).toBeGreaterThan(100);
    expect(stats.shadowMismatches).toBe(0);
    expect(stats.shadowReads).toBe(0); // in checking mode the ring's answer is the one returned
  });
});
