// 48-bit addressing on a disk larger than 2^28 sectors (a sparse 256 GiB image): IDENTIFY
// reports the LBA48 capacity, sectors beyond 2^28 are written and read with the EXT
// commands, and land at exactly LBA * 512 in the file.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AtaDisk, AtaTransfer } from '../../src/host/transports/sim/drivers/ata-driver.js';
import { patternBytes } from '../../src/host/sim-workload.js';
import { ScratchDir, readImage } from './support/scratch-images.js';
import { bootIde, disk, ide, md5, patternRoundTrip, type BootedIde } from './support/ide-machine.js';

const SECTORS = 2 ** 29;

describe('LBA48 beyond 2^28 sectors', () => {
  let scratch: ScratchDir;
  let image: string;
  let sys: BootedIde;
  let d: AtaDisk;

  beforeAll(async () => {
    scratch = new ScratchDir();
    image = scratch.image('big.img', SECTORS * 512);
    sys = await bootIde([ide('ide0', 'legacy', [disk(image)])]);
    d = sys.hosts.get('ide0')!.disk(0);
  });

  afterAll(async () => {
    await sys?.machine.stop();
    scratch?.remove();
  });

  it('reports 2^29 sectors through words 100-103 with 48-bit addressing enabled', () => {
    expect(d.identity.lba48).toBe(true);
    expect(d.sectors).toBe(SECTORS);
    // LBA28 capacity (words 60-61) saturates at 0x0FFFFFFF for a disk this large (ATA8-ACS 4.10.1)
    const words = d.identity.words;
    expect(words[60]! + words[61]! * 65536).toBe(0x0fffffff);
  });

  const roundTrip = (lba: number, sectors: number, mode: AtaTransfer, seed: number) =>
    patternRoundTrip(sys, d, image, lba, sectors, { write: mode, read: mode }, seed);

  it.each(['dma', 'pio', 'pio-multiple'] as const)('%s above 2^28', async (mode) => {
    const base = { dma: 2 ** 28 + 12345, pio: 2 ** 28 + 777_777, 'pio-multiple': 2 ** 28 + 1_234_567 }[mode];
    await roundTrip(base, 70, mode, 11);
  });

  it('a request straddling sector 2^28 (LBA28 cannot express its end)', async () => {
    await roundTrip(2 ** 28 - 16, 32, 'dma', 12);
  });

  it('the very last sector', async () => {
    await roundTrip(SECTORS - 8, 8, 'dma', 13);
  });

  it('a high address does not alias a low one (bits 28-31 are not dropped)', async () => {
    await roundTrip(5000, 8, 'dma', 14);
    await roundTrip(2 ** 28 + 5000, 8, 'dma', 15);
    expect(md5(readImage(image, 5000 * 512, 8 * 512))).toBe(md5(patternBytes(5000, 8, 14)));
  });
});
