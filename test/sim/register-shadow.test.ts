// Register reads answered from the register shadow (src/host/shadow-reader.ts) through the
// whole simulated platform, on a PIIX3 in native mode (alternate status in BAR1/BAR3, bus
// master block in BAR4): a shadow answer must be what the ring would have answered, after
// posted writes, after a device reset, after the worker crashed and was replaced, and after
// the BIOS moved a BAR. The register used is the bus master descriptor table pointer: plain
// read/write, 32 bits, so every write leaves a value a later read can be checked against.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Deadline, sleepMs } from '../../src/host/transports/sim/drivers/deadline.js';
import { ATA_REG_STATUS, BM_REG_PRD_TABLE, BM_REG_STATUS } from '../../src/host/transports/sim/drivers/ata-regs.js';
import { ioPort, type IoPort } from '../../src/shared-mem/types.js';
import { ScratchDir } from './support/scratch-images.js';
import { bootIde, disk, ide, type BootedIde } from './support/ide-machine.js';

const ROUNDS = 200;

describe('register shadow in the simulated PC', () => {
  let scratch: ScratchDir;
  let sys: BootedIde;
  let prdPointer: IoPort;
  let bmStatus: IoPort;
  let altStatus: IoPort;
  let status: IoPort;

  const shadowReads = async () => (await sys.machine.stats('ide0')).shadowReads;
  const inb = (port: IoPort) => sys.machine.bus.in(port, 1);
  const ind = async (port: IoPort) => (await sys.machine.bus.in(port, 4)) >>> 0;

  beforeAll(async () => {
    scratch = new ScratchDir();
    sys = await bootIde([ide('ide0', 'native', [disk(scratch.image('disk.img', 1024 * 1024))])], { faultInjection: true, registerShadow: 'on' });
    const channel = sys.hosts.get('ide0')!.disk(0).channel;
    prdPointer = ioPort(channel.ports.busMaster! + BM_REG_PRD_TABLE);
    bmStatus = ioPort(channel.ports.busMaster! + BM_REG_STATUS);
    altStatus = channel.ports.control;
    status = ioPort(channel.ports.command + ATA_REG_STATUS);
  });

  afterAll(async () => {
    await sys?.machine.stop();
    scratch?.remove();
  });

  it('answers reads of quiet registers without the worker', async () => {
    const before = await shadowReads();
    const reads: number[] = [];
    for (let i = 0; i < 20; i++) reads.push(await inb(altStatus), await inb(bmStatus));
    expect(await shadowReads()).toBeGreaterThanOrEqual(before + 30);
    // Idle disk: DRDY (and DSC) set, BSY clear; bus master idle, no interrupt, no error.
    expect(new Set(reads.filter((_, i) => i % 2 === 0))).toEqual(new Set([await inb(status)]));
    expect(reads[0]! & 0x80).toBe(0);
    expect(reads[1]! & 0x07).toBe(0);
  });

  it('sees every write posted before a read, whichever path answers it', async () => {
    const before = await shadowReads();
    for (let i = 1; i <= ROUNDS; i++) {
      const value = (0x10_0000 + i * 0x40) >>> 0;
      // The bridge posts the write (completes it before the worker ran it). Sometimes the
      // read follows at once (the worker has not served the write: the ring must be used),
      // sometimes after the worker had time (the shadow may answer).
      await sys.machine.bus.out(prdPointer, 4, value);
      if (i % 2 === 0) await sleepMs(1);
      expect(await ind(prdPointer)).toBe(value);
      // A byte of the same dword, from the shadow's copy when it answers.
      expect(await sys.machine.bus.in(ioPort(prdPointer + 1), 1)).toBe((value >>> 8) & 0xff);
    }
    const answered = (await shadowReads()) - before;
    expect(answered).toBeGreaterThan(0);
    expect(answered).toBeLessThanOrEqual(2 * ROUNDS);
  });

  it('shows the power-on values right after a device reset', async () => {
    await sys.machine.bus.out(prdPointer, 4, 0x12_3400);
    expect(await ind(prdPointer)).toBe(0x12_3400);
    await sys.machine.device('ide0').reset();
    const before = await shadowReads();
    // PIIX3 2.7.4: BMIDTPx resets to 0.
    expect(await ind(prdPointer)).toBe(0);
    expect(await ind(prdPointer)).toBe(0);
    expect(await shadowReads()).toBeGreaterThan(before);
  });

  it('serves the replacement worker’s state after a crash, not the dead one’s', async () => {
    await sys.machine.bus.out(prdPointer, 4, 0x22_2200);
    expect(await ind(prdPointer)).toBe(0x22_2200);
    expect(await ind(prdPointer)).toBe(0x22_2200);
    const host = sys.machine.device('ide0');
    const restarts = host.restarts;
    await sys.machine.injectFault('ide0', 'next-call');
    await sys.machine.bus.out(prdPointer, 4, 0x33_3300); // the core traps on this one
    const deadline = new Deadline(20_000);
    while (host.restarts === restarts && !deadline.expired()) await sleepMs(10);
    expect(host.restarts).toBe(restarts + 1);
    await host.whenUp();
    await sleepMs(50); // the bridge replays the configuration (BARs, COMMAND, IDETIM)
    const before = await shadowReads();
    expect(await ind(prdPointer)).toBe(0);
    // The new core reported the lost command (RESET_AFTER_CRASH): the alternate status from
    // the shadow is what the Status register (never shadowed: its read clears INTRQ) says.
    const alt = await inb(altStatus);
    expect(await inb(altStatus)).toBe(alt);
    expect(await inb(status)).toBe(alt);
    expect(await shadowReads()).toBeGreaterThanOrEqual(before + 2);
  });

  it('follows the bus master BAR when the BIOS moves it', async () => {
    const fn = sys.bios.byBdf(sys.bdfOf('ide0'));
    const oldBase = fn.bars.find((b) => b.index === 4)!.address;
    const newBase = oldBase + 0x100;
    await sys.machine.bus.out(prdPointer, 4, 0x44_4400);
    expect(await ind(prdPointer)).toBe(0x44_4400);
    await sys.bios.moveBar(fn.bdf, 4, newBase);
    const before = await shadowReads();
    expect(await ind(ioPort(newBase + BM_REG_PRD_TABLE))).toBe(0x44_4400);
    expect(await ind(ioPort(newBase + BM_REG_PRD_TABLE))).toBe(0x44_4400);
    expect(await shadowReads()).toBeGreaterThan(before);
    // Nothing decodes the old range any more: an absent device's all-ones, not the shadow.
    expect(await ind(prdPointer)).toBe(0xffff_ffff);
    await sys.bios.moveBar(fn.bdf, 4, oldBase);
    expect(await ind(prdPointer)).toBe(0x44_4400);
  });
});
