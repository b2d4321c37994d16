// SCSI disk target: medium access (SBC-3). READ/WRITE(6/10/12/16) become media plans with
// the range, drive and byte count the controller hands to block_submit; VERIFY and a zero
// transfer length end at once; SYNCHRONIZE CACHE is a flush; READ CAPACITY(10/16) report
// the capacity; START STOP UNIT gates medium access. Edges: the last block is readable,
// one past it is LBA OUT OF RANGE, whichever command addresses it.

import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SECTORS, DiskRig, KEY, PLAN, STATUS, be32, be64, cdb, readBe32, readBe64,
} from './scsi-target-rig.js';

const LAST = DEFAULT_SECTORS - 1;

describe('READ and WRITE plans', () => {
  it('READ(10/12/16) and WRITE(10/12/16): LBA, byte count and drive for block_submit', async () => {
    const rig = await DiskRig.create({ drive: 3 });
    const cases: Array<[number[], number]> = [
      [cdb.read10(100, 8), PLAN.MEDIA_READ], [cdb.read12(100, 8), PLAN.MEDIA_READ],
      [cdb.read16(100n, 8), PLAN.MEDIA_READ], [cdb.write10(100, 8), PLAN.MEDIA_WRITE],
      [cdb.write12(100, 8), PLAN.MEDIA_WRITE], [cdb.write16(100n, 8), PLAN.MEDIA_WRITE],
    ];
    for (const [c, kind] of cases) {
      const p = rig.run(c);
      expect([p.status, p.kind, p.lba, p.bytes, p.drive, p.flushAfter]).toEqual([STATUS.GOOD, kind, 100n, 4096, 3, false]);
    }
  });

  it('READ(6)/WRITE(6): 21-bit LBA, and a transfer length of 0 means 256 blocks', async () => {
    const rig = await DiskRig.create({ sectors: 1 << 22 });
    const p = rig.run(cdb.read6(0x1abcde, 0));
    expect([p.kind, p.lba, p.bytes]).toEqual([PLAN.MEDIA_READ, 0x1abcden, 256 * 512]);
    const w = rig.run(cdb.write6(7, 1));
    expect([w.kind, w.lba, w.bytes]).toEqual([PLAN.MEDIA_WRITE, 7n, 512]);
    // SCSI-2 initiators put the LUN in bits 7-5 of byte 1: not part of the LBA.
    const old = cdb.read6(9, 2);
    old[1] = old[1]! | 0xe0;
    expect(rig.run(old).lba).toBe(9n);
  });

  it('the last block is fine and one past it is LBA OUT OF RANGE, for every READ and WRITE', async () => {
    const rig = await DiskRig.create();
    const fits = [cdb.read6(LAST, 1), cdb.read10(LAST, 1), cdb.read12(LAST, 1), cdb.read16(BigInt(LAST), 1),
      cdb.write6(LAST, 1), cdb.write10(LAST, 1), cdb.write12(LAST, 1), cdb.write16(BigInt(LAST), 1),
      cdb.read10(LAST - 7, 8), cdb.read10(0, DEFAULT_SECTORS)];
    for (const c of fits) {
      const p = rig.run(c);
      expect(p.status).toBe(STATUS.GOOD);
      expect(Number(p.lba) + p.bytes / 512).toBeLessThanOrEqual(DEFAULT_SECTORS);
    }
    const past = [cdb.read6(LAST + 1, 1), cdb.read10(LAST + 1, 1), cdb.read12(LAST + 1, 1),
      cdb.read16(BigInt(LAST + 1), 1), cdb.write6(LAST, 2), cdb.write10(LAST, 2), cdb.write12(LAST - 6, 8),
      cdb.write16(BigInt(LAST), 2), cdb.read10(0, DEFAULT_SECTORS + 1), cdb.read6(LAST - 254, 0)];
    for (const c of past) {
      const s = rig.expectCheck(c);
      expect([s.key, s.asc, s.ascq]).toEqual([KEY.ILLEGAL_REQUEST, 0x21, 0x00]);
    }
  });

  it('an LBA near 2^64 does not wrap around into range', async () => {
    const rig = await DiskRig.create();
    for (const lba of [0xffffffffffffffffn, 0xfffffffffffffff0n, 1n << 63n]) {
      const s = rig.expectCheck(cdb.read16(lba, 0x20));
      expect([s.key, s.asc]).toEqual([KEY.ILLEGAL_REQUEST, 0x21]);
    }
  });

  it('a transfer length of 0 moves nothing and is GOOD, but its LBA must still exist', async () => {
    const rig = await DiskRig.create();
    for (const c of [cdb.read10(LAST, 0), cdb.write16(5n, 0), cdb.read12(0, 0)]) {
      const p = rig.run(c);
      expect([p.status, p.kind, p.bytes]).toEqual([STATUS.GOOD, PLAN.NO_DATA, 0]);
    }
    const s = rig.expectCheck(cdb.read10(LAST + 1, 0));
    expect(s.asc).toBe(0x21);
  });

  it('RDPROTECT / WRPROTECT: there is no protection information, INVALID FIELD IN CDB at byte 1', async () => {
    const rig = await DiskRig.create();
    for (const c of [cdb.read10(0, 1, 0x20), cdb.write12(0, 1, 0x60), cdb.read16(0n, 1, 0xe0)]) {
      const s = rig.expectCheck(c);
      expect([s.key, s.asc, ...s.sks]).toEqual([KEY.ILLEGAL_REQUEST, 0x24, 0xc0, 0, 1]);
    }
    // DPO is accepted (the cache policy hint means nothing here).
    expect(rig.run(cdb.read10(0, 1, 0x10)).kind).toBe(PLAN.MEDIA_READ);
  });

  it('more than the advertised maximum transfer length is INVALID FIELD IN CDB at the length', async () => {
    const rig = await DiskRig.create({ sectors: 1n << 33n });
    const s = rig.expectCheck(cdb.read16(0n, 0x10000));
    expect([s.key, s.asc, ...s.sks]).toEqual([KEY.ILLEGAL_REQUEST, 0x24, 0xc0, 0, 10]);
    expect(rig.expectCheck(cdb.write12(0, 0xffffffff)).sks).toEqual([0xc0, 0, 6]);
    const max = rig.run(cdb.write16(1n << 32n, 0xffff));
    expect([max.kind, max.lba, max.bytes]).toEqual([PLAN.MEDIA_WRITE, 1n << 32n, 0xffff * 512]);
  });

  it('a write-protected disk refuses writes with DATA PROTECT / WRITE PROTECTED and still reads', async () => {
    const rig = await DiskRig.create({ readOnly: true });
    for (const c of [cdb.write6(0, 1), cdb.write10(0, 1), cdb.write12(0, 1), cdb.write16(0n, 1), cdb.write10(0, 0)]) {
      const s = rig.expectCheck(c);
      expect([s.key, s.asc, s.ascq]).toEqual([KEY.DATA_PROTECT, 0x27, 0x00]);
    }
    expect(rig.run(cdb.read10(0, 1)).kind).toBe(PLAN.MEDIA_READ);
  });

  it('FUA asks for a flush after the write; reads ignore it', async () => {
    const rig = await DiskRig.create();
    expect(rig.run(cdb.write10(0, 1, 0x08)).flushAfter).toBe(true);
    expect(rig.run(cdb.write16(0n, 1, 0x08)).flushAfter).toBe(true);
    expect(rig.run(cdb.write10(0, 1)).flushAfter).toBe(false);
    const r = rig.run(cdb.read10(0, 1, 0x08));
    expect([r.kind, r.flushAfter]).toEqual([PLAN.MEDIA_READ, false]);
  });

  it('a 4096-byte block size scales LBAs and byte counts into 512-byte sectors', async () => {
    const rig = await DiskRig.create({ sectors: 8 * 1000, blockSize: 4096 });
    const p = rig.run(cdb.read10(10, 3));
    expect([p.lba, p.bytes]).toEqual([80n, 3 * 4096]);
    expect(rig.run(cdb.write10(999, 1)).lba).toBe(7992n);
    expect(rig.expectCheck(cdb.read10(1000, 1)).asc).toBe(0x21);
    const cap = rig.run(cdb.readCapacity10()).data;
    expect([readBe32(cap, 0), readBe32(cap, 4)]).toEqual([999, 4096]);
  });

  it('refuses a configuration it cannot describe', async () => {
    const rig = await DiskRig.create();
    expect(rig.configure({ sectors: (1n << 44n) + 1n })).toBe(false);
    expect(rig.configure({ sectors: 1000, blockSize: 768 })).toBe(false);
    expect(rig.configure({ sectors: 1001, blockSize: 1024 })).toBe(false);
    expect(rig.configure({ sectors: 1000, blockSize: 8192 })).toBe(false);
    // A refused configuration changes nothing.
    const cap = rig.run(cdb.readCapacity10()).data;
    expect(readBe32(cap, 0)).toBe(LAST);
    expect(rig.configure({ sectors: 1n << 44n })).toBe(true);
  });
});

