// A real, unmodified Linux guest (Debian 6.1 kernel, ata_piix/libata, sr_mod, ext2, isofs)
// drives our PIIX3 IDE controller through QEMU 7.2's multi-process proxy. One boot runs
// every check; the host then verifies what the guest left on the images.

import { randomBytes } from 'node:crypto';
import { closeSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeIso9660 } from '../helpers/iso9660.js';
import { explain, md5, MiB, readAt, runGuestWithRemote, scratch, type GuestRun } from '../helpers/guest-kit.js';

describe('real Linux guest, ata_piix, through x-pci-proxy-dev', () => {
  let run: GuestRun;
  let disk: string;
  let ext2: string;

  beforeAll(async () => {
    const dir = scratch('ide-guest-');
    disk = join(dir, 'disk.img');
    ext2 = join(dir, 'ext2.img');
    const iso = join(dir, 'cd.iso');
    let fd = openSync(disk, 'w');
    ftruncateSync(fd, 128 * MiB);
    const hostData = randomBytes(8 * MiB);
    writeSync(fd, hostData, 0, hostData.length, 96 * MiB);
    closeSync(fd);
    fd = openSync(ext2, 'w');
    ftruncateSync(fd, 32 * MiB);
    closeSync(fd);
    const isoPayload = randomBytes(300_000);
    await writeIso9660(iso, { files: [{ name: 'DATA.BIN', data: isoPayload }, { name: 'README.TXT', data: Buffer.from('hvmio\n') }] });
    const script = readFileSync(new URL('./scripts/ide-checks.sh', import.meta.url), 'utf8')
      .replaceAll('@DISK_SECTORS@', String((128 * MiB) / 512))
      .replaceAll('@HOST_MD5@', md5(hostData))
      .replaceAll('@ISO_FILE_LC@', 'data.bin')
      .replaceAll('@ISO_MD5@', md5(isoPayload));
    run = await runGuestWithRemote({
      script,
      devid: 'ide0',
      remoteArgs: [
        '--device', `piix3-ide,id=ide0,drive=${disk},cache=none`,
        '--device', `ide-hd,bus=ide0.0,unit=1,drive=${ext2}`,
        '--device', `ide-cd,bus=ide0.1,drive=${iso}`,
      ],
      timeoutS: 300,
      env: { HVMIO_REGISTER_SHADOW: 'on' }, // the default, stated: the test counts its answers
    });
  }, 400_000);

  it.each(['driver', 'disk', 'dma', 'host-data', 'pattern-direct', 'odd-direct', 'odd-buffered', 'write-cache', 'ext2', 'cdrom'])(
    'guest check %s passes',
    (name) => {
      const c = run.checks.get(name);
      expect(c, explain(run)).toBeDefined();
      expect(c!.pass, `${name}: ${c!.detail}\n${explain(run)}`).toBe(true);
    },
  );

  it('the guest script finished cleanly and the remote exited when the proxy went away', () => {
    expect(run.rc, explain(run)).toBe(0);
    expect(run.remoteStats, run.stderr).not.toBeNull();
  });

  it('what the guest wrote is in the image file', () => {
    const want = run.values.get('guest_md5');
    expect(want).toMatch(/^[0-9a-f]{32}$/);
    expect(md5(readAt(disk, 1 * MiB, 8 * MiB))).toBe(want);
  });

  it('the ext2 file system the guest made is clean for the host e2fsck', () => {
    const r = spawnSync('e2fsck', ['-fn', ext2], { encoding: 'utf8' });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
  });

  it('the guest flushes reached fdatasync, with one backend call per ATA command', () => {
    const s = run.remoteStats!;
    expect(s.fdatasyncs).toBeGreaterThan(0);
    expect(s.backendCalls).toBe(s.blockRequests);
    expect(s.bytesWritten).toBeGreaterThan(8 * MiB);
  });

  it('answered the interrupt polls (bus master status, alternate status) from the register shadow', () => {
    const s = run.remoteStats!;
    expect(s.shadowReads).toBeGreaterThan(200);
    // Fewer ioreqs reached the worker than the guest made register reads and writes.
    expect(s.ioreqs).toBeLessThan(s.barReads! + s.barWrites!);
  });
});
