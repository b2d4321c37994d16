// SCSI disk target: who the disk says it is. Standard INQUIRY (SPC-3 6.4.2), the VPD pages
// Linux reads (00h, 80h, 83h, B0h, B1h), REPORT LUNS, and how a LUN the target does not
// have answers them. Allocation lengths clip every reply.

import { describe, expect, it } from 'vitest';
import {
  DiskRig, KEY, PLAN, STATUS, ascii, cdb, readBe16, readBe32, readBe64,
} from './scsi-target-rig.js';

describe('standard INQUIRY', () => {
  it('describes an SPC-3 direct-access disk that queues tagged commands', async () => {
    const rig = await DiskRig.create();
    const p = rig.run(cdb.inquiry(96));
    expect(p.status).toBe(STATUS.GOOD);
    expect(p.kind).toBe(PLAN.BUFFER_IN);
    const d = p.data;
    expect(d.length).toBe(d[4]! + 5); // additional length covers exactly what is sent
    expect(d.length).toBeGreaterThanOrEqual(36);
    expect(d[0]).toBe(0x00); // qualifier 0, type 0: direct access
    expect(d[1]! & 0x80).toBe(0); // not removable
    expect(d[2]).toBeGreaterThanOrEqual(0x05); // SPC-3 or later
    expect(d[3]! & 0x0f).toBe(2); // response data format 2
    expect(d[7]! & 0x02).toBe(0x02); // CMDQUE: sym53c8xx enables tagged queuing on it
    expect(ascii(d, 8, 8)).toBe('HVMIO   ');
    expect(ascii(d, 16, 16)).toBe('HARDDISK        ');
    expect(ascii(d, 32, 4)).toMatch(/^[\x20-\x7e]{4}$/);
  });

  it('clips the reply to the allocation length, and 0 moves nothing', async () => {
    const rig = await DiskRig.create();
    const full = rig.run(cdb.inquiry(255)).data;
    const five = rig.run(cdb.inquiry(5));
    expect(five.kind).toBe(PLAN.BUFFER_IN);
    expect(five.bytes).toBe(5);
    expect(Array.from(five.data)).toEqual(Array.from(full.subarray(0, 5)));
    const none = rig.run(cdb.inquiry(0));
    expect(none.status).toBe(STATUS.GOOD);
    expect(none.kind).toBe(PLAN.NO_DATA);
    expect(none.bytes).toBe(0);
  });

  it('takes the 16-bit allocation length of SPC-3 (byte 3 is its high byte)', async () => {
    const rig = await DiskRig.create();
    const p = rig.run([0x12, 0, 0, 0x01, 0x00, 0]); // 256
    expect(p.bytes).toBe(rig.run(cdb.inquiry(255)).bytes);
  });

  it('refuses a page code without EVPD and the obsolete CMDDT bit', async () => {
    const rig = await DiskRig.create();
    const page = rig.expectCheck([0x12, 0, 0x80, 0, 96, 0]);
    expect([page.key, page.asc, page.ascq]).toEqual([KEY.ILLEGAL_REQUEST, 0x24, 0x00]);
    expect(page.sks).toEqual([0xc0, 0, 2]); // SKSV, in the CDB, byte 2
    const cmddt = rig.expectCheck([0x12, 0x02, 0, 0, 96, 0]);
    expect([cmddt.key, cmddt.asc]).toEqual([KEY.ILLEGAL_REQUEST, 0x24]);
    expect(cmddt.sks).toEqual([0xc0, 0, 1]);
  });
});

