// LSI53C895A core: what a wrong or hostile guest gets. Moves to memory that does not exist
// (or to the chip's own BAR), a table entry with a huge count, a data phase scattered over
// more ranges than one request carries, overlapping tags, a full task pool, message floods,
// stale and forged completions, bus and crash resets with requests in flight. The device
// answers as hardware would (bus fault, phase mismatch, CHECK CONDITION, BUSY, TASK SET FULL)
// and keeps working.

import { describe, expect, it } from 'vitest';
import { RESET_AFTER_CRASH, STATUS_OK } from '../../src/workers/common/core-abi.js';
import { MemoryImage } from '../helpers/core-harness.js';
import { DSTAT, LsiRig, R, SIST0, testTarget } from './scsi-rig.js';
import { MiniDriver } from './scsi-mini-driver.js';
import { PHASE, Script } from './scsi-assembler.js';

const BUF = 0x100000;
const NOWHERE = 0x7ff00000; // far beyond the 4 MiB of guest RAM
const REGS_BAR = 0xfeb00000;

function read10(lba: number, blocks: number): number[] {
  return [0x28, 0, 0, 0, (lba >> 8) & 0xff, lba & 0xff, 0, 0, blocks, 0];
}

async function setup() {
  const image = MemoryImage.patterned(1024, 3);
  const rig = await LsiRig.create({ targets: [testTarget(1024, 0)], images: { 0: image } });
  rig.config(0x14, 4, REGS_BAR);
  const driver = await MiniDriver.attach(rig);
  return { rig, driver, image };
}

describe('memory that does not exist', () => {
  it('a media read into nowhere: one request, the backend refuses it, CHECK CONDITION', async () => {
    const { rig, driver } = await setup();
    driver.queue({ slot: 1, target: 0, cdb: read10(0, 2), segments: [{ addr: BUF, len: 512 }, { addr: NOWHERE, len: 512 }], dataIn: true });
    expect(rig.h.submitted).toHaveLength(1);
    rig.flushIo();
    expect(driver.status(1)).toBe(0x02);
    expect(driver.takeDone()).toEqual([1]);
  });

  it('a media read aimed at the chip\'s own register BAR is just memory outside RAM', async () => {
    const { rig, driver } = await setup();
    const before = rig.read32(R.SCRATCHB);
    driver.queue({ slot: 2, target: 0, cdb: read10(0, 1), segments: [{ addr: REGS_BAR + R.SCRATCHB, len: 512 }], dataIn: true });
    rig.flushIo();
    expect(driver.status(2)).toBe(0x02);
    expect(rig.read32(R.SCRATCHB)).toBe(before);
  });

  it('a buffer data phase (INQUIRY) into nowhere is a bus fault at that move', async () => {
    const { rig, driver } = await setup();
    driver.queue({ slot: 3, target: 0, cdb: [0x12, 0, 0, 0, 36, 0], segments: [{ addr: NOWHERE, len: 36 }], dataIn: true });
    expect(rig.read(R.DSTAT) & 0x7f).toBe(DSTAT.BF);
    expect(rig.running()).toBe(false);
    // The driver recovers the way sym53c8xx does: reset the bus, start over.
    rig.write(R.SCNTL1, 0x08);
    rig.write(R.SCNTL1, 0x00);
    expect(rig.read(R.SIST0)).toBe(SIST0.RST);
    const fresh = await MiniDriver.attach(rig);
    fresh.queue({ slot: 4, target: 0, cdb: [0, 0, 0, 0, 0, 0] });
    expect(fresh.status(4)).toBe(0x02); // the reset's unit attention
    fresh.queue({ slot: 5, target: 0, cdb: [0, 0, 0, 0, 0, 0] });
    expect(fresh.status(5)).toBe(0x00);
  });

  it('a DSA pointing nowhere makes the table-indirect SELECT a bus fault', async () => {
    const rig = await LsiRig.create({ targets: [testTarget(64, 0)] });
    rig.load(new Script(0x1000).selectTable(0, { atn: true, alt: 0x1000 }).int(1));
    rig.write32(R.DSA, NOWHERE);
    rig.start(0x1000);
    expect(rig.read(R.DSTAT) & 0x7f).toBe(DSTAT.BF);
  });
});

