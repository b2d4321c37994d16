// The option ROM's own SCRIPTS program (rom/scripts.S), taken out of the built ROM image
// (build/rom/lsi53c875.rom at the addresses the linker map gives) and run on our SCRIPTS
// processor with the 53C875 identity, set up and driven the way the ROM's x86 code does it
// (rom/scsi.S): command table at DSA, IRQ pin off, polling ISTAT, a phase mismatch resumed at
// the phase loop. What the ROM relies on: INQUIRY, READ/WRITE(10) moving the right bytes,
// CHECK CONDITION ending normally with the status byte for REQUEST SENSE to follow, a
// selection time-out for an absent ID, a short transfer resumed, and a data phase the request
// did not expect stopping the chip instead of moving data.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { optionRomPath } from '../../src/host/devices/option-rom.js';
import { MemoryImage } from '../helpers/core-harness.js';
import { DSTAT, ISTAT, LsiRig, R, SIST0, SIST1, diskTarget } from './scsi-rig.js';

const romFile = optionRomPath();
const rom = readFileSync(romFile);
const map = readFileSync(join(romFile, '..', 'lsi53c875.map'), 'utf8');

function symbol(name: string): number {
  const m = new RegExp(`^\\s+0x([0-9a-f]+)\\s+${name}\\s*$`, 'm').exec(map);
  if (!m) throw new Error(`${name} not in the linker map`);
  return parseInt(m[1]!, 16);
}

const program = rom.subarray(symbol('scripts_program'), symbol('scripts_end'));
const phaseLoop = symbol('scripts_phase_loop') - symbol('scripts_program');
const DONE = 0x00c0de00;

// The ROM's RAM block layout (rom/defs.inc), placed at BASE in guest RAM.
const BASE = 0x90000;
const TABLE = BASE + 0x100;
const MSGOUT = BASE + 0x140;
const STATUS = BASE + 0x141;
const MSGIN = BASE + 0x142;
const CDB = BASE + 0x150;
const DATA = 0x100000;

interface Stop {
  istat: number;
  dstat: number;
  dsps: number;
  sist0: number;
  sist1: number;
}

interface Command {
  target: number;
  cdb: number[];
  dir: 'none' | 'in' | 'out';
  len?: number;
}