describe('VERIFY', () => {
  it('BYTCHK 0: checks the range and ends GOOD without a data phase', async () => {
    const rig = await DiskRig.create();
    for (const c of [cdb.verify10(0, 100), cdb.verify16(BigInt(LAST), 1), cdb.verify10(0, 0)]) {
      const p = rig.run(c);
      expect([p.status, p.kind, p.bytes]).toEqual([STATUS.GOOD, PLAN.NO_DATA, 0]);
    }
    for (const c of [cdb.verify10(LAST, 2), cdb.verify16(BigInt(DEFAULT_SECTORS), 1)]) {
      expect(rig.expectCheck(c).asc).toBe(0x21);
    }
  });

  it('BYTCHK and VRPROTECT are refused: INVALID FIELD IN CDB', async () => {
    const rig = await DiskRig.create();
    for (const flags of [0x02, 0x04, 0x06, 0x20]) {
      const s = rig.expectCheck(cdb.verify10(0, 1, flags));
      expect([s.key, s.asc, ...s.sks]).toEqual([KEY.ILLEGAL_REQUEST, 0x24, 0xc0, 0, 1]);
    }
  });

  it('is not refused on a write-protected disk', async () => {
    const rig = await DiskRig.create({ readOnly: true });
    expect(rig.run(cdb.verify10(0, 1)).status).toBe(STATUS.GOOD);
  });
});

