// LSI53C895A core: a complete sym53c8xx-style SCRIPTS program (scheduler in SCRIPTS RAM,
// select with ATN, IDENTIFY + SIMPLE QUEUE TAG, command, table-indirect CHMOV data chains,
// SAVE DATA POINTER + DISCONNECT, WAIT RESELECT, reselection with the tag, status, COMMAND
// COMPLETE, done queue + INTFLY) moving data between guest RAM and disk images. Every READ
// and WRITE must reach the backend as exactly ONE block request whose SG list is the
// command's CHMOV ranges (merged where contiguous), and the bytes must arrive intact.

import { describe, expect, it } from 'vitest';
import { BLOCK_FLUSH, BLOCK_READ, BLOCK_WRITE, STATUS_EIO } from '../../src/workers/common/core-abi.js';
import { MemoryImage } from '../helpers/core-harness.js';
import { LsiRig, R, diskTarget, md5, testTarget } from './scsi-rig.js';
import { MiniDriver, type Segment } from './scsi-mini-driver.js';

const BUF = 0x100000;

function read10(lba: number, blocks: number, fua = false): number[] {
  return [0x28, fua ? 0x08 : 0, (lba >>> 24) & 0xff, (lba >>> 16) & 0xff, (lba >>> 8) & 0xff, lba & 0xff, 0, (blocks >> 8) & 0xff, blocks & 0xff, 0];
}

function write10(lba: number, blocks: number, fua = false): number[] {
  const c = read10(lba, blocks, fua);
  c[0] = 0x2a;
  return c;
}

/** Scattered segments adding up to `total` bytes: uneven sizes, some contiguous pairs. */
function scatter(base: number, total: number, sizes: number[]): Segment[] {
  const segs: Segment[] = [];
  let at = base;
  let left = total;
  let i = 0;
  while (left > 0) {
    const len = Math.min(sizes[i % sizes.length]!, left);
    segs.push({ addr: at, len });
    left -= len;
    // every third segment is followed directly by the next one (merged by the SG list)
    at += len + (i % 3 === 2 ? 0 : 0x1000 + (i % 5) * 64);
    i++;
  }
  return segs;
}

function gather(rig: LsiRig, segs: Segment[]): Uint8Array {
  const out = new Uint8Array(segs.reduce((n, s) => n + s.len, 0));
  let o = 0;
  for (const s of segs) {
    out.set(rig.bytes(s.addr, s.len), o);
    o += s.len;
  }
  return out;
}

async function setup(opts: { completion?: 'manual' | 'microtask'; sectors?: number; kind?: 'test' | 'disk' } = {}) {
  const sectors = opts.sectors ?? 4096;
  const image = MemoryImage.patterned(sectors, 11);
  const target = (opts.kind ?? 'test') === 'test' ? testTarget(sectors, 0) : diskTarget(sectors, 0);
  const rig = await LsiRig.create({ targets: [null, null, target], images: { 0: image }, completion: opts.completion });
  const driver = await MiniDriver.attach(rig);
  return { rig, driver, image };
}

