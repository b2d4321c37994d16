// The 53C875 identity of the LSI core (config chip 1; assembly/scsi/chip/chip-variant.ts)
// against the 53C895A default: what sym53c8xx reads to tell the chips apart (CTEST3
// revision, STEST4) and the 4 KiB SCRIPTS RAM behind a 4 KiB BAR2 (the 875 has FE_RAM,
// not FE_RAM8K). A chip code the core does not know is refused at init.

import { describe, expect, it } from 'vitest';
import { encodeScsiConfig } from '../../src/workers/scsi/config.js';
import { loadCore } from '../helpers/core-harness.js';
import { LsiRig, R, SPACE_RAM, testTarget } from './scsi-rig.js';
import { Script } from './scsi-assembler.js';

describe('53C875 against 53C895A', () => {
  it('CTEST3 carries each chip\'s revision in bits 7:4; the 875 has no STEST4 (reads 0)', async () => {
    const a895 = await LsiRig.create({ targets: [testTarget(64)] });
    const a875 = await LsiRig.create({ chip: 'lsi53c875', targets: [testTarget(64)] });
    expect(a895.read(R.CTEST3) >> 4).toBe(0x0);
    expect(a875.read(R.CTEST3) >> 4).toBe(0x4);
    expect(a895.read(R.STEST4)).toBe(0xe0); // LVD, clock quadrupler locked
    expect(a875.read(R.STEST4)).toBe(0x00);
    // The low CTEST3 bits stay writable on both.
    a875.write(R.CTEST3, 0x01);
    expect(a875.read(R.CTEST3) & 0x0f).toBe(0x01);
  });

  it('the 875\'s SCRIPTS RAM is 4 KiB: BAR2 accesses past it read all ones and are dropped', async () => {
    const rig = await LsiRig.create({ chip: 'lsi53c875', targets: [testTarget(64)] });
    rig.write(4092, 0x11223344, 4, SPACE_RAM);
    expect(rig.read(4092, 4, SPACE_RAM) >>> 0).toBe(0x11223344);
    rig.write(4096, 0x55667788, 4, SPACE_RAM);
    expect(rig.read(4096, 4, SPACE_RAM) >>> 0).toBe(0xffffffff);
    const big = await LsiRig.create({ targets: [testTarget(64)] });
    big.write(4096, 0x55667788, 4, SPACE_RAM);
    expect(big.read(4096, 4, SPACE_RAM) >>> 0).toBe(0x55667788);
  });

  it('SCRIPTS run from the 875\'s RAM at a BAR2 aligned to 4 KiB only (the 895A needs 8 KiB)', async () => {
    const base = 0xfebf1000; // 4 KiB aligned, not 8 KiB
    const rig = await LsiRig.create({ chip: 'lsi53c875', targets: [testTarget(64)] });
    rig.config(0x18, 4, base);
    const program = new Script(base).int(0x875).assemble();
    const view = new DataView(program.buffer);
    for (let i = 0; i < program.length; i += 4) rig.write(i, view.getUint32(i, true), 4, SPACE_RAM);
    rig.start(base);
    expect(rig.read(R.DSTAT) & 0x04).toBe(0x04); // SIR
    expect(rig.read32(R.DSPS)).toBe(0x875);
  });

  it('init refuses a chip code it does not know', async () => {
    const h = await loadCore('scsi', { ramBytes: 1 << 20, images: {}, completion: 'manual' });
    const config = encodeScsiConfig({ targets: [testTarget(64)] });
    new DataView(config.buffer).setUint32(12, 2, true);
    expect(h.init(config)).toBe(6);
    new DataView(config.buffer).setUint32(12, 1, true);
    expect(h.init(config)).toBe(0);
  });
});