describe('SYNCHRONIZE CACHE', () => {
  it('(10) and (16) plan one flush of the disk\'s drive', async () => {
    const rig = await DiskRig.create({ drive: 2 });
    for (const c of [cdb.sync10(), cdb.sync16(), cdb.sync10(10, 20), cdb.sync16(BigInt(LAST), 1), [0x35, 0x02, 0, 0, 0, 0, 0, 0, 0, 0]]) {
      const p = rig.run(c);
      expect([p.status, p.kind, p.drive, p.bytes]).toEqual([STATUS.GOOD, PLAN.FLUSH, 2, 0]);
    }
  });

  it('a range past the end is LBA OUT OF RANGE', async () => {
    const rig = await DiskRig.create();
    for (const c of [cdb.sync10(DEFAULT_SECTORS, 0), cdb.sync10(LAST, 2), cdb.sync16(1n << 40n, 0)]) {
      expect(rig.expectCheck(c).asc).toBe(0x21);
    }
  });
});

describe('READ CAPACITY', () => {
  it('(10) returns the last LBA and the block length', async () => {
    const rig = await DiskRig.create();
    const p = rig.run(cdb.readCapacity10());
    expect([p.status, p.kind, p.bytes]).toEqual([STATUS.GOOD, PLAN.BUFFER_IN, 8]);
    expect([readBe32(p.data, 0), readBe32(p.data, 4)]).toEqual([LAST, 512]);
  });

  it('(10) returns FFFFFFFFh when the last LBA needs more than 32 bits; (16) has it', async () => {
    const rig = await DiskRig.create({ sectors: 1n << 33n });
    expect(readBe32(rig.run(cdb.readCapacity10()).data, 0)).toBe(0xffffffff);
    const p = rig.run(cdb.readCapacity16());
    expect(readBe64(p.data, 0)).toBe((1n << 33n) - 1n);
    const edge = await DiskRig.create({ sectors: (1n << 32n) - 1n }); // last LBA FFFFFFFEh fits
    expect(readBe32(edge.run(cdb.readCapacity10()).data, 0)).toBe(0xfffffffe);
    const over = await DiskRig.create({ sectors: (1n << 32n) + 1n }); // last LBA 1_00000000h does not
    expect(readBe32(over.run(cdb.readCapacity10()).data, 0)).toBe(0xffffffff);
    expect(readBe64(over.run(cdb.readCapacity16()).data, 0)).toBe(1n << 32n);
  });

  it('(16): 32 bytes, 512-byte blocks, no protection, no thin provisioning, clipped to its allocation length', async () => {
    const rig = await DiskRig.create();
    const p = rig.run(cdb.readCapacity16(32));
    expect(p.bytes).toBe(32);
    expect(readBe64(p.data, 0)).toBe(BigInt(LAST));
    expect(readBe32(p.data, 8)).toBe(512);
    expect(Array.from(p.data.subarray(12, 16))).toEqual([0, 0, 0, 0]); // PROT_EN, exponents, LBPME
    expect(rig.run(cdb.readCapacity16(12)).bytes).toBe(12);
    expect(rig.run(cdb.readCapacity16(4096)).bytes).toBe(32);
    expect(rig.run(cdb.readCapacity16(0)).kind).toBe(PLAN.NO_DATA);
  });

  it('PMI 0 with a nonzero LBA is an INVALID FIELD IN CDB; PMI 1 answers the last LBA', async () => {
    const rig = await DiskRig.create();
    const s = rig.expectCheck([0x25, 0, ...be32(5), 0, 0, 0, 0]);
    expect([s.key, s.asc, ...s.sks]).toEqual([KEY.ILLEGAL_REQUEST, 0x24, 0xc0, 0, 2]);
    expect(readBe32(rig.run([0x25, 0, ...be32(5), 0, 0, 1, 0]).data, 0)).toBe(LAST);
    const s16 = rig.expectCheck([0x9e, 0x10, ...be64(5n), ...be32(32), 0, 0]);
    expect(s16.asc).toBe(0x24);
    expect(rig.run([0x9e, 0x10, ...be64(5n), ...be32(32), 1, 0]).status).toBe(STATUS.GOOD);
  });

  it('other SERVICE ACTION IN(16) actions (GET LBA STATUS, ...) are INVALID FIELD IN CDB at byte 1', async () => {
    const rig = await DiskRig.create();
    for (const sa of [0x00, 0x11, 0x12, 0x1f]) {
      const s = rig.expectCheck([0x9e, sa, ...be64(0n), ...be32(32), 0, 0]);
      expect([s.key, s.asc, ...s.sks]).toEqual([KEY.ILLEGAL_REQUEST, 0x24, 0xc0, 0, 1]);
    }
  });
});