describe('one block request per command', () => {
  it('READ(10): data in through 9 CHMOVs, disconnect, readv, reselect, status — one request, md5 intact', async () => {
    const { rig, driver, image } = await setup();
    const segs = scatter(BUF, 64 * 512, [4096, 512, 8192, 1536, 3072, 2048, 4608]);
    expect(segs.length).toBeGreaterThan(6);
    driver.queue({ slot: 3, target: 2, cdb: read10(100, 64), segments: segs, dataIn: true });
    // All moves were gathered; the target disconnected while its request is in flight.
    expect(rig.h.submitted).toHaveLength(1);
    const req = rig.h.submitted[0]!;
    expect([req.op, Number(req.lba), req.drive]).toEqual([BLOCK_READ, 100, 0]);
    const merged = req.sg.reduce((n, e) => n + e.len, 0);
    expect(merged).toBe(64 * 512);
    expect(req.sg.length).toBeLessThan(segs.length); // contiguous neighbours merged
    expect(rig.read(R.ISTAT) & 0x08).toBe(0); // bus free: not connected
    expect(driver.status(3)).toBe(0xff); // no status yet
    expect(gather(rig, segs).every((b) => b === 0)).toBe(true); // nothing moved yet

    rig.flushIo();
    expect(driver.status(3)).toBe(0x00);
    expect(rig.read(R.ISTAT) & 0x04).toBe(0x04); // INTFLY
    expect(rig.irq()).toBe(true);
    expect(driver.takeDone()).toEqual([3]);
    expect(rig.irq()).toBe(false);
    expect(md5(gather(rig, segs))).toBe(md5(image.read(100, 64 * 512)));
    expect(rig.h.submitted).toHaveLength(1);
    expect(rig.running()).toBe(true); // parked in WAIT RESELECT again
  });

  it('WRITE(10): data out through the chain, one writev, the image gets exactly the guest bytes', async () => {
    const { rig, driver, image } = await setup();
    const segs = scatter(BUF, 48 * 512, [512, 1024, 7680, 2560]);
    const payload = Uint8Array.from({ length: 48 * 512 }, (_, i) => (i * 13 + 5) & 0xff);
    let o = 0;
    for (const s of segs) {
      rig.putBytes(s.addr, payload.subarray(o, o + s.len));
      o += s.len;
    }
    const before = image.bytes.slice();
    driver.queue({ slot: 9, target: 2, cdb: write10(2000, 48), segments: segs, dataIn: false });
    expect(rig.h.submitted).toHaveLength(1);
    expect(rig.h.submitted[0]!.op).toBe(BLOCK_WRITE);
    rig.flushIo();
    expect(driver.status(9)).toBe(0);
    expect(driver.takeDone()).toEqual([9]);
    expect(md5(image.read(2000, 48 * 512))).toBe(md5(payload));
    // Nothing else on the image changed.
    image.bytes.set(before.subarray(2000 * 512, 2048 * 512), 2000 * 512);
    expect(md5(image.bytes)).toBe(md5(before));
  });

  it('queues four tagged commands before any completes; completions in reverse order reselect by tag', async () => {
    const { rig, driver, image } = await setup();
    const cmds = [
      { slot: 1, lba: 10, blocks: 8, dataIn: true },
      { slot: 2, lba: 300, blocks: 16, dataIn: false },
      { slot: 5, lba: 40, blocks: 24, dataIn: true },
      { slot: 7, lba: 900, blocks: 4, dataIn: false },
    ];
    const segsOf = new Map<number, Segment[]>();
    cmds.forEach((c, i) => {
      const segs = scatter(BUF + i * 0x40000, c.blocks * 512, [1024, 3072, 512]);
      segsOf.set(c.slot, segs);
      if (!c.dataIn) for (const s of segs) rig.putBytes(s.addr, new Uint8Array(s.len).fill(0x40 + c.slot));
      driver.queue({ slot: c.slot, target: 2, cdb: c.dataIn ? read10(c.lba, c.blocks) : write10(c.lba, c.blocks), segments: segs, dataIn: c.dataIn });
    });
    expect(rig.h.pending).toHaveLength(4); // queue depth 4 on the backend at once
    expect(rig.h.submitted.map((r) => Number(r.lba))).toEqual([10, 300, 40, 900]);
    for (const req of [...rig.h.pending].reverse()) {
      rig.h.complete(req, rig.h.serve(req));
      rig.drainYields();
    }
    expect(driver.takeDone().sort()).toEqual([1, 2, 5, 7]);
    for (const c of cmds) {
      expect(driver.status(c.slot)).toBe(0);
      const segs = segsOf.get(c.slot)!;
      if (c.dataIn) expect(md5(gather(rig, segs))).toBe(md5(image.read(c.lba, c.blocks * 512)));
      else expect(image.read(c.lba, c.blocks * 512).every((b) => b === 0x40 + c.slot)).toBe(true);
    }
    expect(rig.h.submitted).toHaveLength(4);
  });

  it('with completions on a microtask the whole queue drains without the test stepping it', async () => {
    const { rig, driver, image } = await setup({ completion: 'microtask' });
    for (let slot = 0; slot < 12; slot++) {
      const segs = scatter(BUF + slot * 0x10000, 8 * 512, [2048, 1024, 1024]);
      driver.queue({ slot, target: 2, cdb: read10(slot * 8, 8), segments: segs, dataIn: true });
    }
    expect(rig.h.submitted).toHaveLength(12); // all disconnected with their reads in flight
    for (let i = 0; i < 50 && rig.h.pending.length > 0; i++) await rig.h.settle();
    rig.drainYields();
    expect(driver.takeDone().sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    for (let slot = 0; slot < 12; slot++) {
      expect(driver.status(slot)).toBe(0);
      expect(md5(gather(rig, scatter(BUF + slot * 0x10000, 8 * 512, [2048, 1024, 1024])))).toBe(md5(image.read(slot * 8, 8 * 512)));
    }
    expect(rig.h.submitted).toHaveLength(12);
  });

  it('an untagged command without the disconnect privilege holds the bus until its request completes', async () => {
    const { rig, driver, image } = await setup();
    const segs = scatter(BUF, 16 * 512, [4096]);
    driver.queue({ slot: 4, target: 2, cdb: read10(7, 16), segments: segs, dataIn: true, untagged: true });
    expect(rig.h.submitted).toHaveLength(1);
    expect(rig.read(R.ISTAT) & 0x08).toBe(0x08); // still connected
    expect(rig.read(R.SBCL) & 0x80).toBe(0); // no REQ: the target is busy
    expect(rig.running()).toBe(true); // SCRIPTS wait for it
    rig.flushIo();
    expect(driver.status(4)).toBe(0);
    expect(driver.takeDone()).toEqual([4]);
    expect(md5(gather(rig, segs))).toBe(md5(image.read(7, 16 * 512)));
  });

  it('SYNCHRONIZE CACHE is one flush; a FUA write to the disk is its write plus one flush', async () => {
    const { rig, driver } = await setup({ kind: 'disk' });
    // The disk powers on with a unit attention: the first command gets CHECK CONDITION.
    driver.queue({ slot: 0, target: 2, cdb: [0, 0, 0, 0, 0, 0] });
    expect(driver.status(0)).toBe(0x02);
    driver.queue({ slot: 1, target: 2, cdb: [0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0] });
    expect(rig.h.submitted.map((r) => r.op)).toEqual([BLOCK_FLUSH]);
    rig.flushIo();
    expect(driver.status(1)).toBe(0);
    const segs = [{ addr: BUF, len: 1024 }];
    driver.queue({ slot: 2, target: 2, cdb: write10(5, 2, true), segments: segs, dataIn: false });
    expect(rig.h.submitted.map((r) => r.op)).toEqual([BLOCK_FLUSH, BLOCK_WRITE]);
    rig.flushIo();
    expect(rig.h.submitted.map((r) => r.op)).toEqual([BLOCK_FLUSH, BLOCK_WRITE, BLOCK_FLUSH]);
    expect(driver.status(2)).toBe(0);
  });

  it('a failing backend request ends the command with CHECK CONDITION, after the data phase', async () => {
    const { rig, driver } = await setup();
    driver.queue({ slot: 6, target: 2, cdb: read10(0, 2), segments: [{ addr: BUF, len: 1024 }], dataIn: true });
    rig.h.complete(rig.h.pending[0]!, STATUS_EIO);
    rig.drainYields();
    expect(driver.status(6)).toBe(0x02);
    expect(driver.takeDone()).toEqual([6]);
  });

  it('INQUIRY from the disk is a buffer data phase: no block request', async () => {
    const { rig, driver } = await setup({ kind: 'disk' });
    driver.queue({ slot: 0, target: 2, cdb: [0, 0, 0, 0, 0, 0] }); // eat the unit attention
    driver.queue({ slot: 1, target: 2, cdb: [0x12, 0, 0, 0, 36, 0], segments: [{ addr: BUF, len: 36 }], dataIn: true });
    expect(driver.status(1)).toBe(0);
    expect(rig.bytes(BUF, 1)[0]).toBe(0x00); // direct access device
    expect(new TextDecoder().decode(rig.bytes(BUF + 8, 5))).toBe('HVMIO');
    expect(rig.h.submitted).toHaveLength(0);
  });
});
