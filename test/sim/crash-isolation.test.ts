// Crash isolation: two IDE controllers (one legacy, one native), each in its own worker.
// The first one's core traps in the middle of a transfer. Its driver must see an error
// (timeout, error status or all-ones), never a hang; the device must come back with the
// configuration the BIOS gave it (BARs, IDETIM), serve the next transfer correctly, and the
// second controller's transfer running at the same time must not notice anything.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AtaDisk } from '../../src/host/transports/sim/drivers/ata-driver.js';
import { AtaError } from '../../src/host/transports/sim/drivers/ata-error.js';
import { Deadline, sleepMs } from '../../src/host/transports/sim/drivers/deadline.js';
import { GuestBuffer } from '../../src/host/transports/sim/drivers/guest-buffer.js';
import { PiixIdeHost } from '../../src/host/transports/sim/drivers/piix-ide.js';
import { PIIX_IDETIM_DECODE_ENABLE, PIIX_IDETIM_PRIMARY } from '../../src/host/transports/sim/drivers/pci-enum.js';
import { PCI_COMMAND, PCI_VENDOR_ID } from '../../src/host/transports/sim/drivers/pci-regs.js';
import { patternBytes } from '../../src/host/sim-workload.js';
import { ScratchDir, readImage } from './support/scratch-images.js';
import { bootIde, disk, ide, md5, type BootedIde } from './support/ide-machine.js';

const MiB = 1024 * 1024;
const TIMEOUTS = { commandMs: 2000, resetMs: 8000 };

describe('crash isolation between two IDE controllers', () => {
  let scratch: ScratchDir;
  let images: string[];
  let sys: BootedIde;

  beforeAll(async () => {
    scratch = new ScratchDir();
    images = [scratch.image('a.img', 64 * MiB), scratch.image('b.img', 64 * MiB)];
    sys = await bootIde(
      [ide('ide0', 'legacy', [disk(images[0]!)]), ide('ide1', 'native', [disk(images[1]!)])],
      { faultInjection: true, ramBytes: 128 * MiB, host: { timeouts: TIMEOUTS } },
    );
  });

  afterAll(async () => {
    await sys?.machine.stop();
    scratch?.remove();
  });

  async function writeAndVerify(d: AtaDisk, image: string, lba: number, sectors: number, seed: number): Promise<void> {
    const ram = sys.machine.bus.ram;
    const buf = GuestBuffer.scattered(ram, sectors * 512, { seed });
    const data = patternBytes(lba, sectors, seed);
    buf.write(data);
    await d.write(lba, sectors, buf, 'dma');
    buf.fill(0);
    await d.read(lba, sectors, buf, 'dma');
    expect(md5(buf.read())).toBe(md5(data));
    expect(md5(readImage(image, lba * 512, sectors * 512))).toBe(md5(data));
  }

  it('a trap in one core fails only that controller, which comes back and works', async () => {
    const ram = sys.machine.bus.ram;
    const mark = ram.mark();
    const victim = sys.hosts.get('ide0')!.disk(0);
    const bystander = sys.hosts.get('ide1')!.disk(0);
    const victimFn = sys.bios.byBdf(sys.bdfOf('ide0'));
    const statsBefore = await sys.machine.stats('ide1');
    expect((await sys.machine.stats('ide0')).restarts).toBe(0);

    // The victim keeps writing (1 MiB DMA commands) until something fails; the bystander
    // runs its own transfer. The fault fires when the victim's next block request completes,
    // i.e. certainly in the middle of a DMA transfer.
    const victimBuf = GuestBuffer.scattered(ram, MiB, { seed: 1 });
    victimBuf.write(patternBytes(0, 2048, 1));
    const victimIo = (async () => {
      for (let round = 0; round < 1000; round++) await victim.write((round % 32) * 2048, 2048, victimBuf, 'dma');
      return null;
    })().catch((e: unknown) => e);
    const bystanderIo = writeAndVerify(bystander, images[1]!, 1000, 16384, 2);
    await sleepMs(5);
    await sys.machine.injectFault('ide0', 'next-completion');

    const victimResult = await victimIo;
    expect(victimResult).toBeInstanceOf(AtaError);
    expect(['timeout', 'device', 'protocol', 'host-bus', 'no-device']).toContain((victimResult as AtaError).kind);
    await bystanderIo; // md5 checked inside: unaffected

    // Wait (bounded) for the supervisor to bring the worker back.
    const deadline = new Deadline(20_000);
    while ((await sys.machine.stats('ide0')).restarts < 1 && !deadline.expired()) await sleepMs(20);
    expect((await sys.machine.stats('ide0')).restarts).toBe(1);

    // The function is back with what the BIOS programmed: identity, BARs, COMMAND, IDETIM.
    const cfg = sys.bios.config;
    expect(await cfg.read(victimFn.bdf, PCI_VENDOR_ID, 4)).toBe(0x70108086);
    for (const bar of victimFn.bars) expect(await sys.bios.readBarAddress(victimFn.bdf, bar.index)).toBe(bar.address);
    expect(await cfg.read(victimFn.bdf, PCI_COMMAND, 2)).toBe(victimFn.command);
    expect((await cfg.read(victimFn.bdf, PIIX_IDETIM_PRIMARY, 2)) & PIIX_IDETIM_DECODE_ENABLE).toBe(PIIX_IDETIM_DECODE_ENABLE);

    // The driver re-probes the controller (as libata EH does after a bus reset) and goes on.
    const host = await PiixIdeHost.attach(sys.machine.bus, cfg, victimFn, { timeouts: TIMEOUTS });
    expect(host.classes[0]).toBe('ata');
    await writeAndVerify(host.disk(0), images[0]!, 50_000, 4096, 3);

    const statsAfter = await sys.machine.stats('ide1');
    expect(statsAfter.restarts).toBe(0);
    expect(statsAfter.blockRequests).toBeGreaterThan(statsBefore.blockRequests);
    expect((await sys.machine.stats('ide0')).restarts).toBe(1);
    ram.release(mark);
  });

  it('the surviving controller keeps working afterwards too', async () => {
    const ram = sys.machine.bus.ram;
    const mark = ram.mark();
    try {
      await writeAndVerify(sys.hosts.get('ide1')!.disk(0), images[1]!, 70_000, 2048, 4);
    } finally {
      ram.release(mark);
    }
  });
});