describe('counts and scatter', () => {
  it('a table entry with a huge count moves only what the target has, then phase mismatch', async () => {
    const { rig, driver, image } = await setup();
    rig.write(R.SIEN0, SIST0.MA);
    driver.queue({ slot: 6, target: 0, cdb: read10(9, 1), segments: [{ addr: BUF, len: 0xffffff }], dataIn: true });
    expect(rig.read(R.SIST0)).toBe(SIST0.MA);
    expect(rig.read32(R.DBC) & 0xffffff).toBe(0xffffff - 512);
    expect(rig.read32(R.DNAD)).toBe(BUF + 512);
    expect(rig.h.submitted).toHaveLength(1);
    expect(rig.h.submitted[0]!.sg).toEqual([{ addr: BUF, len: 512, coreMemory: false }]);
    // The driver handles the mismatch by leaving the data chain for its phase dispatcher.
    rig.start(driver.addressOf('data_done'));
    rig.flushIo();
    expect(driver.status(6)).toBe(0);
    expect(rig.bytes(BUF, 512)).toEqual(image.read(9, 512));
    expect(rig.bytes(BUF + 512, 16).every((b) => b === 0)).toBe(true);
  });

  it('a data phase scattered over more ranges than one request holds ends in CHECK CONDITION, no I/O', async () => {
    const { rig, driver } = await setup();
    rig.write(R.SIEN0, SIST0.MA);
    const segments = Array.from({ length: 1024 }, (_, i) => ({ addr: BUF + 2 * i, len: 1 }));
    driver.queue({ slot: 7, target: 0, cdb: read10(0, 2), segments, dataIn: true });
    expect(rig.read(R.SIST0)).toBe(SIST0.MA); // the target left the data phase early
    rig.start(driver.addressOf('data_done'));
    expect(driver.status(7)).toBe(0x02);
    expect(rig.h.submitted).toHaveLength(0);
    // Sense says why: ABORTED COMMAND, DATA PHASE ERROR.
    driver.queue({ slot: 8, target: 0, cdb: [0x03, 0, 0, 0, 18, 0], segments: [{ addr: BUF + 0x8000, len: 18 }], dataIn: true });
    expect(driver.status(8)).toBe(0);
    expect([rig.ram[BUF + 0x8000 + 2]! & 0xf, rig.ram[BUF + 0x8000 + 12]]).toEqual([0xb, 0x4b]);
  });
});

describe('queueing abuse', () => {
  it('a second command on a tag that is still active is refused with BUSY', async () => {
    const { rig, driver } = await setup();
    driver.queue({ slot: 10, target: 0, cdb: read10(0, 1), segments: [{ addr: BUF, len: 512 }], dataIn: true });
    // Another CCB with the same tag while the first is still in flight.
    driver.queue({ slot: 20, tag: 10, target: 0, cdb: read10(1, 1), segments: [{ addr: BUF + 512, len: 512 }], dataIn: true, expectRefusal: true });
    expect(driver.status(20)).toBe(0x08);
    expect(rig.h.submitted).toHaveLength(1);
    rig.flushIo();
    expect(driver.status(10)).toBe(0);
  });

  it('the 65th outstanding command gets TASK SET FULL', async () => {
    const { rig, driver } = await setup();
    for (let slot = 0; slot < 64; slot++) {
      driver.queue({ slot, target: 0, cdb: read10(slot, 1), segments: [{ addr: BUF + slot * 512, len: 512 }], dataIn: true });
    }
    expect(rig.h.pending).toHaveLength(64);
    driver.queue({ slot: 64, target: 0, cdb: [0, 0, 0, 0, 0, 0], untagged: true });
    expect(driver.status(64)).toBe(0x28);
    rig.flushIo();
    for (let slot = 0; slot < 64; slot++) expect(driver.status(slot)).toBe(0);
  });

  it('completions nobody asked for, or for abandoned requests, are ignored', async () => {
    const { rig, driver } = await setup();
    for (const id of [0, 1, 0xffffffff, 0x12345678, 0x100 | 63]) rig.core.complete(id, STATUS_OK);
    driver.queue({ slot: 11, target: 0, cdb: read10(0, 1), segments: [{ addr: BUF, len: 512 }], dataIn: true });
    const req = rig.h.pending[0]!;
    rig.core.complete(req.reqId ^ 0x100, STATUS_OK); // wrong generation
    expect(driver.status(11)).toBe(0xff);
    rig.h.complete(req, rig.h.serve(req));
    rig.core.complete(req.reqId, STATUS_OK); // twice
    rig.drainYields();
    expect(driver.status(11)).toBe(0);
    expect(driver.takeDone()).toEqual([11]);
  });

  it('a flood of message bytes is cut off after one maximal message with MESSAGE REJECT', async () => {
    const rig = await LsiRig.create({ targets: [testTarget(64, 0)] });
    rig.write(R.SIEN0, SIST0.MA);
    rig.ram.fill(0x08, 0x200000, 0x200000 + 100000); // NOPs
    rig.ram[0x200000] = 0xc0;
    const s = new Script(0x1000)
      .select(0, { atn: true, alt: 0x1000 })
      .move(PHASE.MSG_OUT, 100000, 0x200000)
      .int(1);
    rig.load(s);
    rig.start(0x1000);
    expect(rig.read(R.SIST0)).toBe(SIST0.MA);
    expect(rig.read32(R.DBC) & 0xffffff).toBe(100000 - 259);
    expect(rig.read(R.SSTAT1) & 7).toBe(PHASE.MSG_IN);
  });
});

