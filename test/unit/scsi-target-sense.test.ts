// SCSI disk target: sense data and unit attention (SPC-3 4.5, 6.27; SAM-4 unit attention),
// the checks every command goes through (operation code, CDB length, CONTROL byte), and
// how backend results and broken data phases become SCSI status and sense.

import { describe, expect, it } from 'vitest';
import { STATUS_EFAULT, STATUS_EINVAL, STATUS_EIO, STATUS_ENODEV, STATUS_EROFS, STATUS_OK } from '../../src/workers/common/core-abi.js';
import { DiskRig, KEY, PLAN, STATUS, cdb, decodeSense } from './scsi-target-rig.js';

describe('unit attention', () => {
  it('after power-on, the first command other than INQUIRY / REPORT LUNS / REQUEST SENSE gets it, once', async () => {
    const rig = await DiskRig.create({ keepUnitAttention: true });
    expect(rig.run(cdb.inquiry(36)).status).toBe(STATUS.GOOD);
    expect(rig.run(cdb.reportLuns()).status).toBe(STATUS.GOOD);
    const s = rig.expectCheck(cdb.readCapacity10());
    expect([s.key, s.asc, s.ascq]).toEqual([KEY.UNIT_ATTENTION, 0x29, 0x00]);
    expect(rig.run(cdb.readCapacity10()).status).toBe(STATUS.GOOD);
    expect(rig.run(cdb.testUnitReady()).status).toBe(STATUS.GOOD);
  });

  it('pre-empts any command, an unknown one included', async () => {
    const rig = await DiskRig.create({ keepUnitAttention: true });
    const s = rig.expectCheck([0xc7, 0, 0, 0, 0, 0]);
    expect([s.key, s.asc]).toEqual([KEY.UNIT_ATTENTION, 0x29]);
    const again = rig.expectCheck([0xc7, 0, 0, 0, 0, 0]);
    expect([again.key, again.asc]).toEqual([KEY.ILLEGAL_REQUEST, 0x20]);
  });

  it('REQUEST SENSE returns it as data with GOOD status, and clears it', async () => {
    const rig = await DiskRig.create({ keepUnitAttention: true });
    const p = rig.run([0x03, 0, 0, 0, 18, 0]);
    expect(p.status).toBe(STATUS.GOOD);
    const s = decodeSense(p.data);
    expect([s.key, s.asc, s.ascq]).toEqual([KEY.UNIT_ATTENTION, 0x29, 0x00]);
    expect(rig.run(cdb.testUnitReady()).status).toBe(STATUS.GOOD);
  });

  it('a bus reset raises it again', async () => {
    const rig = await DiskRig.create();
    expect(rig.run(cdb.testUnitReady()).status).toBe(STATUS.GOOD);
    rig.core.bus_reset();
    expect(rig.run(cdb.inquiry(36)).status).toBe(STATUS.GOOD);
    const s = rig.expectCheck(cdb.read10(0, 1));
    expect([s.key, s.asc, s.ascq]).toEqual([KEY.UNIT_ATTENTION, 0x29, 0x00]);
    expect(rig.run(cdb.read10(0, 1)).kind).toBe(PLAN.MEDIA_READ);
  });

  it('a bus reset drops the pending sense', async () => {
    const rig = await DiskRig.create();
    rig.run(cdb.read10(0x7fffffff, 1));
    rig.core.bus_reset();
    // The unit attention, not the LBA error, is what REQUEST SENSE finds.
    expect(rig.senseCode()).toEqual([KEY.UNIT_ATTENTION, 0x29, 0x00]);
    expect(rig.senseCode()).toEqual([KEY.NO_SENSE, 0, 0]);
  });
});

