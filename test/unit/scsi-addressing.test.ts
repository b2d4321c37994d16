// LSI53C895A core: how block moves find their address and count — direct, indirect, table
// indirect (with negative DSA offsets), the 64-bit forms (40-bit table entries as sym53c8xx
// uses them with DAC, selector-based table entries, three-dword direct moves, SBMS) — and
// the nexus details a target sees: LUNs, the three queue tag types, CDB lengths by group,
// data moved into SCRIPTS RAM.

import { describe, expect, it } from 'vitest';
import { BLOCK_READ } from '../../src/workers/common/core-abi.js';
import { MemoryImage } from '../helpers/core-harness.js';
import { LsiRig, R, RAM_BAR, SPACE_RAM, testTarget } from './scsi-rig.js';
import { PHASE, Script } from './scsi-assembler.js';

const SCRIPT = 0x1000;
const MSG = 0x9000;
const CDB = 0x9100;
const TABLE = 0x9800;
const BUF = 0x20000;

async function rig1(): Promise<{ rig: LsiRig; image: MemoryImage }> {
  const image = MemoryImage.patterned(256, 5);
  const rig = await LsiRig.create({ targets: [null, testTarget(256, 0)], images: { 0: image } });
  return { rig, image };
}

/** Select target 1 with ATN, send `msg`, send the CDB, then the caller's data moves, and stop
 *  (the request is submitted once the data phase is complete). */
function prologue(rig: LsiRig, cdb: number[], msg = [0x80]): Script {
  rig.putBytes(MSG, msg);
  rig.putBytes(CDB, cdb);
  return new Script(SCRIPT).select(1, { atn: true, alt: 0 }).move(PHASE.MSG_OUT, msg.length, MSG).move(PHASE.COMMAND, cdb.length, CDB);
}

const READ_1 = [0x28, 0, 0, 0, 0, 4, 0, 0, 1, 0];

describe('block move addressing', () => {
  it('indirect: the dword at DSPS is the address', async () => {
    const { rig } = await rig1();
    rig.putDword(0x9400, BUF + 0x40);
    rig.load(prologue(rig, READ_1).moveIndirect(PHASE.DATA_IN, 512, 0x9400).int(1));
    rig.start(SCRIPT);
    expect(rig.h.submitted[0]!.sg).toEqual([{ addr: BUF + 0x40, len: 512, coreMemory: false }]);
  });

  it('table indirect at negative DSA offsets; the entry gives count and address', async () => {
    const { rig } = await rig1();
    rig.putDword(TABLE - 16, 200);
    rig.putDword(TABLE - 12, BUF);
    rig.putDword(TABLE - 8, 312);
    rig.putDword(TABLE - 4, BUF + 0x1000);
    rig.write32(R.DSA, TABLE);
    rig.load(prologue(rig, READ_1).chmovTable(PHASE.DATA_IN, -16 & 0xffffff).chmovTable(PHASE.DATA_IN, -8 & 0xffffff).int(1));
    rig.start(SCRIPT);
    expect(rig.read32(R.ESA)).toBe(TABLE - 8);
    expect(rig.h.submitted[0]!.sg).toEqual([
      { addr: BUF, len: 200, coreMemory: false },
      { addr: BUF + 0x1000, len: 312, coreMemory: false },
    ]);
  });

  it('40-bit table entries (CCNTL1 EXTIBMV|XTIMOD): address bits 39:32 in the count dword', async () => {
    const { rig } = await rig1();
    rig.write(R.CCNTL1, 0x06);
    rig.putDword(TABLE, 0x01000000 | 512);
    rig.putDword(TABLE + 4, BUF);
    rig.write32(R.DSA, TABLE);
    rig.load(prologue(rig, READ_1).chmovTable(PHASE.DATA_IN, 0).int(1));
    rig.start(SCRIPT);
    expect(rig.read32(R.DNAD64)).toBe(1);
    expect(rig.h.submitted[0]!.sg).toEqual([{ addr: 0x1_0000_0000 + BUF, len: 512, coreMemory: false }]);
    // Without the 64-bit mode the top byte is not part of the count or the address.
    const again = await rig1();
    again.rig.putDword(TABLE, 0x01000000 | 512);
    again.rig.putDword(TABLE + 4, BUF);
    again.rig.write32(R.DSA, TABLE);
    again.rig.load(prologue(again.rig, READ_1).chmovTable(PHASE.DATA_IN, 0).int(1));
    again.rig.start(SCRIPT);
    expect(again.rig.h.submitted[0]!.sg).toEqual([{ addr: BUF, len: 512, coreMemory: false }]);
  });

  it('selector table entries (EXTIBMV alone): the top byte picks the register with bits 63:32', async () => {
    const { rig } = await rig1();
    rig.write(R.CCNTL1, 0x02);
    rig.write32(R.SCRATCHC + 3 * 4, 0x2); // SCRATCHF
    rig.putDword(TABLE, 0x03000000 | 512);
    rig.putDword(TABLE + 4, BUF);
    rig.write32(R.DSA, TABLE);
    rig.load(prologue(rig, READ_1).chmovTable(PHASE.DATA_IN, 0).int(1));
    rig.start(SCRIPT);
    expect(rig.h.submitted[0]!.sg[0]!.addr).toBe(0x2_0000_0000 + BUF);
  });

  it('three-dword direct moves (CCNTL1 EXDBMV) and SBMS for ordinary direct moves', async () => {
    const { rig } = await rig1();
    const s = prologue(rig, READ_1);
    // From here on every direct MOVE has a third dword: address bits 63:32.
    s.modify(R.CCNTL1, 0, 0x01).raw(0x09000000 | 256, BUF, 0x3).raw(0x09000000 | 256, BUF + 256, 0).int(7);
    rig.load(s);
    rig.start(SCRIPT);
    expect(rig.read32(R.DSPS)).toBe(7); // ran past both 12-byte instructions
    expect(rig.read32(R.DBMS)).toBe(0);
    expect(rig.h.submitted[0]!.sg).toEqual([
      { addr: 0x3_0000_0000 + BUF, len: 256, coreMemory: false },
      { addr: BUF + 256, len: 256, coreMemory: false },
    ]);
    const second = await rig1();
    // SBMS gives bits 63:32 to every direct move from the moment it is set.
    second.rig.load(prologue(second.rig, READ_1).modify(R.SBMS, 0, 0x4).move(PHASE.DATA_IN, 512, BUF).int(1));
    second.rig.start(SCRIPT);
    expect(second.rig.h.submitted[0]!.sg[0]!.addr).toBe(0x4_0000_0000 + BUF);
  });

  it('data moved into SCRIPTS RAM travels as core memory in the same request', async () => {
    const { rig, image } = await rig1();
    rig.load(prologue(rig, READ_1).move(PHASE.DATA_IN, 256, BUF).move(PHASE.DATA_IN, 256, RAM_BAR + 0x1e00).int(1));
    rig.start(SCRIPT);
    const req = rig.h.submitted[0]!;
    expect(req.op).toBe(BLOCK_READ);
    expect(req.sg).toHaveLength(2);
    expect(req.sg[1]!.coreMemory).toBe(true);
    rig.flushIo();
    expect(rig.core.io_read(SPACE_RAM, 0x1e00n, 4)).toBe(BigInt(new DataView(image.read(4, 512).buffer).getUint32(256, true)));
  });

  it('a range that straddles the end of SCRIPTS RAM is split into RAM and host memory', async () => {
    const { rig } = await rig1();
    rig.load(prologue(rig, READ_1).move(PHASE.DATA_IN, 512, RAM_BAR + 0x1f00).int(1));
    rig.start(SCRIPT);
    const sg = rig.h.submitted[0]!.sg;
    expect(sg.map((e) => [e.len, e.coreMemory])).toEqual([[256, true], [256, false]]);
    expect(sg[1]!.addr).toBe(RAM_BAR + 0x2000);
  });
});