describe('a disk without usable medium (a zero-byte image)', () => {
  it('answers every medium access with NOT READY / MANUAL INTERVENTION REQUIRED (QEMU: LUN_NOT_READY)', async () => {
    const rig = await DiskRig.create({ sectors: 0 });
    for (const c of [cdb.testUnitReady(), cdb.readCapacity10(), cdb.readCapacity16(), cdb.read10(0, 1), cdb.read16(0n, 1),
      cdb.read6(0, 1), cdb.write10(0, 1), cdb.verify10(0, 1), cdb.sync10(), cdb.read10(0, 0)]) {
      const s = rig.expectCheck(c);
      expect([s.key, s.asc, s.ascq], c.map((b) => b.toString(16)).join(' ')).toEqual([KEY.NOT_READY, 0x04, 0x03]);
    }
  });

  it('still answers INQUIRY, REPORT LUNS, MODE SENSE (0 blocks) and REQUEST SENSE, and starting it changes nothing', async () => {
    const rig = await DiskRig.create({ sectors: 0 });
    const inq = rig.run(cdb.inquiry(36));
    expect([inq.status, inq.data[0]]).toEqual([STATUS.GOOD, 0x00]); // a direct-access device, LUN present
    expect(rig.run(cdb.reportLuns()).status).toBe(STATUS.GOOD);
    const mode = rig.run(cdb.modeSense6(0x3f));
    expect(mode.status).toBe(STATUS.GOOD);
    expect(mode.data[3]).toBe(8); // one short block descriptor ...
    expect(readBe32(mode.data, 4)).toBe(0); // ... of 0 blocks
    expect(rig.run(cdb.startStop(true)).status).toBe(STATUS.GOOD);
    expect(rig.expectCheck(cdb.testUnitReady()).asc).toBe(0x04);
    // The sense of the last failure is fetched once; then NO SENSE.
    expect(rig.senseCode()).toEqual([KEY.NO_SENSE, 0, 0]);
  });

  it('no data phase for any READ or WRITE, whatever LBA and length the CDB names', async () => {
    const rig = await DiskRig.create({ sectors: 0 });
    for (const c of [cdb.read10(0xffffffff, 0xffff), cdb.write16(0xffffffffffffffffn, 0xffffffff), cdb.read6(0, 0)]) {
      const p = rig.run(c);
      expect([p.status, p.kind, p.bytes]).toEqual([STATUS.CHECK_CONDITION, PLAN.NO_DATA, 0]);
      expect(rig.senseCode()).toEqual([KEY.NOT_READY, 0x04, 0x03]);
    }
  });
});