describe('REQUEST SENSE', () => {
  it('reports NO SENSE in fixed format when nothing is pending', async () => {
    const rig = await DiskRig.create();
    const p = rig.run([0x03, 0, 0, 0, 252, 0]);
    expect(p.status).toBe(STATUS.GOOD);
    expect(p.bytes).toBe(18);
    expect(p.data[0]).toBe(0x70);
    expect(p.data[7]).toBe(10); // additional sense length
    expect([p.data[2]! & 0xf, p.data[12], p.data[13]]).toEqual([0, 0, 0]);
  });

  it('returns the last command\'s sense once, then NO SENSE', async () => {
    const rig = await DiskRig.create();
    expect(rig.run([0xc7, 0, 0, 0, 0, 0]).status).toBe(STATUS.CHECK_CONDITION);
    expect(rig.senseCode()).toEqual([KEY.ILLEGAL_REQUEST, 0x20, 0x00]);
    expect(rig.senseCode()).toEqual([KEY.NO_SENSE, 0, 0]);
  });

  it('loses the sense to the next command (no autosense kept across commands)', async () => {
    const rig = await DiskRig.create();
    rig.run([0xc7, 0, 0, 0, 0, 0]);
    expect(rig.run(cdb.testUnitReady()).status).toBe(STATUS.GOOD);
    expect(rig.senseCode()).toEqual([KEY.NO_SENSE, 0, 0]);
  });

  it('clips to the allocation length and still clears the sense', async () => {
    const rig = await DiskRig.create();
    rig.run([0xc7, 0, 0, 0, 0, 0]);
    const p = rig.run([0x03, 0, 0, 0, 3, 0]);
    expect(p.bytes).toBe(3);
    expect([p.data[0], p.data[2]! & 0xf]).toEqual([0x70, KEY.ILLEGAL_REQUEST]);
    expect(rig.senseCode()).toEqual([KEY.NO_SENSE, 0, 0]);
    rig.run([0xc7, 0, 0, 0, 0, 0]);
    const none = rig.run([0x03, 0, 0, 0, 0, 0]);
    expect([none.status, none.kind]).toEqual([STATUS.GOOD, PLAN.NO_DATA]);
    expect(rig.senseCode()).toEqual([KEY.NO_SENSE, 0, 0]);
  });

  it('gives descriptor format when DESC is set, with the field pointer descriptor', async () => {
    const rig = await DiskRig.create();
    rig.run([0x12, 0, 0x83, 0, 36, 0]); // page code without EVPD: byte 2
    const p = rig.run([0x03, 0x01, 0, 0, 252, 0]);
    expect(p.data[0]).toBe(0x72);
    const s = decodeSense(p.data);
    expect([s.key, s.asc, s.ascq]).toEqual([KEY.ILLEGAL_REQUEST, 0x24, 0x00]);
    expect(p.data[7]).toBe(p.data.length - 8);
    expect(s.sks).toEqual([0xc0, 0, 2]);
    const plain = rig.run([0x03, 0x01, 0, 0, 252, 0]).data;
    expect([plain[0], plain[1], plain[7], plain.length]).toEqual([0x72, 0, 0, 8]);
  });
});

