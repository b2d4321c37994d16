// The LSI SCSI core's configuration struct: what the TypeScript encoder writes
// (src/workers/scsi/config.ts), what it refuses, and that the core reads it the same way
// (a configured target answers INQUIRY with the configured names; an empty slot does not
// answer selection).

import { describe, expect, it } from 'vitest';
import {
  SCSI_CONFIG_SIZE, SCSI_TARGET_ENTRY_SIZE, encodeScsiConfig, type ScsiTargetConfig,
} from '../../src/workers/scsi/config.js';
import { LsiRig, R, SIST1, testTarget } from './scsi-rig.js';
import { PHASE, Script } from './scsi-assembler.js';

const disk = (extra: Partial<ScsiTargetConfig> = {}): ScsiTargetConfig => ({ kind: 'disk', readOnly: false, drive: 2, sectors: 2048, serial: 'SN1', ...extra });

describe('encodeScsiConfig', () => {
  it('lays out the header and one 80-byte entry per SCSI ID', () => {
    const bytes = encodeScsiConfig({ targets: [null, disk({ vendor: 'ACME', product: 'DISK', revision: '2.0', blockSize: 4096, worldwideName: 0x5000c500deadbeefn, readOnly: true })] });
    const view = new DataView(bytes.buffer);
    expect(bytes.length).toBe(SCSI_CONFIG_SIZE);
    expect([view.getUint32(0, true), view.getUint32(4, true)]).toEqual([0x4c534931, 16]);
    const e = 16 + SCSI_TARGET_ENTRY_SIZE;
    expect([bytes[e], bytes[e + 1], view.getUint16(e + 2, true), view.getUint32(e + 4, true)]).toEqual([1, 1, 4096, 2]);
    expect(view.getBigUint64(e + 8, true)).toBe(2048n);
    expect(new TextDecoder().decode(bytes.subarray(e + 16, e + 44))).toBe('ACME    DISK            2.0 ');
    expect(new TextDecoder().decode(bytes.subarray(e + 44, e + 64))).toBe('SN1                 ');
    expect(view.getBigUint64(e + 64, true)).toBe(0x5000c500deadbeefn);
    expect(bytes.subarray(16, 16 + SCSI_TARGET_ENTRY_SIZE).every((b) => b === 0)).toBe(true);
  });

  it('refuses what the core would refuse', () => {
    expect(() => encodeScsiConfig({ targets: new Array(17).fill(null) })).toThrow(RangeError);
    expect(() => encodeScsiConfig({ targets: [null, null, null, null, null, null, null, disk()] })).toThrow(/host adapter/);
    expect(() => encodeScsiConfig({ targets: [disk({ blockSize: 768 })] })).toThrow(RangeError);
    expect(() => encodeScsiConfig({ targets: [disk({ blockSize: 4096, sectors: 12 })] })).toThrow(RangeError);
    expect(() => encodeScsiConfig({ targets: [disk({ sectors: -512 })] })).toThrow(RangeError);
    expect(() => encodeScsiConfig({ targets: [testTarget(0)] })).toThrow(RangeError);
    expect(() => encodeScsiConfig({ targets: [disk({ sectors: 2 ** 44 + 8 })] })).toThrow(RangeError);
    expect(() => encodeScsiConfig({ targets: [disk({ serial: 'x'.repeat(21) })] })).toThrow(RangeError);
    expect(() => encodeScsiConfig({ targets: [disk({ vendor: 'caf\u00e9' })] })).toThrow(RangeError);
    expect(() => encodeScsiConfig({ targets: [disk({ drive: -1 })] })).toThrow(RangeError);
  });
});

describe('the core reads the same struct', () => {
  it('a disk of 0 sectors (no usable medium) is accepted by encoder and core; a test target of 0 is not', async () => {
    const bytes = encodeScsiConfig({ targets: [null, disk({ sectors: 0 })] });
    expect(new DataView(bytes.buffer).getBigUint64(16 + SCSI_TARGET_ENTRY_SIZE + 8, true)).toBe(0n);
    await expect(LsiRig.create({ targets: [null, disk({ sectors: 0 })] })).resolves.toBeInstanceOf(LsiRig);
    // The encoder refuses it first; the core on its own refuses it too.
    const bad = encodeScsiConfig({ targets: [null, testTarget(8)] });
    new DataView(bad.buffer).setBigUint64(16 + SCSI_TARGET_ENTRY_SIZE + 8, 0n, true);
    const { loadCore } = await import('../helpers/core-harness.js');
    const h = await loadCore('scsi', { ramBytes: 1 << 20, images: {} });
    expect(h.init(bad)).toBe(4); // INIT_BAD_TARGET
  });

  it('a disk answers INQUIRY with its configured names; an empty ID times out', async () => {
    const rig = await LsiRig.create({ targets: [null, disk({ vendor: 'ACME', product: 'ROCKET', revision: '9.9' }), null, testTarget(64, 1)] });
    rig.putBytes(0x9000, [0x80]);
    rig.putBytes(0x9100, [0x12, 0, 0, 0, 36, 0]);
    rig.load(new Script(0x1000)
      .select(1, { atn: true, alt: 0 })
      .move(PHASE.MSG_OUT, 1, 0x9000)
      .move(PHASE.COMMAND, 6, 0x9100)
      .jump('status', { when: PHASE.STATUS }) // the power-on unit attention does not stop INQUIRY
      .move(PHASE.DATA_IN, 36, 0x9200)
      .label('status')
      .int(1));
    rig.start(0x1000);
    expect(new TextDecoder().decode(rig.bytes(0x9200 + 8, 28))).toBe('ACME    ROCKET          9.9 ');
    // Leave that nexus (it is still waiting to send its status): reset the bus. The SIR must
    // be read first, or the reset's interrupt stays stacked behind it.
    rig.read(R.DSTAT);
    rig.write(R.SCNTL1, 0x08);
    rig.write(R.SCNTL1, 0);
    expect(rig.read(R.SIST0)).toBe(0x02);
    rig.write(R.SIEN1, SIST1.STO);
    rig.load(new Script(0x2000).select(2, { atn: true, alt: 0 }).jump(0, { when: PHASE.MSG_OUT }).int(2));
    rig.start(0x2000);
    expect(rig.read(R.SIST1)).toBe(SIST1.STO);
  });
});