describe('vital product data', () => {
  function vpd(rig: DiskRig, page: number, alloc = 255): Uint8Array {
    const p = rig.run(cdb.inquiry(alloc, true, page));
    expect(p.status).toBe(STATUS.GOOD);
    expect(p.data[1]).toBe(page);
    expect(p.data[0]).toBe(0x00);
    return p.data;
  }

  it('lists the pages it has, in ascending order, and has each of them', async () => {
    const rig = await DiskRig.create();
    const d = vpd(rig, 0x00);
    const pages = Array.from(d.subarray(4, 4 + readBe16(d, 2)));
    expect(pages).toEqual([0x00, 0x80, 0x83, 0xb0, 0xb1]);
    for (const page of pages) {
      const data = vpd(rig, page, 1024);
      expect(data.length).toBe(4 + readBe16(data, 2));
    }
  });

  it('refuses a page it does not list, thin provisioning included', async () => {
    const rig = await DiskRig.create();
    for (const page of [0x01, 0x86, 0x89, 0xb2, 0xff]) {
      const s = rig.expectCheck(cdb.inquiry(255, true, page));
      expect([s.key, s.asc, s.ascq, ...s.sks]).toEqual([KEY.ILLEGAL_REQUEST, 0x24, 0x00, 0xc0, 0, 2]);
    }
  });

  it('80h reports the configured serial without trailing spaces, unprintable bytes as spaces', async () => {
    const rig = await DiskRig.create({ serial: 'QM00042   ' });
    const d = vpd(rig, 0x80);
    expect(ascii(d, 4, readBe16(d, 2))).toBe('QM00042');
    const odd = await DiskRig.create({ serial: Uint8Array.from([0x41, 0x07, 0x42, 0xff, 0x43]) });
    const o = vpd(odd, 0x80);
    expect(ascii(o, 4, readBe16(o, 2))).toBe('A B C');
  });

  it('80h keeps at most 20 characters, and a blank serial is reported as spaces', async () => {
    const long = await DiskRig.create({ serial: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ' });
    const l = vpd(long, 0x80);
    expect(ascii(l, 4, readBe16(l, 2))).toBe('ABCDEFGHIJKLMNOPQRST');
    const blank = await DiskRig.create({ serial: '' });
    const b = vpd(blank, 0x80);
    expect(readBe16(b, 2)).toBeGreaterThan(0);
    expect(ascii(b, 4, readBe16(b, 2)).trim()).toBe('');
  });

  function designators(d: Uint8Array): Array<{ codeSet: number; assoc: number; type: number; body: Uint8Array }> {
    const out = [];
    const end = 4 + readBe16(d, 2);
    for (let at = 4; at + 4 <= end; at += 4 + d[at + 3]!) {
      out.push({
        codeSet: d[at]! & 0x0f, assoc: (d[at + 1]! >> 4) & 3, type: d[at + 1]! & 0x0f,
        body: d.subarray(at + 4, at + 4 + d[at + 3]!),
      });
    }
    return out;
  }

  it('83h carries the configured worldwide name as an NAA designator and a T10 vendor ID', async () => {
    const rig = await DiskRig.create({ serial: 'SER-7', wwn: 0x5000c50012345678n });
    const ids = designators(vpd(rig, 0x83));
    const naa = ids.find((i) => i.type === 3);
    expect(naa).toBeDefined();
    expect(naa!.codeSet).toBe(1); // binary
    expect(naa!.assoc).toBe(0); // the logical unit
    expect(readBe64(naa!.body, 0)).toBe(0x5000c50012345678n);
    const t10 = ids.find((i) => i.type === 1);
    expect(t10!.codeSet).toBe(2); // ASCII
    expect(new TextDecoder().decode(t10!.body)).toBe('HVMIO   HARDDISK        SER-7');
  });

  it('83h derives a stable locally assigned (NAA 3h) name when none is configured', async () => {
    const nameOf = async (serial: string, drive: number): Promise<bigint> => {
      const rig = await DiskRig.create({ serial, drive });
      return readBe64(designators(vpd(rig, 0x83)).find((i) => i.type === 3)!.body, 0);
    };
    const a = await nameOf('DISK-A', 0);
    expect(a >> 60n).toBe(3n);
    expect(await nameOf('DISK-A', 0)).toBe(a);
    expect(await nameOf('DISK-B', 0)).not.toBe(a);
    expect(await nameOf('DISK-A', 1)).not.toBe(a);
  });

  it('B0h advertises a maximum transfer length and no WRITE SAME or UNMAP limits', async () => {
    const rig = await DiskRig.create({ sectors: 1 << 20 });
    const d = vpd(rig, 0xb0, 64);
    expect(readBe16(d, 2)).toBe(0x3c);
    const maxTransfer = readBe32(d, 8);
    expect(maxTransfer).toBeGreaterThanOrEqual(0xffff); // READ(10) is never refused for its length
    expect(maxTransfer * 512).toBeLessThanOrEqual(0xffffffff); // a command's bytes fit 32 bits
    expect(readBe32(d, 20)).toBe(0); // MAXIMUM UNMAP LBA COUNT
    expect(readBe64(d, 36)).toBe(0n); // MAXIMUM WRITE SAME LENGTH
    // The limit is the one enforced: one block more is an invalid field.
    expect(rig.run(cdb.read16(0n, maxTransfer)).status).toBe(STATUS.GOOD);
    const s = rig.expectCheck(cdb.read16(0n, maxTransfer + 1));
    expect([s.key, s.asc]).toEqual([KEY.ILLEGAL_REQUEST, 0x24]);
  });

  it('B1h says the medium does not rotate', async () => {
    const rig = await DiskRig.create();
    const d = vpd(rig, 0xb1, 64);
    expect(readBe16(d, 2)).toBe(0x3c);
    expect(readBe16(d, 4)).toBe(1);
  });

  it('clips VPD pages to the allocation length', async () => {
    const rig = await DiskRig.create();
    const p = rig.run(cdb.inquiry(6, true, 0x83));
    expect(p.bytes).toBe(6);
    expect(readBe16(p.data, 2)).toBeGreaterThan(2); // the page length is the full one
  });
});

describe('REPORT LUNS', () => {
  it('reports LUN 0 only', async () => {
    const rig = await DiskRig.create();
    const p = rig.run(cdb.reportLuns(4096));
    expect(p.status).toBe(STATUS.GOOD);
    expect(readBe32(p.data, 0)).toBe(8);
    expect(p.data.length).toBe(16);
    expect(Array.from(p.data.subarray(8, 16))).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('reports no well-known LUNs, refuses an undefined SELECT REPORT, and clips', async () => {
    const rig = await DiskRig.create();
    const wellKnown = rig.run(cdb.reportLuns(4096, 1));
    expect(readBe32(wellKnown.data, 0)).toBe(0);
    expect(rig.run(cdb.reportLuns(4096, 2)).data.length).toBe(16);
    const s = rig.expectCheck(cdb.reportLuns(4096, 3));
    expect([s.key, s.asc, ...s.sks]).toEqual([KEY.ILLEGAL_REQUEST, 0x24, 0xc0, 0, 2]);
    expect(rig.run(cdb.reportLuns(4)).bytes).toBe(4);
  });

  it('answers the same through a LUN that does not exist', async () => {
    const rig = await DiskRig.create();
    const p = rig.run(cdb.reportLuns(4096), { lun: 5 });
    expect(p.status).toBe(STATUS.GOOD);
    expect(Array.from(p.data)).toEqual(Array.from(rig.run(cdb.reportLuns(4096)).data));
  });
});

describe('a LUN the target does not have', () => {
  it('answers INQUIRY with peripheral qualifier 3, type 1Fh', async () => {
    const rig = await DiskRig.create();
    for (const lun of [1, 7]) {
      const p = rig.run(cdb.inquiry(36), { lun });
      expect(p.status).toBe(STATUS.GOOD);
      expect(p.data[0]).toBe(0x7f);
    }
    const vpd0 = rig.run(cdb.inquiry(255, true, 0), { lun: 1 });
    expect(vpd0.data[0]).toBe(0x7f);
    const s = rig.run(cdb.inquiry(255, true, 0x80), { lun: 1 });
    expect(s.status).toBe(STATUS.CHECK_CONDITION);
  });

  it('fails other commands with LOGICAL UNIT NOT SUPPORTED, which REQUEST SENSE returns as data', async () => {
    const rig = await DiskRig.create();
    for (const c of [cdb.testUnitReady(), cdb.read10(0, 1), cdb.readCapacity10(), [0xff, 0, 0, 0, 0, 0]]) {
      const s = rig.expectCheck(c, { lun: 2 });
      expect([s.key, s.asc, s.ascq]).toEqual([KEY.ILLEGAL_REQUEST, 0x25, 0x00]);
    }
    // Even with nothing before it.
    const p = rig.run([0x03, 0, 0, 0, 18, 0], { lun: 3 });
    expect(p.status).toBe(STATUS.GOOD);
    expect([p.data[2]! & 0xf, p.data[12], p.data[13]]).toEqual([KEY.ILLEGAL_REQUEST, 0x25, 0x00]);
  });

  it('leaves LUN 0 alone: its sense and its unit attention', async () => {
    const rig = await DiskRig.create({ keepUnitAttention: true });
    rig.run(cdb.testUnitReady(), { lun: 1 });
    expect(rig.run(cdb.testUnitReady()).status).toBe(STATUS.CHECK_CONDITION); // still pending
    rig.run(cdb.read10(0x7fffffff, 1)); // LBA OUT OF RANGE on LUN 0
    rig.run(cdb.testUnitReady(), { lun: 1 });
    expect(rig.senseCode(0)).toEqual([KEY.ILLEGAL_REQUEST, 0x21, 0x00]);
  });

  it('sees no media: a media done for it is a CHECK CONDITION', async () => {
    const rig = await DiskRig.create();
    expect(rig.core.media_done(1, 0)).toBe(STATUS.CHECK_CONDITION);
    expect(rig.core.data_phase_aborted(1)).toBe(STATUS.CHECK_CONDITION);
  });
});
