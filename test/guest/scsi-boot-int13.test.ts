// The INT 13h functions of our option ROM that the boot-media kit's boot sector does not call,
// called by a boot program of our own (test/guest/boot/int13-exercise.S) that SeaBIOS boots
// from our 53C875 disk through the ROM: 41h, 48h with the EDD 3.0 device path, 08h, 15h,
// writes with 43h and 03h (found afterwards in the image by the host), 42h reading the 43h
// data back, 04h, 44h, 00h, a read beyond the disk's end (CF, AH=04h, the packet's count 0)
// whose status 01h then reports, and a write to a read-only disk (81h): the target's CHECK
// CONDITION, fetched by the ROM with REQUEST SENSE (DATA PROTECT), comes back as AH=03h.

import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeImage, MiB, readAt, root, scratch } from '../helpers/guest-kit.js';
import { assembleBootProgram, bootThroughRom, type RomBootRun } from '../helpers/rom-boot.js';

const DISK_BYTES = 64 * MiB;
const SECTORS = DISK_BYTES / 512;

interface Call {
  cf: number;
  ah: number;
  values: string[];
}

function parseCalls(console: string): Map<string, Call> {
  const calls = new Map<string, Call>();
  for (const line of console.split('\n')) {
    const m = /^HVMIO-INT13 (\S+) cf=([01]) ah=([0-9a-f]{2})((?: \S+)*)\s*$/.exec(line.trim());
    if (m) calls.set(m[1]!, { cf: Number(m[2]), ah: parseInt(m[3]!, 16), values: m[4]!.trim().split(' ').filter(Boolean) });
  }
  return calls;
}

/** What the program writes: 1 KiB of "VMIOH43." with "/H44" in front. */
function writtenPattern(): Buffer {
  const b = Buffer.alloc(1024);
  for (let i = 0; i < 1024; i += 8) b.write('VMIOH43.', i, 'latin1');
  b.write('/H44', 0, 'latin1');
  return b;
}

describe('INT 13h of the option ROM, called by a boot program on our SCSI disk', () => {
  let dir: string;
  let disk: string;
  let readOnly: string;
  let run: RomBootRun;
  let calls: Map<string, Call>;

  beforeAll(async () => {
    dir = scratch('scsi-int13-');
    mkdirSync(dir, { recursive: true });
    const program = assembleBootProgram(join(root, 'test', 'guest', 'boot', 'int13-exercise.S'), dir);
    disk = makeImage(join(dir, 'disk.img'), DISK_BYTES);
    readOnly = makeImage(join(dir, 'readonly.img'), 4 * MiB);
    const fd = openSync(disk, 'r+');
    writeSync(fd, program, 0, program.length, 0);
    closeSync(fd);
    run = await bootThroughRom({ scratchDir: dir, disks: [{ scsiId: 0, path: disk }, { scsiId: 2, path: readOnly, readOnly: true }], timeoutS: 90 });
    calls = parseCalls(run.console);
  }, 200_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const explain = (): string => `rc=${run.rc}\n--- console\n${run.console.split('\n').slice(-30).join('\n')}\n--- stderr\n${run.stderr.split('\n').slice(-10).join('\n')}`;
  const call = (name: string): Call => {
    const c = calls.get(name);
    if (!c) throw new Error(`no report of INT 13h ${name}\n${explain()}`);
    return c;
  };

  it('the program ran to its end', () => {
    expect(run.console, explain()).toContain('HVMIO-INT13-END');
  });

  it('41h: EDD 3.0 (AH=30h), BX=AA55h, CX bit 0 (functions 42h-44h, 47h, 48h)', () => {
    expect(call('41')).toEqual({ cf: 0, ah: 0x30, values: ['aa55', '0001'] });
  });

  it('48h: 42h bytes with the capacity, the BEDDh key, interface "SCSI", a checksum of 0 and SCSI ID 0', () => {
    const hi = (SECTORS >>> 16).toString(16).padStart(4, '0');
    const lo = (SECTORS & 0xffff).toString(16).padStart(4, '0');
    expect(call('48')).toEqual({ cf: 0, ah: 0, values: ['0042', hi, lo, 'bedd', 'SCSI', '00', '0000'] });
  });

  it('08h: 255 heads x 63 sectors for a disk without partitions, cylinders from the capacity, two disks', () => {
    const cylinders = Math.floor(SECTORS / (255 * 63));
    const cx = (((cylinders - 1) & 0xff) << 8) | (((cylinders - 1) >> 8) << 6) | 63;
    expect(call('08')).toEqual({ cf: 0, ah: 0, values: [cx.toString(16).padStart(4, '0'), 'fe02'] });
  });

  it('15h: a fixed disk (AH=03h) with CX:DX sectors', () => {
    expect(call('15')).toEqual({ cf: 0, ah: 0x03, values: [(SECTORS >>> 16).toString(16).padStart(4, '0'), (SECTORS & 0xffff).toString(16).padStart(4, '0')] });
  });

  it('43h and 03h write through the ROM: the host finds the data in the image', () => {
    expect(call('43')).toEqual({ cf: 0, ah: 0, values: [] });
    expect(call('03')).toEqual({ cf: 0, ah: 0, values: ['01'] });
    const pattern = writtenPattern();
    expect(readAt(disk, 100 * 512, 1024).equals(pattern), explain()).toBe(true);
    expect(readAt(disk, 9 * 512, 512).equals(pattern.subarray(512)), explain()).toBe(true);
  });

  it('42h reads the 43h data back (compared in the guest); 04h and 44h verify; 00h resets', () => {
    expect(call('42')).toEqual({ cf: 0, ah: 0, values: ['01'] });
    expect(call('04')).toEqual({ cf: 0, ah: 0, values: ['01'] });
    expect(call('44')).toEqual({ cf: 0, ah: 0, values: [] });
    expect(call('00')).toEqual({ cf: 0, ah: 0, values: [] });
  });

  it('a read beyond the end: CF set, AH=04h, no blocks done in the packet; 01h then reports 04h', () => {
    expect(call('42-beyond')).toEqual({ cf: 1, ah: 0x04, values: ['0000'] });
    expect(call('01')).toEqual({ cf: 1, ah: 0x04, values: [] });
  });

  it('a write to the read-only disk: the target\'s DATA PROTECT as AH=03h, kept for 01h on that disk only', () => {
    expect(call('43-readonly')).toEqual({ cf: 1, ah: 0x03, values: [] });
    expect(call('01-readonly')).toEqual({ cf: 1, ah: 0x03, values: [] });
    // 01h on 80h: its last call was the 00h reset after the out-of-range read.
    expect(call('01-again')).toEqual({ cf: 0, ah: 0x00, values: [] });
    expect(readAt(readOnly, 100 * 512, 1024).every((b) => b === 0)).toBe(true);
  });
});