describe('message out in the middle of a reselection', () => {
  it('ATN while the target sends IDENTIFY + tag, then a flood: rejected, and the reselection completes', async () => {
    const image = MemoryImage.patterned(64, 1);
    const rig = await LsiRig.create({ targets: [testTarget(64, 0)], images: { 0: image } });
    rig.write(R.SCID, 0x47);
    rig.putBytes(0x9000, [0xc0, 0x20, 0x09]);
    rig.putBytes(0x9100, read10(3, 1));
    rig.ram.fill(0x08, 0x200000, 0x200000 + 5000);
    const s = new Script(0x1000)
      .select(0, { atn: true, alt: 0x1000 })
      .move(PHASE.MSG_OUT, 3, 0x9000)
      .move(PHASE.COMMAND, 10, 0x9100)
      .move(PHASE.DATA_IN, 512, BUF)
      .move(PHASE.MSG_IN, 2, 0x9200)
      .clear({ ack: true })
      .waitDisconnect()
      .waitReselect(0x1000)
      .set({ atn: true })
      .move(PHASE.MSG_OUT, 5000, 0x200000)
      .label('resume')
      .move(PHASE.MSG_IN, 4, 0x9210)
      .clear({ ack: true })
      .move(PHASE.STATUS, 1, 0x9300)
      .move(PHASE.MSG_IN, 1, 0x9301)
      .clear({ ack: true })
      .waitDisconnect()
      .int(0x600d);
    rig.write(R.SIEN0, SIST0.MA);
    rig.load(s);
    rig.start(0x1000);
    rig.flushIo();
    expect(rig.read(R.SIST0)).toBe(SIST0.MA); // the flood was cut short
    rig.start(s.addressOf('resume'));
    expect(rig.read32(R.DSPS)).toBe(0x600d);
    expect(Array.from(rig.bytes(0x9210, 4))).toEqual([0x80, 0x20, 0x09, 0x07]);
    expect([rig.ram[0x9300], rig.ram[0x9301]]).toEqual([0, 0]);
    expect(rig.bytes(BUF, 512)).toEqual(image.read(3, 512));
  });
});

describe('resets with requests in flight', () => {
  it('after a crash restart: SCSI bus reset reported with INTA#, old completions ignored, the driver starts over', async () => {
    const { rig, driver } = await setup();
    driver.queue({ slot: 12, target: 0, cdb: read10(0, 4), segments: [{ addr: BUF, len: 2048 }], dataIn: true });
    const lost = rig.h.pending[0]!;
    rig.core.reset(RESET_AFTER_CRASH);
    rig.config(0x04, 2, 0x0007);
    rig.config(0x18, 4, 0xfebf0000);
    expect(rig.irq()).toBe(true);
    expect(rig.read(R.ISTAT) & 3).toBe(0x02);
    expect(rig.read(R.SIST0)).toBe(SIST0.RST);
    expect(rig.irq()).toBe(false);
    rig.h.complete(lost, rig.h.serve(lost)); // the old core's request
    expect(rig.running()).toBe(false);
    const fresh = await MiniDriver.attach(rig);
    fresh.queue({ slot: 13, target: 0, cdb: [0, 0, 0, 0, 0, 0] });
    expect(fresh.status(13)).toBe(0x02); // unit attention after the bus reset
    fresh.queue({ slot: 14, target: 0, cdb: read10(0, 1), segments: [{ addr: BUF, len: 512 }], dataIn: true });
    rig.flushIo();
    expect(fresh.status(14)).toBe(0);
  });

  it('a SCSI bus reset drops disconnected tasks; their completions no longer reselect', async () => {
    const { rig, driver } = await setup();
    driver.queue({ slot: 15, target: 0, cdb: read10(0, 1), segments: [{ addr: BUF, len: 512 }], dataIn: true });
    rig.write(R.SCNTL1, 0x08);
    rig.write(R.SCNTL1, 0x00);
    expect(rig.read(R.SIST0) & SIST0.RST).toBe(SIST0.RST);
    rig.flushIo();
    expect(driver.status(15)).toBe(0xff);
    expect(rig.read(R.ISTAT) & 0x08).toBe(0); // nobody reconnected
  });
});
