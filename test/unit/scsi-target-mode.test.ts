// SCSI disk target: mode parameters. MODE SENSE(6/10) with the caching (08h) and control
// (0Ah) pages, all pages (3Fh), block descriptors (short, long, none), the page control
// values; MODE SELECT(6/10) changing WCE and refusing every malformed parameter list with
// the sense SPC-3 names, without applying any part of it.

import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SECTORS, DiskRig, KEY, PLAN, STATUS, be16, cdb, readBe16, readBe32, readBe64,
} from './scsi-target-rig.js';

/** Splits a MODE SENSE reply into header fields, block descriptor and pages. */
function parseModeSense(d: Uint8Array, ten: boolean) {
  const header = ten ? 8 : 4;
  const dataLength = ten ? readBe16(d, 0) + 2 : d[0]! + 1;
  const deviceSpecific = ten ? d[3]! : d[2]!;
  const descriptorLength = ten ? readBe16(d, 6) : d[3]!;
  const longLba = ten ? (d[4]! & 1) === 1 : false;
  const descriptor = d.subarray(header, header + descriptorLength);
  const pages = new Map<number, Uint8Array>();
  for (let at = header + descriptorLength; at + 2 <= d.length; at += 2 + d[at + 1]!) {
    pages.set(d[at]! & 0x3f, d.subarray(at, at + 2 + d[at + 1]!));
  }
  return { dataLength, deviceSpecific, descriptorLength, longLba, descriptor, pages, order: [...pages.keys()] };
}

function sense6(rig: DiskRig, page: number, opts: Parameters<typeof cdb.modeSense6>[2] = {}) {
  const p = rig.run(cdb.modeSense6(page, 255, opts));
  expect(p.status).toBe(STATUS.GOOD);
  expect(p.kind).toBe(PLAN.BUFFER_IN);
  return parseModeSense(p.data, false);
}

function sense10(rig: DiskRig, page: number, opts: Parameters<typeof cdb.modeSense10>[2] = {}) {
  const p = rig.run(cdb.modeSense10(page, 1024, opts));
  expect(p.status).toBe(STATUS.GOOD);
  return parseModeSense(p.data, true);
}

/** The caching page MODE SENSE reports, as a MODE SELECT(6) list (header, no descriptor). */
function cachingList(rig: DiskRig, change: (page: Uint8Array) => void = () => {}): number[] {
  const page = Uint8Array.from(sense6(rig, 0x08, { dbd: true }).pages.get(0x08)!);
  change(page);
  return [0, 0, 0, 0, ...page];
}

function wce(rig: DiskRig): boolean {
  return (sense6(rig, 0x08).pages.get(0x08)![2]! & 0x04) !== 0;
}

