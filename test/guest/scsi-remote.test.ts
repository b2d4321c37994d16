// A real, unmodified Linux guest (Debian 6.1 kernel, sym53c8xx, sd, ext2) drives our LSI
// 53C895A through QEMU 7.2's multi-process proxy: the guest runs its own SCRIPTS on our
// SCRIPTS processor. Three disks at SCSI IDs 0, 3 and 12 (a wide ID). One boot runs every
// check (guest/scripts/scsi-checks.sh); the host then verifies what the guest left on the
// images and what the remote counted.

import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explain, makeImage, md5, MiB, readAt, root, runGuestWithRemote, scratch, type GuestRun } from '../helpers/guest-kit.js';

describe('real Linux guest, sym53c8xx, through x-pci-proxy-dev', () => {
  let run: GuestRun;
  let main: string;
  let ext2: string;
  let wide: string;
  let dir: string;

  beforeAll(async () => {
    dir = scratch('scsi-guest-');
    main = join(dir, 'main.img');
    ext2 = join(dir, 'ext2.img');
    wide = join(dir, 'wide.img');
    makeImage(main, 128 * MiB);
    makeImage(ext2, 32 * MiB);
    makeImage(wide, 64 * MiB);
    const hostData = randomBytes(4 * MiB);
    const fd = openSync(main, 'r+');
    writeSync(fd, hostData, 0, hostData.length, 96 * MiB);
    closeSync(fd);
    const script = readFileSync(join(root, 'guest', 'scripts', 'scsi-checks.sh'), 'utf8')
      .replaceAll('@DISKS@', `0:${(128 * MiB) / 512} 3:${(32 * MiB) / 512} 12:${(64 * MiB) / 512}`)
      .replaceAll('@HOST_MD5@', md5(hostData))
      .replaceAll('@EXT2_ID@', '3')
      .replaceAll('@PAR_ID@', '12');
    run = await runGuestWithRemote({
      script,
      devid: 'scsi0',
      remoteArgs: [
        '--device', `lsi53c895a,id=scsi0,drive=${main},cache=none`,
        '--device', `scsi-hd,bus=scsi0.0,scsi-id=3,drive=${ext2}`,
        '--device', `scsi-hd,bus=scsi0.0,scsi-id=12,drive=${wide}`,
      ],
      timeoutS: 240,
      // Every ISTAT read the register shadow could answer also goes through the ring, and the
      // remote counts the answers that differed (checked below).
      env: { HVMIO_REGISTER_SHADOW: 'verify' },
    });
  }, 300_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    'driver', 'disks', 'host-data', 'pattern-direct', 'odd-direct', 'odd-buffered', 'write-cache',
    'queue-depth', 'parallel', 'ext2', 'rescan', 'bus-reset', 'driver-messages',
  ])('guest check %s passes', (name) => {
    const c = run.checks.get(name);
    expect(c, explain(run)).toBeDefined();
    expect(c!.pass, `${name}: ${c!.detail}\n${explain(run)}`).toBe(true);
  });

  it('the guest script finished cleanly and the remote exited when the proxy went away', () => {
    expect(run.rc, explain(run)).toBe(0);
    expect(run.remoteStats, run.stderr).not.toBeNull();
  });

  it('Linux found every disk at its SCSI ID, the wide ID 12 included', () => {
    for (const id of ['0', '3', '12']) expect(run.values.get(`disk_${id}`), explain(run)).toMatch(/^sd[a-z]+$/);
    expect(new Set(['0', '3', '12'].map((id) => run.values.get(`disk_${id}`))).size).toBe(3);
  });

  it('several tagged commands were in flight at once on average during the 16 MiB reads', () => {
    const mean = Number(run.values.get('queue_mean_16m'));
    expect(mean, `${run.checks.get('queue-depth')?.detail}\n${explain(run)}`).toBeGreaterThan(1.5);
  });

  it('what the guest wrote is in the image files', () => {
    const pattern = run.values.get('guest_md5');
    expect(pattern, explain(run)).toMatch(/^[0-9a-f]{32}$/);
    expect(md5(readAt(main, 1 * MiB, 4 * MiB))).toBe(pattern);
    const odd = run.values.get('odd9_md5');
    expect(odd, explain(run)).toMatch(/^[0-9a-f]{32}$/);
    expect(md5(readAt(main, 20007 * 512, 24 * 4608))).toBe(odd);
    const parallel = run.values.get('parallel_md5');
    expect(parallel, explain(run)).toMatch(/^[0-9a-f]{32}$/);
    expect(md5(readAt(wide, 8 * MiB, 6 * MiB))).toBe(parallel);
  });

  it('the ext2 file system the guest made is clean for the host e2fsck', () => {
    const r = spawnSync('e2fsck', ['-fn', ext2], { encoding: 'utf8' });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
  });

  it('the guest flushes reached fdatasync, with one backend call per SCSI command', () => {
    const s = run.remoteStats!;
    expect(s.fdatasyncs).toBeGreaterThan(0);
    expect(s.blockRequests).toBeGreaterThan(100);
    expect(s.backendCalls).toBe(s.blockRequests);
    // 4 MiB pattern + odd writes + 6 MiB parallel + ext2 + 1 MiB after the reset.
    expect(s.bytesWritten).toBeGreaterThan(12 * MiB);
    expect(s.outsideBar).toBe(0);
    expect(s.dmaFaults).toBe(0);
    expect(s.restarts).toBe(0);
  });

  it('the register shadow agreed with the device on every ISTAT read sym53c8xx made', () => {
    const s = run.remoteStats!;
    // Interrupt polls at every tick (irqpoll) and around each completion.
    expect(s.shadowChecks).toBeGreaterThan(200);
    expect(s.shadowMismatches).toBe(0);
  });
});
