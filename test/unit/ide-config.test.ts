// The IDE config struct: what encodeIdeConfig writes, what the core's init accepts or
// refuses, and the PIIX3-specific PCI config registers.

import { describe, expect, it } from 'vitest';
import { SPACE_LEGACY_IO } from '../../src/workers/common/core-abi.js';
import {
  IDE_CONFIG_MAGIC,
  IDE_CONFIG_SIZE,
  IdeInitResult,
  encodeIdeConfig,
} from '../../src/workers/ide/config.js';
import { loadCore } from '../helpers/core-harness.js';
import { ATA, IdeRig, REG, ST, cdrom, disk, identifyString } from './ide-driver.js';

describe('encodeIdeConfig', () => {
  it('lays out the header and drive entries as the core reads them', () => {
    const bytes = encodeIdeConfig({
      mode: 'native',
      drives: [null, disk(2 ** 40 + 3, { serial: 'S1', model: 'M1' }), cdrom(4000), null],
    });
    const view = new DataView(bytes.buffer);
    expect(bytes.length).toBe(IDE_CONFIG_SIZE);
    expect(IDE_CONFIG_SIZE).toBe(16 + 4 * 80);
    expect(view.getUint32(0, true)).toBe(IDE_CONFIG_MAGIC);
    expect(view.getUint32(4, true)).toBe(1);
    expect(view.getUint32(8, true)).toBe(4);
    expect(bytes.subarray(16, 96).every((b) => b === 0)).toBe(true); // absent drive 0
    const d1 = 16 + 80;
    expect([bytes[d1], bytes[d1 + 1], bytes[d1 + 2]]).toEqual([1, 0, 0]);
    expect(view.getBigUint64(d1 + 8, true)).toBe(2n ** 40n + 3n);
    expect(String.fromCharCode(...bytes.subarray(d1 + 16, d1 + 36))).toBe('S1'.padEnd(20));
    expect(String.fromCharCode(...bytes.subarray(d1 + 36, d1 + 76))).toBe('M1'.padEnd(40));
    const d2 = 16 + 160;
    expect([bytes[d2], bytes[d2 + 1], bytes[d2 + 2]]).toEqual([1, 1, 1]);
  });

  it('refuses what the core would refuse', () => {
    expect(() => encodeIdeConfig({ mode: 'legacy', drives: [null, null, null] })).toThrow(RangeError);
    expect(() => encodeIdeConfig({ mode: 'legacy', drives: [disk(1.5), null, null, null] })).toThrow(RangeError);
    expect(() => encodeIdeConfig({ mode: 'legacy', drives: [disk(2 ** 48 + 2), null, null, null] })).toThrow(RangeError);
    expect(() => encodeIdeConfig({ mode: 'legacy', drives: [disk(1, { serial: 'x'.repeat(21) }), null, null, null] })).toThrow(RangeError);
    expect(() => encodeIdeConfig({ mode: 'legacy', drives: [disk(1, { model: 'caf\u00e9' }), null, null, null] })).toThrow(RangeError);
  });
});

