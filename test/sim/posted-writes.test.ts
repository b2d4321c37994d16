// The bridge completes plain register writes as soon as they are queued on the device's ring
// (src/host/bridge.ts). What must hold for the guest: every later read sees every earlier
// write, and a device reset is not overtaken by writes posted before it (the reset travels on
// the worker's control port, not the ring). Hundreds of writes are queued at once so that the
// ring (64 slots) overflows into the host's backlog and the worker yields to its event loop
// in the middle of draining them, where a control message could slip in.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ioPort } from '../../src/shared-mem/types.js';
import { ATA_REG_LBAL, BM_REG_PRD_TABLE } from '../../src/host/transports/sim/drivers/ata-regs.js';
import { ScratchDir } from './support/scratch-images.js';
import { bootIde, disk, ide, type BootedIde } from './support/ide-machine.js';

const WRITES = 300;

describe('posted register writes', () => {
  let scratch: ScratchDir;
  let sys: BootedIde;

  beforeAll(async () => {
    scratch = new ScratchDir();
    sys = await bootIde([ide('ide0', 'legacy', [disk(scratch.image('disk.img', 1024 * 1024))])]);
  });

  afterAll(async () => {
    await sys?.machine.stop();
    scratch?.remove();
  });

  it('are completed without waiting for the device, and a later read sees the last one', async () => {
    const channel = sys.hosts.get('ide0')!.disk(0).channel;
    const lbaLow = ioPort(channel.ports.command + ATA_REG_LBAL);
    const before = sys.machine.bridge.stats.writesPosted;
    const writes: Promise<void>[] = [];
    for (let i = 0; i < WRITES; i++) writes.push(sys.machine.bus.out(lbaLow, 1, (i * 7) & 0xff));
    await Promise.all(writes);
    expect(sys.machine.bridge.stats.writesPosted - before).toBe(WRITES);
    expect(await sys.machine.bus.in(lbaLow, 1)).toBe(((WRITES - 1) * 7) & 0xff);
  });

  it('written before a device reset take effect before it, not after', async () => {
    const bm = sys.hosts.get('ide0')!.disk(0).channel.ports.busMaster!;
    const prdPointer = ioPort(bm + BM_REG_PRD_TABLE);
    for (let round = 0; round < 5; round++) {
      const writes: Promise<void>[] = [];
      for (let i = 1; i <= WRITES; i++) writes.push(sys.machine.bus.out(prdPointer, 4, 0x10_0000 + i * 4));
      await Promise.all(writes);
      await sys.machine.device('ide0').reset();
      // Power-on value of the PRD table pointer (PIIX3 2.7.4: BMIDTPx resets to 0).
      expect(await sys.machine.bus.in(prdPointer, 4)).toBe(0);
    }
  });
});
