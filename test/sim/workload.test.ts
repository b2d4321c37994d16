// The `hvmio sim` workload end to end: it must pass on a healthy device, its md5s must match
// what actually landed in the image file, and it must report failure (not pass) when the
// disk refuses the writes.

import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimMachine } from '../../src/host/transports/sim/machine.js';
import { runIdeWorkload } from '../../src/host/sim-workload.js';
import { ScratchDir, readImage } from './support/scratch-images.js';
import { disk, ide } from './support/ide-machine.js';

const MiB = 1024 * 1024;

describe('hvmio sim workload', () => {
  let scratch: ScratchDir;

  beforeAll(() => {
    scratch = new ScratchDir();
  });

  afterAll(() => {
    scratch?.remove();
  });

  // PIO moves one sector per interrupt (about a millisecond each here), so it gets less data.
  it.each([
    ['dma', 'legacy', 256 * 1024, 16 * MiB],
    ['pio', 'native', 64 * 1024, 1 * MiB],
    ['dma', 'native', 8 * MiB, 16 * MiB],
  ] as const)('%s on a %s controller in %i-byte commands passes and matches the file', async (mode, ideMode, chunkBytes, bytes) => {
    const image = scratch.image(`${mode}-${ideMode}-${chunkBytes}.img`, 24 * MiB);
    const machine = await SimMachine.start({ devices: [ide('ide0', ideMode, [disk(image)])] });
    try {
      const lines: string[] = [];
      const r = await runIdeWorkload(machine, { deviceId: 'ide0', bytes, chunkBytes, mode, latencySamples: 500, onProgress: (l) => lines.push(l) });
      expect(r.failure).toBeUndefined();
      expect(r.pass).toBe(true);
      expect(r.flushed).toBe(true);
      expect(r.md5Read).toBe(r.md5Written);
      expect(createHash('md5').update(readImage(image, 0, bytes)).digest('hex')).toBe(r.md5Written);
      expect(r.writeMiBps).toBeGreaterThan(0);
      expect(r.readMiBps).toBeGreaterThan(0);
      expect(r.roundTrip.samples).toBe(500);
      expect(r.roundTrip.p50Us).toBeGreaterThan(0);
      expect(r.roundTrip.p50Us).toBeLessThanOrEqual(r.roundTrip.p99Us);
      expect(r.roundTrip.p99Us).toBeLessThanOrEqual(r.roundTrip.p999Us);
      expect(lines.some((l) => l.startsWith('write'))).toBe(true);
      expect(lines.some((l) => l.startsWith('read'))).toBe(true);
      const stats = await machine.stats('ide0');
      expect(stats.bytesWritten).toBeGreaterThanOrEqual(bytes);
      expect(stats.bytesRead).toBeGreaterThanOrEqual(bytes);
      expect(stats.fdatasyncs).toBeGreaterThanOrEqual(1);
    } finally {
      await machine.stop();
    }
  });

  it('reports failure when the disk is read-only', async () => {
    const image = scratch.image('ro.img', 4 * MiB);
    const machine = await SimMachine.start({ devices: [ide('ide0', 'legacy', [disk(image, { readOnly: true })])] });
    try {
      const r = await runIdeWorkload(machine, { deviceId: 'ide0', bytes: MiB, chunkBytes: 64 * 1024, mode: 'dma', latencySamples: 10 });
      expect(r.pass).toBe(false);
      expect(r.failure).toBeDefined();
      expect(createHash('md5').update(readImage(image, 0, MiB)).digest('hex')).toBe(createHash('md5').update(new Uint8Array(MiB)).digest('hex'));
    } finally {
      await machine.stop();
    }
  });
});