describe('what the target sees of the nexus', () => {
  it('IDENTIFY carries the LUN: INQUIRY of LUN 3 says "no logical unit here"', async () => {
    const { rig } = await rig1();
    rig.load(prologue(rig, [0x12, 0, 0, 0, 36, 0], [0x83]).move(PHASE.DATA_IN, 36, BUF).int(1));
    rig.start(SCRIPT);
    expect(rig.ram[BUF]).toBe(0x7f);
  });

  it('HEAD OF QUEUE and ORDERED tags are accepted; reselection names the tag as SIMPLE', async () => {
    for (const kind of [0x21, 0x22]) {
      const { rig } = await rig1();
      rig.write(R.SCID, 0x47);
      const s = prologue(rig, READ_1, [0xc0, kind, 0x33])
        .move(PHASE.DATA_IN, 512, BUF)
        .move(PHASE.MSG_IN, 2, 0x9500)
        .clear({ ack: true })
        .waitDisconnect()
        .waitReselect(0)
        .move(PHASE.MSG_IN, 3, 0x9510)
        .int(1);
      rig.load(s);
      rig.start(SCRIPT);
      rig.flushIo();
      expect(Array.from(rig.bytes(0x9510, 3))).toEqual([0x80, 0x20, 0x33]);
    }
  });

  it('CDB length follows the group code: 6, 10, 12 and 16 bytes', async () => {
    const cases: [number[], number][] = [
      [[0x00, 0, 0, 0, 0, 0], 6],
      [[0x28, 0, 0, 0, 0, 0, 0, 0, 0, 0], 10],
      [[0xa8, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0], 12],
      [[0x88, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0], 16],
    ];
    for (const [cdb, length] of cases) {
      const { rig } = await rig1();
      // Offer 16 bytes: the target takes its CDB length, then changes phase (a mismatch
      // unless the CDB was 16 bytes long).
      rig.putBytes(CDB, [...cdb, ...new Array(16 - cdb.length).fill(0)]);
      rig.load(new Script(SCRIPT).select(1, { atn: false, alt: 0 }).move(PHASE.COMMAND, 16, CDB).int(1));
      rig.start(SCRIPT);
      if (length < 16) {
        expect(rig.read(R.SIST0)).toBe(0x80);
        expect(rig.read32(R.DBC) & 0xffffff).toBe(16 - length);
      } else {
        expect(rig.read32(R.DSPS)).toBe(1);
        expect(rig.read(R.SSTAT1) & 7).toBe(PHASE.DATA_IN);
      }
    }
  });
});
