// Two drives on the two channels of one controller, driven at the same time (two promises
// in flight, as two CPUs would): in legacy mode each channel has its own IRQ; in native mode
// both share the function's INTA#, so each driver must tell its interrupts apart by its own
// bus-master/status registers. Both transfers must complete with the right data.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AtaDisk, AtaTransfer } from '../../src/host/transports/sim/drivers/ata-driver.js';
import { GuestBuffer } from '../../src/host/transports/sim/drivers/guest-buffer.js';
import { patternBytes } from '../../src/host/sim-workload.js';
import { ScratchDir, readImage } from './support/scratch-images.js';
import { bootIde, disk, ide, md5, type BootedIde } from './support/ide-machine.js';

const MiB = 1024 * 1024;

describe.each(['legacy', 'native'] as const)('two channels at once (%s mode)', (mode) => {
  let scratch: ScratchDir;
  let images: string[];
  let sys: BootedIde;
  let disks: AtaDisk[];

  beforeAll(async () => {
    scratch = new ScratchDir();
    images = [scratch.image('pri.img', 16 * MiB), scratch.image('sec.img', 16 * MiB)];
    sys = await bootIde([ide('ide0', mode, [disk(images[0]!), null, disk(images[1]!), null])]);
    const host = sys.hosts.get('ide0')!;
    disks = [host.disk(0), host.disk(2)];
  });

  afterAll(async () => {
    await sys?.machine.stop();
    scratch?.remove();
  });

  it('found a disk on each channel, with the interrupt lines of the mode', () => {
    const host = sys.hosts.get('ide0')!;
    expect(host.classes).toEqual(['ata', 'none', 'ata', 'none']);
    const lines = host.channels.map((c) => c!.ports.irqLine);
    if (mode === 'legacy') expect(lines).toEqual([14, 15]);
    else expect(lines).toEqual([sys.machine.intxLine(sys.bdfOf('ide0')), sys.machine.intxLine(sys.bdfOf('ide0'))]);
  });

  it.each(['dma', 'pio', 'pio-multiple'] as const)('concurrent %s write and read back on both channels', async (transfer: AtaTransfer) => {
    const ram = sys.machine.bus.ram;
    const mark = ram.mark();
    try {
      const sectors = transfer === 'pio' ? 512 : 4096; // single-sector PIO: one interrupt per sector
      const jobs = disks.map((d, i) => {
        const lba = 100 + i * 7;
        const seed = 100 + i;
        const buf = GuestBuffer.scattered(ram, sectors * 512, { seed });
        const data = patternBytes(lba, sectors, seed);
        buf.write(data);
        return { d, lba, buf, data, image: images[i]! };
      });
      await Promise.all(jobs.map((j) => j.d.write(j.lba, sectors, j.buf, transfer)));
      for (const j of jobs) j.buf.fill(0);
      await Promise.all(jobs.map((j) => j.d.read(j.lba, sectors, j.buf, transfer)));
      for (const j of jobs) {
        expect(md5(j.buf.read())).toBe(md5(j.data));
        expect(md5(readImage(j.image, j.lba * 512, sectors * 512))).toBe(md5(j.data));
      }
    } finally {
      ram.release(mark);
    }
  });

  it('one channel reading while the other writes, many rounds', async () => {
    const ram = sys.machine.bus.ram;
    const mark = ram.mark();
    try {
      const a = GuestBuffer.scattered(ram, 256 * 512, { seed: 1 });
      const b = GuestBuffer.scattered(ram, 256 * 512, { seed: 2 });
      const pattern = patternBytes(9000, 256, 77);
      a.write(pattern);
      await disks[0]!.write(9000, 256, a, 'dma');
      for (let round = 0; round < 8; round++) {
        const data = patternBytes(20000 + round * 256, 256, round);
        b.write(data);
        a.fill(0);
        await Promise.all([disks[0]!.read(9000, 256, a, round % 2 ? 'pio' : 'dma'), disks[1]!.write(20000 + round * 256, 256, b, 'dma')]);
        expect(md5(a.read())).toBe(md5(pattern));
        expect(md5(readImage(images[1]!, (20000 + round * 256) * 512, 256 * 512))).toBe(md5(data));
      }
    } finally {
      ram.release(mark);
    }
  });
});