describe('MODE SENSE', () => {
  it('(6) of all pages: header, a short block descriptor, caching then control page', async () => {
    const rig = await DiskRig.create();
    const p = rig.run(cdb.modeSense6(0x3f, 255));
    const m = parseModeSense(p.data, false);
    expect(m.dataLength).toBe(p.data.length);
    expect(m.deviceSpecific).toBe(0); // writable; DPOFUA 0 so Linux sends no FUA
    expect(m.descriptorLength).toBe(8);
    expect(readBe32(m.descriptor, 0)).toBe(DEFAULT_SECTORS);
    expect(readBe32(m.descriptor, 4) & 0xffffff).toBe(512);
    expect(m.order).toEqual([0x08, 0x0a]);
    expect(m.pages.get(0x08)!.length).toBe(20);
    expect(m.pages.get(0x08)![0]! & 0x80).toBe(0); // PS: not saveable
    expect(m.pages.get(0x08)![2]! & 0x05).toBe(0x04); // WCE 1, RCD 0
    expect(m.pages.get(0x0a)!.length).toBe(12);
    expect(m.pages.get(0x0a)![2]! & 0x04).toBe(0); // D_SENSE 0: fixed format sense
  });

  it('(6) of one page, with and without block descriptors', async () => {
    const rig = await DiskRig.create();
    expect(sense6(rig, 0x08).order).toEqual([0x08]);
    const dbd = sense6(rig, 0x0a, { dbd: true });
    expect([dbd.descriptorLength, ...dbd.order]).toEqual([0, 0x0a]);
  });

  it('(10): the same pages; LLBAA gives a long descriptor with the 64-bit block count', async () => {
    const rig = await DiskRig.create({ sectors: 1n << 33n });
    const short = sense10(rig, 0x3f);
    expect(short.descriptorLength).toBe(8);
    expect(readBe32(short.descriptor, 0)).toBe(0xffffffff); // too many blocks for the short form
    const long = sense10(rig, 0x3f, { llbaa: true });
    expect([long.descriptorLength, long.longLba]).toEqual([16, true]);
    expect(readBe64(long.descriptor, 0)).toBe(1n << 33n);
    expect(readBe32(long.descriptor, 12)).toBe(512);
    expect(long.order).toEqual([0x08, 0x0a]);
    const none = sense10(rig, 0x08, { dbd: true, llbaa: true });
    expect([none.descriptorLength, none.longLba]).toEqual([0, false]);
  });

  it('sets WP in the device-specific parameter of a write-protected disk', async () => {
    const rig = await DiskRig.create({ readOnly: true });
    expect(sense6(rig, 0x3f).deviceSpecific).toBe(0x80);
    expect(sense10(rig, 0x3f).deviceSpecific).toBe(0x80);
  });

  it('changeable values: WCE only; default values: the power-on ones', async () => {
    const rig = await DiskRig.create();
    const changeable = sense6(rig, 0x3f, { pc: 1 });
    expect(Array.from(changeable.pages.get(0x08)!.subarray(2))).toEqual([0x04, ...new Array(17).fill(0)]);
    expect(Array.from(changeable.pages.get(0x0a)!.subarray(2))).toEqual(new Array(10).fill(0));
    expect(Array.from(changeable.descriptor)).toEqual(new Array(8).fill(0));
    const current = sense6(rig, 0x3f, { pc: 0 });
    expect(Array.from(sense6(rig, 0x3f, { pc: 2 }).pages.get(0x0a)!)).toEqual(Array.from(current.pages.get(0x0a)!));
  });

  it('saved values: SAVING PARAMETERS NOT SUPPORTED', async () => {
    const rig = await DiskRig.create();
    for (const c of [cdb.modeSense6(0x08, 255, { pc: 3 }), cdb.modeSense10(0x3f, 1024, { pc: 3 })]) {
      const s = rig.expectCheck(c);
      expect([s.key, s.asc, s.ascq]).toEqual([KEY.ILLEGAL_REQUEST, 0x39, 0x00]);
    }
  });

  it('a page or subpage it does not have: INVALID FIELD IN CDB', async () => {
    const rig = await DiskRig.create();
    for (const page of [0x00, 0x01, 0x04, 0x1c, 0x3e]) {
      const s = rig.expectCheck(cdb.modeSense6(page));
      expect([s.key, s.asc, ...s.sks]).toEqual([KEY.ILLEGAL_REQUEST, 0x24, 0xc0, 0, 2]);
    }
    expect(rig.expectCheck(cdb.modeSense6(0x08, 255, { subpage: 1 })).sks).toEqual([0xc0, 0, 3]);
    // Subpage FFh (all subpages) is the page itself: it has no others.
    expect(sense6(rig, 0x3f, { subpage: 0xff }).order).toEqual([0x08, 0x0a]);
    expect(sense6(rig, 0x08, { subpage: 0xff }).order).toEqual([0x08]);
  });

  it('clips to the allocation length but reports the full MODE DATA LENGTH', async () => {
    const rig = await DiskRig.create();
    const full = rig.run(cdb.modeSense6(0x3f, 255)).data;
    const four = rig.run(cdb.modeSense6(0x3f, 4));
    expect(four.bytes).toBe(4);
    expect(four.data[0]).toBe(full.length - 1);
    const ten = rig.run(cdb.modeSense10(0x3f, 8));
    expect(ten.bytes).toBe(8);
    expect(readBe16(ten.data, 0)).toBeGreaterThan(6);
    expect(rig.run(cdb.modeSense6(0x3f, 0)).kind).toBe(PLAN.NO_DATA);
  });
});

