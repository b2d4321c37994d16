// FLUSH CACHE must reach the backing file as fdatasync: the device's statistics count one
// more fdatasync after each flush the guest issues (no sleeping, no timing: the command
// completes only after the backend's sync returned).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AtaDisk } from '../../src/host/transports/sim/drivers/ata-driver.js';
import { GuestBuffer } from '../../src/host/transports/sim/drivers/guest-buffer.js';
import { simpleTaskfile } from '../../src/host/transports/sim/drivers/ata-taskfile.js';
import { ATA_CMD_FLUSH_CACHE, ATA_CMD_FLUSH_CACHE_EXT } from '../../src/host/transports/sim/drivers/ata-regs.js';
import { patternBytes } from '../../src/host/sim-workload.js';
import { ScratchDir } from './support/scratch-images.js';
import { bootIde, disk, ide, type BootedIde } from './support/ide-machine.js';

describe.each(['writeback', 'none'] as const)('FLUSH CACHE reaches fdatasync (cache=%s)', (cache) => {
  let scratch: ScratchDir;
  let sys: BootedIde;
  let d: AtaDisk;

  beforeAll(async () => {
    scratch = new ScratchDir();
    sys = await bootIde([ide('ide0', 'legacy', [disk(scratch.image('disk.img', 8 << 20), { cache })])]);
    d = sys.hosts.get('ide0')!.disk(0);
  });

  afterAll(async () => {
    await sys?.machine.stop();
    scratch?.remove();
  });

  async function writeSomething(lba: number): Promise<void> {
    const ram = sys.machine.bus.ram;
    const mark = ram.mark();
    try {
      const buf = GuestBuffer.scattered(ram, 16 * 512);
      buf.write(patternBytes(lba, 16));
      await d.write(lba, 16, buf, 'dma');
    } finally {
      ram.release(mark);
    }
  }

  it('the driver flush after a write', async () => {
    await writeSomething(10);
    const before = await sys.machine.stats('ide0');
    await d.flush();
    const after = await sys.machine.stats('ide0');
    expect(after.fdatasyncs).toBeGreaterThan(before.fdatasyncs);
    expect(after.flushes).toBeGreaterThan(before.flushes);
  });

  it.each([
    ['FLUSH CACHE', ATA_CMD_FLUSH_CACHE],
    ['FLUSH CACHE EXT', ATA_CMD_FLUSH_CACHE_EXT],
  ])('%s issued directly', async (_name, opcode) => {
    await writeSomething(100);
    const before = await sys.machine.stats('ide0');
    const r = await d.command({ tf: simpleTaskfile(0, opcode), protocol: 'non-data' });
    expect(r.status & 0x01).toBe(0);
    const after = await sys.machine.stats('ide0');
    expect(after.fdatasyncs).toBe(before.fdatasyncs + 1);
  });

  it('every flush of a sequence is counted', async () => {
    const before = await sys.machine.stats('ide0');
    for (let i = 0; i < 3; i++) {
      await writeSomething(200 + i * 16);
      await d.flush();
    }
    const after = await sys.machine.stats('ide0');
    expect(after.fdatasyncs - before.fdatasyncs).toBe(3);
  });
});
