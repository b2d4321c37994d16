// SCSI disk target: the command sequence Linux sends to a new disk (scsi_scan.c probe, then
// sd.c revalidation), interpreted the way those drivers interpret the answers. What Linux
// concludes: an SPC-3 disk with tagged queuing, LUN 0 only, a wwid from the NAA name, read
// capacity through READ CAPACITY(16), write cache enabled without FUA, not write protected,
// non-rotational, no discard / WRITE SAME. Also the INQUIRY names a controller config sets.

import { describe, expect, it } from 'vitest';
import { DiskRig, KEY, PLAN, STATUS, ascii, cdb, readBe16, readBe32, readBe64 } from './scsi-target-rig.js';

describe('what Linux learns probing the disk', () => {
  it('scan, VPD, unit attention, capacity, write protect, cache type, block limits, first read', async () => {
    const rig = await DiskRig.create({ sectors: 1 << 21, keepUnitAttention: true, serial: 'LNX-1', wwn: 0x6001405abcdef012n });

    // scsi_probe_lun: INQUIRY with 36 bytes; a response no longer than that is complete.
    const inq = rig.run(cdb.inquiry(36));
    expect(inq.status).toBe(STATUS.GOOD);
    expect(inq.data[4]! + 5).toBeLessThanOrEqual(36);
    const scsiLevel = inq.data[2]! + 1; // SCSI_SPC_3 = 6
    expect(scsiLevel).toBeGreaterThan(5); // > SCSI_SPC_2: READ CAPACITY(16) is tried first
    expect((inq.data[7]! & 0x02) !== 0 && (inq.data[3]! & 0x0f) === 2).toBe(true); // tagged_supported

    // scsi_report_lun_scan: REPORT LUNS to LUN 0, then only the LUNs listed are added.
    const luns = rig.run(cdb.reportLuns(512 * 8));
    expect(readBe32(luns.data, 0) / 8).toBe(1);

    // scsi_attach_vpd: page 00h lists what to fetch; 80h and 83h are fetched from it.
    const pg0 = rig.run(cdb.inquiry(255, true, 0x00)).data;
    const pages = Array.from(pg0.subarray(4, 4 + readBe16(pg0, 2)));
    expect(pages).toContain(0x83);
    const pg83 = rig.run(cdb.inquiry(255, true, 0x83)).data;
    expect(pg83[1]).toBe(0x83); // scsi_vpd_inquiry checks the page code it got back
    expect(readBe64(pg83, 8)).toBe(0x6001405abcdef012n); // first designator: NAA, the wwid

    // sd_spinup_disk: TEST UNIT READY meets the power-on unit attention; the midlayer fetches
    // the sense (sym53c8xx does REQUEST SENSE itself) and retries.
    expect(rig.run(cdb.testUnitReady()).status).toBe(STATUS.CHECK_CONDITION);
    expect(rig.senseCode()).toEqual([KEY.UNIT_ATTENTION, 0x29, 0x00]);
    expect(rig.run(cdb.testUnitReady()).status).toBe(STATUS.GOOD);

    // read_capacity_16: 32 bytes; block size and last LBA; protection and LBPME off.
    const rc16 = rig.run(cdb.readCapacity16(32)).data;
    expect(readBe32(rc16, 8)).toBe(512);
    expect(readBe64(rc16, 0) + 1n).toBe(BigInt(1 << 21));
    expect(rc16[12]! & 0x01).toBe(0); // PROT_EN
    expect(rc16[14]! & 0x80).toBe(0); // LBPME: no discard

    // sd_read_write_protect_flag: MODE SENSE(6) of all pages, only 4 bytes (the header).
    const wp = rig.run(cdb.modeSense6(0x3f, 4));
    expect(wp.status).toBe(STATUS.GOOD);
    expect(wp.data[2]! & 0x80).toBe(0);

    // sd_read_cache_type: the caching page, first the header, then the length it gives.
    const first = rig.run(cdb.modeSense6(0x08, 4)).data;
    const length = first[0]! + 1;
    const full = rig.run(cdb.modeSense6(0x08, length)).data;
    expect(full.length).toBe(length);
    let offset = 4 + full[3]!;
    while (offset < length && (full[offset]! & 0x3f) !== 0x08) offset += 2 + full[offset + 1]!;
    expect(offset + 2).toBeLessThan(length);
    expect((full[offset + 2]! & 0x04) !== 0).toBe(true); // WCE: "write back"
    expect((full[offset + 2]! & 0x01) !== 0).toBe(false); // RCD
    expect((full[2]! & 0x10) !== 0).toBe(false); // DPOFUA: no FUA

    // sd_read_block_limits / sd_read_block_characteristics, only when listed in page 00h.
    expect(pages).toEqual(expect.arrayContaining([0xb0, 0xb1]));
    expect(pages).not.toContain(0xb2); // no thin provisioning page: no discard
    const b0 = rig.run(cdb.inquiry(64, true, 0xb0)).data;
    expect(readBe32(b0, 8)).toBeGreaterThan(0); // max_xfer_blocks
    expect(readBe64(b0, 36)).toBe(0n); // max_ws_blocks
    const b1 = rig.run(cdb.inquiry(64, true, 0xb1)).data;
    expect(readBe16(b1, 4)).toBe(1); // non-rotational

    // sd_read_write_same: REPORT SUPPORTED OPERATION CODES is refused, so no WRITE SAME.
    const rsoc = rig.run([0xa3, 0x0c, 0x01, 0x93, 0, 0, 0, 0, 2, 0, 0, 0]);
    expect(rsoc.status).toBe(STATUS.CHECK_CONDITION);
    expect(rig.senseCode()).toEqual([KEY.ILLEGAL_REQUEST, 0x20, 0x00]);

    // The partition scan: READ(10) of block 0.
    const read = rig.run(cdb.read10(0, 8));
    expect([read.kind, read.lba, read.bytes]).toEqual([PLAN.MEDIA_READ, 0n, 4096]);
    expect(rig.core.media_done(0, 0)).toBe(STATUS.GOOD);
  });

  it('spi domain validation: READ BUFFER is refused, INQUIRY answers the same every time', async () => {
    const rig = await DiskRig.create();
    const echo = rig.run([0x3c, 0x0b, 0, 0, 0, 0, 0, 0, 4, 0]); // echo buffer descriptor
    expect(echo.status).toBe(STATUS.CHECK_CONDITION);
    const a = rig.run(cdb.inquiry(36)).data;
    const b = rig.run(cdb.inquiry(36)).data;
    expect(Array.from(b)).toEqual(Array.from(a));
  });
});

describe('INQUIRY names from the controller configuration', () => {
  it('replace vendor, product and revision; blank fields keep the defaults', async () => {
    const rig = await DiskRig.create();
    rig.setInquiryNames('ACME', 'FASTDISK 9000', '2.5');
    const d = rig.run(cdb.inquiry(36)).data;
    expect([ascii(d, 8, 8), ascii(d, 16, 16), ascii(d, 32, 4)]).toEqual(['ACME    ', 'FASTDISK 9000   ', '2.5 ']);
    const pg83 = rig.run(cdb.inquiry(255, true, 0x83)).data;
    expect(ascii(pg83, 4 + 12 + 4, 24)).toBe('ACME    FASTDISK 9000   ');
    rig.setInquiryNames('', 'OTHER', '');
    const e = rig.run(cdb.inquiry(36)).data;
    expect([ascii(e, 8, 8), ascii(e, 16, 16), ascii(e, 32, 4)]).toEqual(['HVMIO   ', 'OTHER           ', '1.0 ']);
  });
});