describe('START STOP UNIT and PREVENT ALLOW MEDIUM REMOVAL', () => {
  it('a stopped unit reports NOT READY / INITIALIZING COMMAND REQUIRED for medium access until started', async () => {
    const rig = await DiskRig.create();
    expect(rig.run(cdb.startStop(false)).status).toBe(STATUS.GOOD);
    for (const c of [cdb.testUnitReady(), cdb.read10(0, 1), cdb.write10(0, 1), cdb.verify10(0, 1), cdb.sync10(),
      cdb.readCapacity10(), cdb.readCapacity16()]) {
      const s = rig.expectCheck(c);
      expect([s.key, s.asc, s.ascq]).toEqual([KEY.NOT_READY, 0x04, 0x02]);
    }
    // Commands that do not touch the medium still work.
    expect(rig.run(cdb.inquiry(36)).status).toBe(STATUS.GOOD);
    expect(rig.run(cdb.modeSense6(0x08)).status).toBe(STATUS.GOOD);
    expect(rig.run(cdb.startStop(true)).status).toBe(STATUS.GOOD);
    expect(rig.run(cdb.testUnitReady()).status).toBe(STATUS.GOOD);
    expect(rig.run(cdb.read10(0, 1)).kind).toBe(PLAN.MEDIA_READ);
  });

  it('a bus reset starts the unit again', async () => {
    const rig = await DiskRig.create();
    rig.run(cdb.startStop(false));
    rig.core.bus_reset();
    rig.run(cdb.testUnitReady()); // the unit attention
    expect(rig.run(cdb.testUnitReady()).status).toBe(STATUS.GOOD);
  });

  it('power conditions: ACTIVE starts, IDLE/STANDBY change nothing, reserved values are refused', async () => {
    const rig = await DiskRig.create();
    rig.run(cdb.startStop(false));
    expect(rig.run(cdb.startStop(false, 0x1)).status).toBe(STATUS.GOOD); // ACTIVE
    expect(rig.run(cdb.testUnitReady()).status).toBe(STATUS.GOOD);
    for (const pc of [0x2, 0x3, 0x7, 0xa, 0xb]) {
      expect(rig.run(cdb.startStop(false, pc)).status).toBe(STATUS.GOOD);
      expect(rig.run(cdb.testUnitReady()).status).toBe(STATUS.GOOD);
    }
    for (const pc of [0x4, 0x5, 0x6, 0x8, 0xc, 0xf]) {
      const s = rig.expectCheck(cdb.startStop(true, pc));
      expect([s.key, s.asc, ...s.sks]).toEqual([KEY.ILLEGAL_REQUEST, 0x24, 0xc0, 0, 4]);
    }
  });

  it('PREVENT ALLOW MEDIUM REMOVAL accepts 00b/01b and refuses the obsolete 10b/11b', async () => {
    const rig = await DiskRig.create();
    expect(rig.run([0x1e, 0, 0, 0, 1, 0]).status).toBe(STATUS.GOOD);
    expect(rig.run([0x1e, 0, 0, 0, 0, 0]).status).toBe(STATUS.GOOD);
    for (const prevent of [2, 3]) {
      expect(rig.expectCheck([0x1e, 0, 0, 0, prevent, 0]).asc).toBe(0x24);
    }
  });
});