describe('checks every command goes through', () => {
  it('an unknown operation code: INVALID COMMAND OPERATION CODE, pointing at byte 0', async () => {
    const rig = await DiskRig.create();
    // WRITE SAME, UNMAP, REPORT SUPPORTED OPCODES, READ BUFFER, LOG SENSE, FORMAT UNIT,
    // RESERVE, a variable-length CDB, vendor-specific codes.
    for (const op of [0x41, 0x93, 0x42, 0xa3, 0x3c, 0x4d, 0x04, 0x16, 0x7f, 0xc0, 0xff]) {
      const s = rig.expectCheck([op, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
      expect([s.key, s.asc, s.ascq, ...s.sks]).toEqual([KEY.ILLEGAL_REQUEST, 0x20, 0x00, 0xc0, 0, 0]);
    }
  });

  it('a CDB shorter than its group: INVALID FIELD IN CDB', async () => {
    const rig = await DiskRig.create();
    for (const [c, length] of [[cdb.read10(0, 1), 9], [cdb.read16(0n, 1), 10], [cdb.testUnitReady(), 0],
      [cdb.reportLuns(), 11]] as const) {
      const s = rig.expectCheck(c, { length });
      expect([s.key, s.asc, s.ascq]).toEqual([KEY.ILLEGAL_REQUEST, 0x24, 0x00]);
    }
  });

  it('bytes past the CDB\'s group length are ignored', async () => {
    const rig = await DiskRig.create();
    const p = rig.run([...cdb.read10(5, 2), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    expect([p.kind, p.lba, p.bytes]).toEqual([PLAN.MEDIA_READ, 5n, 1024]);
  });

  it('NACA or LINK in the CONTROL byte: INVALID FIELD IN CDB at the CONTROL byte', async () => {
    const rig = await DiskRig.create();
    for (const control of [0x04, 0x01]) {
      const c = cdb.read10(0, 1);
      c[9] = control;
      const s = rig.expectCheck(c);
      expect([s.key, s.asc, ...s.sks]).toEqual([KEY.ILLEGAL_REQUEST, 0x24, 0xc0, 0, 9]);
      const six = cdb.testUnitReady();
      six[5] = control;
      expect(rig.expectCheck(six).sks).toEqual([0xc0, 0, 5]);
    }
    // Vendor-specific bits (7-6) are not checked.
    const vendor = cdb.testUnitReady();
    vendor[5] = 0xc0;
    expect(rig.run(vendor).status).toBe(STATUS.GOOD);
  });

  it('TEST UNIT READY is GOOD without data', async () => {
    const rig = await DiskRig.create();
    const p = rig.run(cdb.testUnitReady());
    expect([p.status, p.kind, p.bytes]).toEqual([STATUS.GOOD, PLAN.NO_DATA, 0]);
  });
});

describe('backend results (mediaDone)', () => {
  const cases: Array<[string, number, number, number, number]> = [
    ['EIO: MEDIUM ERROR / UNRECOVERED READ ERROR', STATUS_EIO, KEY.MEDIUM_ERROR, 0x11, 0x00],
    ['EFAULT: ABORTED COMMAND / INITIATOR DETECTED ERROR', STATUS_EFAULT, KEY.ABORTED_COMMAND, 0x48, 0x00],
    ['EINVAL: ILLEGAL REQUEST / LBA OUT OF RANGE', STATUS_EINVAL, KEY.ILLEGAL_REQUEST, 0x21, 0x00],
    ['EROFS: DATA PROTECT / WRITE PROTECTED', STATUS_EROFS, KEY.DATA_PROTECT, 0x27, 0x00],
    ['ENODEV: ABORTED COMMAND / INTERNAL TARGET FAILURE', STATUS_ENODEV, KEY.ABORTED_COMMAND, 0x44, 0x00],
    ['an unknown errno: HARDWARE ERROR / INTERNAL TARGET FAILURE', -123, KEY.HARDWARE_ERROR, 0x44, 0x00],
    ['a positive nonsense status: HARDWARE ERROR', 7, KEY.HARDWARE_ERROR, 0x44, 0x00],
  ];
  for (const [name, status, key, asc, ascq] of cases) {
    it(name, async () => {
      const rig = await DiskRig.create();
      expect(rig.run(cdb.read10(0, 8)).kind).toBe(PLAN.MEDIA_READ);
      expect(rig.core.media_done(0, status)).toBe(STATUS.CHECK_CONDITION);
      expect(rig.senseCode()).toEqual([key, asc, ascq]);
    });
  }

  it('0 is GOOD and leaves no sense', async () => {
    const rig = await DiskRig.create();
    rig.run(cdb.write10(0, 8));
    expect(rig.core.media_done(0, STATUS_OK)).toBe(STATUS.GOOD);
    expect(rig.senseCode()).toEqual([KEY.NO_SENSE, 0, 0]);
  });
});

describe('a data phase that breaks off (dataPhaseAborted)', () => {
  it('is ABORTED COMMAND / DATA PHASE ERROR, so the initiator retries', async () => {
    const rig = await DiskRig.create();
    rig.run(cdb.read10(0, 8));
    expect(rig.core.data_phase_aborted(0)).toBe(STATUS.CHECK_CONDITION);
    expect(rig.senseCode()).toEqual([KEY.ABORTED_COMMAND, 0x4b, 0x00]);
  });

  it('cancels a MODE SELECT waiting for its list: a late data-out is refused', async () => {
    const rig = await DiskRig.create();
    expect(rig.run(cdb.modeSelect6(24)).kind).toBe(PLAN.BUFFER_OUT);
    rig.core.data_phase_aborted(0);
    rig.core.data_out_done(0, 24);
    expect(rig.core.plan_status()).toBe(STATUS.CHECK_CONDITION);
    expect(rig.senseCode()).toEqual([KEY.ABORTED_COMMAND, 0x4b, 0x00]);
  });
});
