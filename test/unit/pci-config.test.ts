import { describe, expect, it } from 'vitest';
import { CMD_IO, CMD_MEM, PciConfigSpace } from '../../src/host/pci/config-space.js';
import { PciBus, bdfOf, formatBdf } from '../../src/host/pci/pci-bus.js';
import type { PciIdentity } from '../../src/host/pci/pci-identity.js';
import { SPACE_BAR0, SPACE_LEGACY_IO } from '../../src/workers/common/core-abi.js';
import { ioPort } from '../../src/shared-mem/types.js';

const identity: PciIdentity = {
  vendorId: 0x1234, deviceId: 0x5678, revision: 2, classCode: 0x010185, subsystemVendorId: 0x1af4, subsystemId: 0x1100,
  interruptPin: 1,
  bars: [{ kind: 'io', size: 16 }, { kind: 'mem32', size: 4096 }, null, null, { kind: 'io', size: 256 }, null],
  romSize: 0x8000,
  legacyIo: [{ base: ioPort(0x1f0), size: 8 }],
};

describe('PCI config space header', () => {
  it('reports identity fields at their offsets', () => {
    const c = new PciConfigSpace(identity);
    expect(c.read(0, 4)).toBe(0x56781234);
    expect(c.read(8, 4)).toBe(0x01018502);
    expect(c.read(0x2c, 4)).toBe(0x11001af4);
    expect(c.read(0x3d, 1)).toBe(1);
  });

  it('answers BAR sizing with ~(size-1) and the type bits', () => {
    const c = new PciConfigSpace(identity);
    c.write(0x10, 4, 0xffffffff);
    expect(c.read(0x10, 4)).toBe(0xfffffff1);
    c.write(0x14, 4, 0xffffffff);
    expect(c.read(0x14, 4)).toBe(0xfffff000);
    c.write(0x18, 4, 0xffffffff);
    expect(c.read(0x18, 4)).toBe(0); // unimplemented BAR stays zero
    c.write(0x30, 4, 0xfffff800);
    expect(c.read(0x30, 4)).toBe(0xffff8000);
  });

  it('keeps read-only identity fields read-only and status errors write-1-to-clear', () => {
    const c = new PciConfigSpace(identity);
    c.write(0, 4, 0);
    expect(c.read(0, 2)).toBe(0x1234);
    c.write(4, 2, 0xffff);
    expect(c.command).toBe(0x0557);
    c.setInterruptStatus(true);
    expect(c.read(6, 2) & 8).toBe(8);
    c.write(6, 2, 0xffff); // interrupt status is read-only
    expect(c.read(6, 2) & 8).toBe(8);
  });

  it('decodes BARs only when COMMAND enables the space', () => {
    const c = new PciConfigSpace(identity);
    c.write(0x10, 4, 0xc000);
    c.write(0x14, 4, 0xfebf0000);
    expect(c.decodedBars()).toEqual([]);
    c.write(4, 2, CMD_IO);
    expect(c.decodedBars().map((b) => b.index)).toEqual([0]);
    c.write(4, 2, CMD_IO | CMD_MEM);
    expect(c.decodedBars()).toEqual([
      { index: 0, kind: 'io', base: 0xc000, size: 16 },
      { index: 1, kind: 'mem32', base: 0xfebf0000, size: 4096 },
    ]);
  });
});

describe('PCI bus routing', () => {
  function bus() {
    const b = new PciBus<string>();
    const fn = b.add(bdfOf(0, 3, 0), 'dev', identity, 'endpoint');
    return { b, fn };
  }

  it('routes BAR and legacy ports once decode is enabled, and moves with the BAR', () => {
    const { b, fn } = bus();
    expect(b.routePio(0xc004, 1)).toBeNull();
    fn.config.write(0x10, 4, 0xc000);
    fn.config.write(4, 2, CMD_IO | CMD_MEM);
    b.rebuildRouting();
    expect(b.routePio(0xc004, 2)).toMatchObject({ space: SPACE_BAR0, offset: 4 });
    expect(b.routePio(0x1f7, 1)).toMatchObject({ space: SPACE_LEGACY_IO, offset: 0x1f7 });
    fn.config.write(0x10, 4, 0xd000);
    b.rebuildRouting();
    expect(b.routePio(0xc004, 1)).toBeNull();
    expect(b.routePio(0xd00f, 1)).toMatchObject({ offset: 15 });
  });

  it('refuses accesses that straddle the end of a window', () => {
    const { b, fn } = bus();
    fn.config.write(0x10, 4, 0xc000);
    fn.config.write(0x14, 4, 0xfebf0000);
    fn.config.write(4, 2, CMD_IO | CMD_MEM);
    b.rebuildRouting();
    expect(b.routePio(0xc00e, 4)).toBeNull();
    expect(b.routeMmio(0xfebf0ffc, 4)).toMatchObject({ offset: 0xffc });
    expect(b.routeMmio(0xfebf0ffe, 4)).toBeNull();
    expect(b.routePio(0xffff, 2)).toBeNull();
  });

  it('rejects a second function in the same slot and invalid identities', () => {
    const { b } = bus();
    expect(() => b.add(bdfOf(0, 3, 0), 'x', identity, 'y')).toThrow(/already taken/);
    expect(() => b.add(bdfOf(0, 4, 0), 'x', { ...identity, bars: [{ kind: 'io', size: 8 }] }, 'y')).toThrow(/I\/O BAR size/);
    expect(formatBdf(bdfOf(0, 3, 1))).toBe('00:03.1');
  });
});
