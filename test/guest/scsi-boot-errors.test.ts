// Bad disks behind our option ROM that only a running device model can show, in one SeaBIOS
// boot (issue 7, "bad input"):
//   SCSI ID 0  a zero-byte image: a disk without usable medium. It answers INQUIRY, but TEST
//              UNIT READY and READ CAPACITY end in NOT READY, so the ROM gives it no drive
//              number.
//   SCSI ID 1  an image truncated to 0 bytes after `hvmio remote` opened and checked it (a
//              wrapper around the remote waits for its --monitor socket, which appears once the
//              drives are open): a real I/O error. Reads hit end of file, the backend says EIO,
//              the target MEDIUM ERROR / UNRECOVERED READ ERROR, the ROM AH=10h with CF set.
//              It is 80h; SeaBIOS's attempt to boot it fails and it goes on to the floppy.
//   SCSI ID 2  a good disk with a payload: 81h.
// The floppy's program (test/guest/boot/int13-errors.S) then calls the ROM's INT 13h on both
// drives and reports; the machine powers off, so nothing hung.

import { closeSync, mkdirSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lba } from '../../src/shared-mem/types.js';
import { writePayloadImage } from '../helpers/boot-kit.js';
import { makeImage, MiB, root, scratch } from '../helpers/guest-kit.js';
import { assembleBootProgram, bootThroughRom, hvmioRemote, type RomBootRun } from '../helpers/rom-boot.js';

/** int13-errors.S reads the 81h disk here. */
const GOOD_LBA = lba(64);
const FLOPPY_BYTES = 1474560;
const TRUNCATED_LINE = 'scsi-boot-errors: truncated';

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

/** `hvmio remote --monitor SOCKET` with the remote's arguments; once the socket is there (the
 *  device and its drives are open) IMAGE is truncated to 0 bytes, before SeaBIOS gets to the
 *  option ROM (QEMU's proxy waits for the remote at realize; POST takes seconds under TCG). */
function truncatingRemote(dir: string, image: string): string {
  const script = join(dir, 'truncating-remote.sh');
  const monitor = join(dir, 'remote.sock');
  writeFileSync(script, `#!/bin/bash
${hvmioRemote} --stats --monitor '${monitor}' "$@" &
remote=$!
for _ in $(seq 1 1200); do
  [ -S '${monitor}' ] && break
  kill -0 $remote 2>/dev/null || break
  sleep 0.05
done
if [ -S '${monitor}' ]; then
  truncate -s 0 '${image}' && echo '${TRUNCATED_LINE}' >&2
fi
wait $remote
`);
  return `bash ${script}`;
}

describe('a disk without medium and a disk that fails its reads: INT 13h errors, SeaBIOS boots the next device', () => {
  let dir: string;
  let failing: string;
  let good: ReturnType<typeof writePayloadImage>;
  let run: RomBootRun;
  let calls: Map<string, Call>;

  beforeAll(async () => {
    dir = scratch('scsi-boot-errors-');
    mkdirSync(dir, { recursive: true });
    const empty = join(dir, 'empty.img');
    writeFileSync(empty, '');
    failing = makeImage(join(dir, 'failing.img'), 8 * MiB);
    good = writePayloadImage(join(dir, 'good.img'), GOOD_LBA, 2, 4 * MiB);
    const floppy = join(dir, 'floppy.img');
    const program = assembleBootProgram(join(root, 'test', 'guest', 'boot', 'int13-errors.S'), dir);
    writeFileSync(floppy, Buffer.alloc(FLOPPY_BYTES));
    const fd = openSync(floppy, 'r+');
    writeSync(fd, program, 0, program.length, 0);
    closeSync(fd);
    run = await bootThroughRom({
      scratchDir: dir,
      disks: [{ scsiId: 0, path: empty }, { scsiId: 1, path: failing }, { scsiId: 2, path: good.path }],
      remoteCommand: truncatingRemote(dir, failing),
      // Hard disk first, then the floppy.
      qemuArgs: ['-boot', 'order=ca', '-drive', `if=floppy,index=0,format=raw,file=${floppy}`],
      timeoutS: 120,
    });
    calls = parseCalls(run.console);
  }, 300_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const explain = (): string =>
    `rc=${run.rc}\n--- console\n${run.console.split('\n').slice(-40).join('\n')}\n--- stderr\n${run.stderr.split('\n').slice(-15).join('\n')}` +
    `\n--- SeaBIOS log tail\n${run.biosLog.split('\n').slice(-25).join('\n')}`;
  const call = (name: string): Call => {
    const c = calls.get(name);
    if (!c) throw new Error(`no report of INT 13h ${name}\n${explain()}`);
    return c;
  };

  it('the image was truncated under the running remote, and our ROM ran', () => {
    expect(run.stderr, explain()).toContain(TRUNCATED_LINE);
    expect(statSync(failing).size).toBe(0);
    expect(run.biosLog, explain()).toContain('/rom@genroms/lsi53c875.rom');
  });

  it('SeaBIOS fails to boot 80h, goes on to the floppy, whose program runs to its end', () => {
    expect(run.console, explain()).toContain('Booting from Hard Disk');
    expect(run.console, explain()).toContain('Boot failed: could not read the boot disk');
    expect(run.console, explain()).toContain('Booting from Floppy');
    expect(run.console, explain()).toContain('HVMIO-INT13-END');
    // The program powered the machine off; the kit saw no guest script (not a Linux boot)
    // but also no "no bootable device" end.
    expect(run.stderr, explain()).not.toContain('found no bootable device');
    expect(run.rc, explain()).toBe(125); // 124 would be the kit's time-out
  });

  it('the zero-capacity disk got no drive number: two disks, 80h is SCSI ID 1 and 81h SCSI ID 2', () => {
    const params = call('08');
    expect([params.cf, params.ah], explain()).toEqual([0, 0]);
    expect(params.values[1]!.slice(2), explain()).toBe('02'); // DL: hard disks
    expect(call('48-80')).toEqual({ cf: 0, ah: 0, values: ['0001'] });
    expect(call('48-81')).toEqual({ cf: 0, ah: 0, values: ['0002'] });
  });

  it('reads of the shrunk image: CF set and AH=10h (MEDIUM ERROR), no blocks done; 01h reports 10h', () => {
    expect(call('42-80')).toEqual({ cf: 1, ah: 0x10, values: ['0000'] });
    expect(call('02-80')).toEqual({ cf: 1, ah: 0x10, values: [] });
    expect(call('01-80')).toEqual({ cf: 1, ah: 0x10, values: [] });
  });

  it('the good disk behind them still reads: its payload\'s first dword', () => {
    const first = good.payload.readUInt32LE(0).toString(16).padStart(8, '0');
    expect(call('42-81')).toEqual({ cf: 0, ah: 0, values: [first.slice(0, 4), first.slice(4)] });
  });
});