describe('the option ROM\'s SCRIPTS on our SCRIPTS processor (53C875)', () => {
  let rig: LsiRig;
  let image: MemoryImage;

  beforeEach(async () => {
    image = MemoryImage.patterned(2048, 5);
    rig = await LsiRig.create({ chip: 'lsi53c875', targets: [diskTarget(2048, 0)], images: { 0: image } });
    // chip_setup: our ID, selection time-out, IRQ pin off, every cause enabled
    rig.write(R.SCID, 7);
    rig.write(R.RESPID0, 0x80);
    rig.write(R.STIME0, 0x0a);
    rig.write(R.DCNTL, 0x03);
    rig.write(R.SIEN0, 0x8f);
    rig.write(R.SIEN1, SIST1.STO);
    rig.write(R.DIEN, 0x7d);
    rig.putBytes(BASE, program);
  });

  /** Waits like wait_stop: ISTAT polled, serving the block backend meanwhile. */
  function waitStop(): Stop {
    for (let i = 0; i < 20; i++) {
      const istat = rig.read(R.ISTAT);
      if (istat & (ISTAT.DIP | ISTAT.SIP)) {
        const stop: Stop = { istat, dstat: 0, dsps: 0, sist0: 0, sist1: 0 };
        if (istat & ISTAT.DIP) {
          stop.dstat = rig.read(R.DSTAT);
          stop.dsps = rig.read32(R.DSPS);
        }
        if (istat & ISTAT.SIP) {
          stop.sist0 = rig.read(R.SIST0);
          stop.sist1 = rig.read(R.SIST1);
        }
        return stop;
      }
      rig.flushIo();
    }
    throw new Error('the SCRIPTS did not stop');
  }

  /** scsi_exec: fills the table and starts the program. */
  function start(c: Command): void {
    const len = c.len ?? 0;
    rig.putDword(TABLE + 0x00, c.target << 16);
    rig.putDword(TABLE + 0x08, 1);
    rig.putDword(TABLE + 0x0c, MSGOUT);
    rig.putDword(TABLE + 0x10, c.cdb.length);
    rig.putDword(TABLE + 0x14, CDB);
    rig.putDword(TABLE + 0x18, c.dir === 'in' ? len : 0);
    rig.putDword(TABLE + 0x1c, DATA);
    rig.putDword(TABLE + 0x30, c.dir === 'out' ? len : 0);
    rig.putDword(TABLE + 0x34, DATA);
    rig.putDword(TABLE + 0x20, 1);
    rig.putDword(TABLE + 0x24, STATUS);
    rig.putDword(TABLE + 0x28, 1);
    rig.putDword(TABLE + 0x2c, MSGIN);
    rig.putBytes(MSGOUT, [0x80]);
    rig.putBytes(STATUS, [0xff, 0xff]);
    rig.putBytes(CDB, c.cdb);
    rig.write32(R.DSA, TABLE);
    rig.start(BASE);
  }

  function run(c: Command): Stop {
    start(c);
    return waitStop();
  }

  /** What the ROM's probe does before any read: TEST UNIT READY takes the power-on UNIT
   *  ATTENTION as CHECK CONDITION, REQUEST SENSE clears it. */
  function ready(): void {
    run({ target: 0, cdb: [0, 0, 0, 0, 0, 0], dir: 'none' });
    run({ target: 0, cdb: [0x03, 0, 0, 0, 18, 0], dir: 'in', len: 18 });
  }

  const inquiry = (alloc: number): number[] => [0x12, 0, 0, 0, alloc, 0];
  const rw10 = (op: number, lba: number, blocks: number): number[] =>
    [op, 0, (lba >>> 24) & 0xff, (lba >>> 16) & 0xff, (lba >>> 8) & 0xff, lba & 0xff, 0, blocks >> 8, blocks & 0xff, 0];

  it('is the program the ROM image carries: whole dwords, starting with SELECT ATN table-indirect', () => {
    expect(program.length % 8).toBe(0);
    expect(program.length).toBeGreaterThan(64);
    expect(program.readUInt32LE(0) >>> 24).toBe(0x47); // SELECT, ATN, table indirect, relative
  });

  it('INQUIRY: a direct-access device, status GOOD, COMMAND COMPLETE, stopped with INT DONE', () => {
    const stop = run({ target: 0, cdb: inquiry(36), dir: 'in', len: 36 });
    expect(stop.dstat & DSTAT.SIR).toBe(DSTAT.SIR);
    expect(stop.dsps).toBe(DONE);
    expect(rig.bytes(STATUS, 2)).toEqual(new Uint8Array([0x00, 0x00])); // status, message
    expect(rig.bytes(DATA, 1)[0]).toBe(0x00); // peripheral qualifier 0, type 0
    expect(rig.read(R.ISTAT) & (ISTAT.DIP | ISTAT.SIP)).toBe(0);
  });

  it('READ(10) puts the image\'s sectors where the table points, in one backend request', () => {
    ready();
    const before = rig.h.submitted.length;
    const stop = run({ target: 0, cdb: rw10(0x28, 100, 16), dir: 'in', len: 16 * 512 });
    expect(stop.dsps).toBe(DONE);
    expect(rig.bytes(STATUS, 1)[0]).toBe(0);
    expect(Buffer.from(rig.bytes(DATA, 16 * 512)).equals(Buffer.from(image.read(100, 16 * 512)))).toBe(true);
    expect(rig.h.submitted.length - before).toBe(1);
  });

  it('WRITE(10) moves guest memory onto the disk', () => {
    const data = new Uint8Array(4 * 512).map((_, i) => (i * 7 + 3) & 0xff);
    ready();
    rig.putBytes(DATA, data);
    const stop = run({ target: 0, cdb: rw10(0x2a, 7, 4), dir: 'out', len: 4 * 512 });
    expect(stop.dsps).toBe(DONE);
    expect(rig.bytes(STATUS, 1)[0]).toBe(0);
    expect(Buffer.from(image.read(7, 4 * 512)).equals(Buffer.from(data))).toBe(true);
  });

  it('an absent SCSI ID: the SELECT times out (SIST1 STO), which the ROM takes for "no target"', () => {
    const stop = run({ target: 5, cdb: inquiry(36), dir: 'in', len: 36 });
    expect(stop.istat & ISTAT.SIP).toBe(ISTAT.SIP);
    expect(stop.sist1 & SIST1.STO).toBe(SIST1.STO);
    expect(rig.bytes(STATUS, 1)[0]).toBe(0xff); // nothing moved
  });

  it('CHECK CONDITION ends like any command; REQUEST SENSE then gives the sense key (UNIT ATTENTION)', () => {
    const tur = run({ target: 0, cdb: [0, 0, 0, 0, 0, 0], dir: 'none' });
    expect(tur.dsps).toBe(DONE);
    expect(rig.bytes(STATUS, 1)[0]).toBe(0x02);
    const sense = run({ target: 0, cdb: [0x03, 0, 0, 0, 18, 0], dir: 'in', len: 18 });
    expect(sense.dsps).toBe(DONE);
    expect(rig.bytes(STATUS, 1)[0]).toBe(0);
    expect(rig.bytes(DATA, 3)[2]! & 0x0f).toBe(0x06);
    const again = run({ target: 0, cdb: [0, 0, 0, 0, 0, 0], dir: 'none' });
    expect(again.dsps).toBe(DONE);
    expect(rig.bytes(STATUS, 1)[0]).toBe(0x00);
  });

  it('a short transfer stops with a phase mismatch; resumed at the phase loop it completes', () => {
    // 36 bytes asked for, the table allows 96: the target goes to STATUS after 36.
    start({ target: 0, cdb: inquiry(36), dir: 'in', len: 96 });
    const mismatch = waitStop();
    expect(mismatch.sist0 & SIST0.MA).toBe(SIST0.MA);
    rig.write(R.CTEST3, rig.read(R.CTEST3) | 0x04); // clear the DMA FIFO, as the ROM does
    rig.start(BASE + phaseLoop);
    const stop = waitStop();
    expect(stop.dsps).toBe(DONE);
    expect(rig.bytes(STATUS, 1)[0]).toBe(0);
  });

  it('a data phase the request did not expect (count 0) stops the chip as an illegal instruction', () => {
    ready();
    const before = Buffer.from(image.read(0, 512));
    rig.putBytes(DATA, new Uint8Array(512).fill(0xab));
    // READ with only the data-out entry set: the DATA IN move has count 0.
    const stop = run({ target: 0, cdb: rw10(0x28, 0, 1), dir: 'out', len: 512 });
    expect(stop.dstat & DSTAT.IID).toBe(DSTAT.IID);
    expect(Buffer.from(image.read(0, 512)).equals(before)).toBe(true);
    expect(rig.bytes(DATA, 4)).toEqual(new Uint8Array([0xab, 0xab, 0xab, 0xab]));
  });
});