describe('MODE SELECT', () => {
  it('turns the write cache off and on; writes are then made durable with a flush after', async () => {
    const rig = await DiskRig.create();
    const off = cachingList(rig, (p) => { p[2] = p[2]! & ~0x04; });
    expect(rig.dataOut(cdb.modeSelect6(off.length), off)).toBe(STATUS.GOOD);
    expect(wce(rig)).toBe(false);
    expect(rig.run(cdb.write10(0, 1)).flushAfter).toBe(true);
    expect(rig.run(cdb.write6(0, 1)).flushAfter).toBe(true);
    expect(rig.run(cdb.read10(0, 1)).flushAfter).toBe(false);
    const on = cachingList(rig, (p) => { p[2] = p[2]! | 0x04; });
    expect(rig.dataOut(cdb.modeSelect6(on.length), on)).toBe(STATUS.GOOD);
    expect(wce(rig)).toBe(true);
    expect(rig.run(cdb.write10(0, 1)).flushAfter).toBe(false);
  });

  it('(10) with a long block descriptor that keeps the capacity', async () => {
    const rig = await DiskRig.create();
    const page = Uint8Array.from(sense10(rig, 0x08, { dbd: true }).pages.get(0x08)!);
    page[2] = 0;
    const descriptor = [0, 0, 0, 0, ...be16(DEFAULT_SECTORS >>> 16), ...be16(DEFAULT_SECTORS & 0xffff),
      0, 0, 0, 0, 0, 0, 2, 0];
    expect(Array.from(sense10(rig, 0x08, { llbaa: true }).descriptor)).toEqual(descriptor);
    const list = [0, 0, 0, 0, 1, 0, 0, 16, ...descriptor, ...page];
    expect(rig.dataOut(cdb.modeSelect10(list.length), list)).toBe(STATUS.GOOD);
    expect(wce(rig)).toBe(false);
  });

  it('accepts a short block descriptor with 0 blocks (no change) or the capacity', async () => {
    const rig = await DiskRig.create();
    for (const blocks of [0, DEFAULT_SECTORS]) {
      const list = [0, 0, 0, 8, (blocks >>> 24) & 0xff, (blocks >>> 16) & 0xff, (blocks >>> 8) & 0xff, blocks & 0xff,
        0, 0, 2, 0];
      expect(rig.dataOut(cdb.modeSelect6(list.length), list)).toBe(STATUS.GOOD);
    }
  });

  it('a parameter list length of 0 is GOOD with no data phase; SP is refused', async () => {
    const rig = await DiskRig.create();
    const p = rig.run(cdb.modeSelect6(0));
    expect([p.status, p.kind]).toEqual([STATUS.GOOD, PLAN.NO_DATA]);
    expect(rig.run(cdb.modeSelect10(0)).kind).toBe(PLAN.NO_DATA);
    for (const c of [cdb.modeSelect6(16, { sp: true }), cdb.modeSelect10(16, { sp: true })]) {
      const s = rig.expectCheck(c);
      expect([s.key, s.asc, ...s.sks]).toEqual([KEY.ILLEGAL_REQUEST, 0x24, 0xc0, 0, 1]);
    }
  });

  it('a list longer than any it could accept is refused before its data phase', async () => {
    const rig = await DiskRig.create();
    const s = rig.expectCheck(cdb.modeSelect10(4096));
    expect([s.key, s.asc, ...s.sks]).toEqual([KEY.ILLEGAL_REQUEST, 0x24, 0xc0, 0, 7]);
    expect(rig.run(cdb.modeSelect6(255)).kind).toBe(PLAN.BUFFER_OUT);
  });

  type Bad = [string, (rig: DiskRig) => { c: number[]; list: number[]; deliver?: number }, number, number | null];
  const bad: Bad[] = [
    ['a header cut short', () => ({ c: cdb.modeSelect6(3), list: [0, 0, 0] }), 0x1a, null],
    ['a MODE SELECT(10) header cut short', () => ({ c: cdb.modeSelect10(6), list: [0, 0, 0, 0, 0, 0] }), 0x1a, null],
    ['a nonzero medium type', () => ({ c: cdb.modeSelect6(4), list: [0, 5, 0, 0] }), 0x26, 1],
    ['a block descriptor length that is not 0 or 8', () => ({ c: cdb.modeSelect6(8), list: [0, 0, 0, 4, 0, 0, 0, 0] }), 0x26, 3],
    ['a long descriptor length without LONGLBA', () => ({ c: cdb.modeSelect10(24), list: [0, 0, 0, 0, 0, 0, 0, 16, ...new Array(16).fill(0)] }), 0x26, 6],
    ['a block descriptor cut short', () => ({ c: cdb.modeSelect6(8), list: [0, 0, 0, 8, 0, 0, 0, 0] }), 0x1a, null],
    ['a capacity change', () => ({ c: cdb.modeSelect6(12), list: [0, 0, 0, 8, 0, 0, 0, 9, 0, 0, 2, 0] }), 0x26, 4],
    ['a block length change', () => ({ c: cdb.modeSelect6(12), list: [0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 4, 0] }), 0x26, 9],
    ['an unknown page', () => ({ c: cdb.modeSelect6(8), list: [0, 0, 0, 0, 0x01, 2, 0, 0] }), 0x26, 4],
    ['a subpage', () => ({ c: cdb.modeSelect6(8), list: [0, 0, 0, 0, 0x48, 0, 0, 0] }), 0x26, 4],
    ['a wrong caching page length', (rig) => {
      const list = cachingList(rig).slice(0, 4 + 2 + 10);
      list[5] = 10;
      return { c: cdb.modeSelect6(list.length), list };
    }, 0x26, 5],
    ['a page cut short', (rig) => {
      const list = cachingList(rig).slice(0, 12);
      return { c: cdb.modeSelect6(list.length), list };
    }, 0x1a, null],
    ['a lone byte after the pages', (rig) => {
      const list = [...cachingList(rig), 0x0a];
      return { c: cdb.modeSelect6(list.length), list };
    }, 0x1a, null],
    ['RCD set (not changeable)', (rig) => {
      const list = cachingList(rig, (p) => { p[2] = p[2]! | 0x01; });
      return { c: cdb.modeSelect6(list.length), list };
    }, 0x26, 6],
    ['a change to a reserved caching byte', (rig) => {
      const list = cachingList(rig, (p) => { p[12] = 0x20; });
      return { c: cdb.modeSelect6(list.length), list };
    }, 0x26, 16],
    ['a change to the control page', (rig) => {
      const page = Array.from(sense6(rig, 0x0a, { dbd: true }).pages.get(0x0a)!);
      page[2] = page[2]! | 0x04; // D_SENSE
      const list = [0, 0, 0, 0, ...page];
      return { c: cdb.modeSelect6(list.length), list };
    }, 0x26, 6],
    ['fewer bytes delivered than the list length', (rig) => {
      const list = cachingList(rig);
      return { c: cdb.modeSelect6(list.length), list, deliver: 10 };
    }, 0x1a, null],
  ];
  for (const [name, build, asc, pointer] of bad) {
    it(`refuses ${name} (${asc.toString(16)}h) and applies nothing`, async () => {
      const rig = await DiskRig.create();
      const { c, list, deliver } = build(rig);
      expect(rig.dataOut(c, list, deliver)).toBe(STATUS.CHECK_CONDITION);
      const s = rig.requestSense();
      expect([s.key, s.asc, s.ascq]).toEqual([KEY.ILLEGAL_REQUEST, asc, 0x00]);
      if (pointer === null) expect(s.sks[0]).toBe(0);
      else expect(s.sks).toEqual([0x80, pointer >> 8, pointer & 0xff]); // C/D 0: in the parameter list
      expect(wce(rig)).toBe(true);
    });
  }

  it('reads no more of the list than its length, whatever the data phase claims it delivered', async () => {
    const rig = await DiskRig.create();
    const off = cachingList(rig, (p) => { p[2] = 0; });
    const p = rig.run(cdb.modeSelect6(off.length));
    const memory = new Uint8Array(rig.core.memory.buffer);
    memory.set(off, p.buffer);
    memory.fill(0xff, p.buffer + off.length, p.buffer + off.length + 64); // garbage past the list
    rig.core.data_out_done(0, off.length + 64);
    expect(rig.core.plan_status()).toBe(STATUS.GOOD);
    expect(wce(rig)).toBe(false);
  });

  it('is atomic: a good caching page followed by a bad page changes nothing', async () => {
    const rig = await DiskRig.create();
    const off = cachingList(rig, (p) => { p[2] = 0; });
    const list = [...off, 0x1c, 2, 0, 0];
    expect(rig.dataOut(cdb.modeSelect6(list.length), list)).toBe(STATUS.CHECK_CONDITION);
    expect(rig.senseCode()).toEqual([KEY.ILLEGAL_REQUEST, 0x26, 0x00]);
    expect(wce(rig)).toBe(true);
  });

  it('a bus reset restores the default (write cache on)', async () => {
    const rig = await DiskRig.create();
    const off = cachingList(rig, (p) => { p[2] = 0; });
    expect(rig.dataOut(cdb.modeSelect6(off.length), off)).toBe(STATUS.GOOD);
    rig.core.bus_reset();
    rig.run(cdb.testUnitReady());
    expect(wce(rig)).toBe(true);
  });
});
