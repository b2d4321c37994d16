// The BIOS part of the simulated guest against the real bridge and PIIX3 core: scan, BAR
// sizing and placement, interrupt routing, decode enables, and a BAR move that the device
// follows (its registers answer at the new place, not the old one).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ioPort } from '../../src/shared-mem/types.js';
import { GuestBuffer } from '../../src/host/transports/sim/drivers/guest-buffer.js';
import { PiixIdeHost } from '../../src/host/transports/sim/drivers/piix-ide.js';
import { PCI_COMMAND, PCI_COMMAND_IO, PCI_COMMAND_MASTER, PCI_INTERRUPT_LINE } from '../../src/host/transports/sim/drivers/pci-regs.js';
import { PIIX_IDETIM_DECODE_ENABLE, PIIX_IDETIM_PRIMARY, PIIX_IDETIM_SECONDARY } from '../../src/host/transports/sim/drivers/pci-enum.js';
import { ATA_REG_STATUS } from '../../src/host/transports/sim/drivers/ata-regs.js';
import { patternBytes } from '../../src/host/sim-workload.js';
import { ScratchDir } from './support/scratch-images.js';
import { bootIde, disk, ide, md5, type BootedIde } from './support/ide-machine.js';

const MiB = 1024 * 1024;

describe('PCI enumeration of PIIX3 IDE (legacy and native)', () => {
  let scratch: ScratchDir;
  let sys: BootedIde;

  beforeAll(async () => {
    scratch = new ScratchDir();
    sys = await bootIde([
      ide('ide0', 'legacy', [disk(scratch.image('a.img', 8 * MiB))]),
      ide('ide1', 'native', [disk(scratch.image('b.img', 8 * MiB))]),
    ]);
  });

  afterAll(async () => {
    await sys?.machine.stop();
    scratch?.remove();
  });

  it('finds both functions with the PIIX3 identity and programming interfaces', () => {
    const fns = sys.bios.functions;
    expect(fns.map((f) => f.bdf).sort()).toEqual(sys.machine.pciFunctions.map((f) => f.bdf).sort());
    const legacy = sys.bios.byBdf(sys.bdfOf('ide0'));
    const native = sys.bios.byBdf(sys.bdfOf('ide1'));
    for (const f of [legacy, native]) {
      expect([f.vendorId, f.deviceId]).toEqual([0x8086, 0x7010]);
      expect([f.baseClass, f.subClass]).toEqual([0x01, 0x01]);
    }
    expect(legacy.progIf).toBe(0x80);
    expect(native.progIf).toBe(0x85);
  });

  it('sizes every BAR as a 16-byte I/O BAR and places them aligned, without overlap, in the I/O window', () => {
    const legacy = sys.bios.byBdf(sys.bdfOf('ide0'));
    const native = sys.bios.byBdf(sys.bdfOf('ide1'));
    expect(legacy.bars.map((b) => [b.index, b.kind, b.size])).toEqual([[4, 'io', 16]]);
    expect(native.bars.map((b) => [b.index, b.kind, b.size])).toEqual([0, 1, 2, 3, 4].map((i) => [i, 'io', 16]));
    const all = [...legacy.bars, ...native.bars].sort((a, b) => a.address - b.address);
    for (const [i, bar] of all.entries()) {
      expect(bar.address).toBeGreaterThanOrEqual(0xc000);
      expect(bar.address + bar.size).toBeLessThanOrEqual(0x10000);
      expect(bar.address % bar.size).toBe(0);
      if (i > 0) expect(bar.address).toBeGreaterThanOrEqual(all[i - 1]!.address + all[i - 1]!.size);
    }
  });

  it('left the BARs, command bits, interrupt line and IDETIM decode enables programmed', async () => {
    const cfg = sys.bios.config;
    for (const id of ['ide0', 'ide1']) {
      const f = sys.bios.byBdf(sys.bdfOf(id));
      for (const bar of f.bars) expect(await sys.bios.readBarAddress(f.bdf, bar.index)).toBe(bar.address);
      const command = await cfg.read(f.bdf, PCI_COMMAND, 2);
      expect(command & (PCI_COMMAND_IO | PCI_COMMAND_MASTER)).toBe(PCI_COMMAND_IO | PCI_COMMAND_MASTER);
      expect((await cfg.read(f.bdf, PIIX_IDETIM_PRIMARY, 2)) & PIIX_IDETIM_DECODE_ENABLE).toBe(PIIX_IDETIM_DECODE_ENABLE);
      expect((await cfg.read(f.bdf, PIIX_IDETIM_SECONDARY, 2)) & PIIX_IDETIM_DECODE_ENABLE).toBe(PIIX_IDETIM_DECODE_ENABLE);
    }
    const native = sys.bios.byBdf(sys.bdfOf('ide1'));
    expect(native.interruptPin).toBe(1);
    expect(await cfg.read(native.bdf, PCI_INTERRUPT_LINE, 1)).toBe(sys.machine.intxLine(native.bdf));
  });

  it('probes a disk behind each controller', () => {
    expect(sys.hosts.get('ide0')!.classes).toEqual(['ata', 'none', 'none', 'none']);
    expect(sys.hosts.get('ide1')!.classes).toEqual(['ata', 'none', 'none', 'none']);
    expect(sys.hosts.get('ide1')!.channels[0]!.ports.irqLine).toBe(sys.machine.intxLine(sys.bdfOf('ide1')));
    expect(sys.hosts.get('ide0')!.channels[0]!.ports.irqLine).toBe(14);
    expect(sys.hosts.get('ide0')!.channels[1]!.ports.irqLine).toBe(15);
  });

  it('moves a native command-block BAR: the registers follow, the old ports go quiet, I/O still works', async () => {
    const bdf = sys.bdfOf('ide1');
    const f = sys.bios.byBdf(bdf);
    const before = f.bars.find((b) => b.index === 0)!.address;
    const used = new Set(sys.bios.functions.flatMap((x) => x.bars.map((b) => b.address)));
    let target = 0xe000;
    while (used.has(target)) target += 16;
    await sys.bios.moveBar(bdf, 0, target);
    expect(await sys.bios.readBarAddress(bdf, 0)).toBe(target);
    expect(await sys.machine.bus.in(ioPort(before + ATA_REG_STATUS), 1)).toBe(0xff); // nothing decodes there now
    expect(await sys.machine.bus.in(ioPort(target + ATA_REG_STATUS), 1)).not.toBe(0xff);

    // A driver re-binding after the move uses the new ports (bios.byBdf carries the new address).
    const host = await PiixIdeHost.attach(sys.machine.bus, sys.bios.config, sys.bios.byBdf(bdf));
    expect(host.channels[0]!.ports.command).toBe(target);
    const d = host.disk(0);
    const mark = sys.machine.bus.ram.mark();
    try {
      const buf = GuestBuffer.scattered(sys.machine.bus.ram, 32 * 512);
      const data = patternBytes(77, 32, 5);
      buf.write(data);
      await d.write(77, 32, buf, 'dma');
      buf.fill(0);
      await d.read(77, 32, buf, 'dma');
      expect(md5(buf.read())).toBe(md5(data));
    } finally {
      sys.machine.bus.ram.release(mark);
    }
  });

  it('does not probe a channel whose IDETIM decode enable is clear, and its legacy ports stop decoding', async () => {
    const bdf = sys.bdfOf('ide0');
    const cfg = sys.bios.config;
    const status = ioPort(0x1f0 + ATA_REG_STATUS);
    expect(await sys.machine.bus.in(status, 1)).not.toBe(0xff); // the primary master answers
    const saved = await cfg.read(bdf, PIIX_IDETIM_PRIMARY, 2);
    await cfg.write(bdf, PIIX_IDETIM_PRIMARY, 2, saved & ~PIIX_IDETIM_DECODE_ENABLE);
    try {
      // PIIX3 2.3.12: with IDE decode disabled the cycle goes to ISA, where nothing answers.
      expect(await sys.machine.bus.in(status, 1)).toBe(0xff);
      const host = await PiixIdeHost.attach(sys.machine.bus, cfg, sys.bios.byBdf(bdf));
      expect(host.channels[0]).toBeNull(); // piix_pata_prereset: -ENOENT
      expect(host.channels[1]).not.toBeNull();
      expect(host.devices[0]).toBeNull();
    } finally {
      await cfg.write(bdf, PIIX_IDETIM_PRIMARY, 2, saved);
    }
    expect(await sys.machine.bus.in(status, 1)).not.toBe(0xff);
  });
});