describe('init', () => {
  const good = () => encodeIdeConfig({ mode: 'legacy', drives: [disk(1000), null, null, null] });

  it('accepts a valid config and refuses bad size, magic, mode, drive count and drive entries', async () => {
    const h = await loadCore('ide');
    expect(h.init(good())).toBe(IdeInitResult.ok);
    expect(h.init(good().subarray(0, IDE_CONFIG_SIZE - 1))).toBe(IdeInitResult.badSize);
    const mutate = (at: number, value: number) => {
      const b = good();
      b[at] = value;
      return h.init(b);
    };
    expect(mutate(0, 0x30)).toBe(IdeInitResult.badMagic);
    expect(mutate(4, 2)).toBe(IdeInitResult.badMode);
    expect(mutate(8, 3)).toBe(IdeInitResult.badDriveCount);
    expect(mutate(16 + 1, 2)).toBe(IdeInitResult.badDrive); // media
    expect(mutate(16, 7)).toBe(IdeInitResult.badDrive); // present flag
    const huge = good();
    new DataView(huge.buffer).setBigUint64(16 + 8, 2n ** 60n, true);
    expect(h.init(huge)).toBe(IdeInitResult.badDrive);
    expect(h.core.init(0xffffffff)).toBe(IdeInitResult.badSize);
    const padded = new Uint8Array(4096);
    padded.set(good());
    expect(h.init(padded)).toBe(IdeInitResult.ok); // trailing bytes up to CONFIG_MAX are allowed
    expect(h.logs.some((l) => l.level === 0 && l.text.includes('config refused'))).toBe(true);
  });

  it('a refused config leaves the running device untouched', async () => {
    const rig = await IdeRig.create({ drives: [disk(1000, { model: 'FIRST' }), null, null, null] });
    const bad = encodeIdeConfig({ mode: 'native', drives: [disk(5, { model: 'SECOND' }), null, null, null] });
    bad[0] = 0;
    expect(rig.h.init(bad)).toBe(IdeInitResult.badMagic);
    const id = rig.identify(0, 0);
    expect(identifyString(id, 27, 3)).toBe('FIRST ');
    expect(id[60]).toBe(1000);
  });

  it('before any init the core has no drives and answers like an empty controller', async () => {
    const h = await loadCore('ide');
    expect(h.core.io_read(SPACE_LEGACY_IO, 0x1f7n, 1)).toBe(0xffn); // IDE decode still off
    h.core.pci_config_write(0x40, 4, 0x80008000);
    expect(h.core.io_read(SPACE_LEGACY_IO, 0x1f7n, 1)).toBe(0n);
    h.core.io_write(SPACE_LEGACY_IO, 0x1f7n, 1, BigInt(ATA.IDENTIFY));
    expect(h.core.io_read(SPACE_LEGACY_IO, 0x1f0n, 2)).toBe(0n);
    expect(h.irqChanges).toEqual([]);
  });

  it('debug_fault traps, as the supervisor tests need', async () => {
    const h = await loadCore('ide');
    expect(() => h.core.debug_fault()).toThrow(WebAssembly.RuntimeError);
  });

  it('re-init switches mode and releases interrupt lines driven under the old one', async () => {
    const rig = await IdeRig.create({ drives: [disk(1000), null, null, null] });
    rig.issue(0, 0, 0x00);
    expect(rig.h.irq(14)).toBe(1);
    expect(rig.h.init(encodeIdeConfig({ mode: 'native', drives: [disk(1000), null, null, null] }))).toBe(0);
    expect(rig.h.irq(14)).toBe(0);
    expect(rig.core.io_read(SPACE_LEGACY_IO, 0x1f7n, 1)).toBe(0xffn);
  });
});

describe('PIIX3 config registers', () => {
  it('IDETIM and SIDETIM reset to 0 and read back what was written (reserved bits 0)', async () => {
    const rig = await IdeRig.create({ drives: [disk(1000), null, null, null], firmwareSetup: false });
    expect(rig.core.pci_config_read(0x40, 4)).toBe(0);
    expect(rig.core.pci_config_read(0x44, 1)).toBe(0);
    rig.core.pci_config_write(0x40, 4, 0xffffffff);
    expect(rig.core.pci_config_read(0x40, 2)).toBe(0xf3ff);
    expect(rig.core.pci_config_read(0x42, 2)).toBe(0xf3ff);
    rig.core.pci_config_write(0x41, 1, 0x80);
    expect(rig.core.pci_config_read(0x40, 2)).toBe(0x80ff);
    rig.core.pci_config_write(0x44, 1, 0xa5);
    expect(rig.core.pci_config_read(0x44, 1)).toBe(0xa5);
    // Decode enable as ata_piix tests it: byte 41h/43h bit 7.
    expect(rig.core.pci_config_read(0x41, 1) & 0x80).toBe(0x80);
    expect(rig.core.pci_config_read(0x43, 1) & 0x80).toBe(0x80);
    // Reserved registers read 0 and ignore writes.
    rig.core.pci_config_write(0x48, 4, 0xffffffff);
    expect(rig.core.pci_config_read(0x48, 4)).toBe(0);
    rig.core.reset(0);
    expect(rig.core.pci_config_read(0x40, 4)).toBe(0);
  });

  it('a channel decodes its ATA registers only while its IDETIM decode enable is set', async () => {
    for (const mode of ['legacy', 'native'] as const) {
      const rig = await IdeRig.create({ mode, drives: [disk(1000), null, disk(1000), null], firmwareSetup: false });
      expect(rig.status(0)).toBe(0xff);
      expect(rig.altStatus(0)).toBe(0xff);
      rig.outb(0, REG.COMMAND, 0x00); // not delivered: no abort, no interrupt
      rig.core.pci_config_write(0x43, 1, 0x80); // secondary only
      expect(rig.status(0)).toBe(0xff);
      expect(rig.status(1)).toBe(ST.DRDY | ST.DSC);
      rig.core.pci_config_write(0x41, 1, 0x80);
      expect(rig.status(0)).toBe(ST.DRDY | ST.DSC);
      expect(rig.h.irqChanges).toEqual([]);
      // The bus master registers do not depend on it.
      rig.core.pci_config_write(0x40, 4, 0);
      rig.bmWrite(0, 4, 0x1234, 4);
      expect(rig.bmRead(0, 4, 4)).toBe(0x1234);
    }
  });
});
