// `hvmio run --device lsi53c895a,...` as a user runs it: a child process boots the guest with
// our LSI controller behind x-pci-proxy-dev and two disks (SCSI IDs 0 and 5), runs
// guest/scripts/scsi-workload.sh and prints the guest's results and our statistics table.
// The guest's PASS lines are checked, then the host reads what the guest left on the images.
// Bad SCSI options end before anything starts, with one line.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lines, makeImage, MiB, readAt, runHvmio, scratch, statsTable, type CliRun } from '../helpers/guest-kit.js';

describe('hvmio run: bad SCSI options', () => {
  let dir: string;
  beforeAll(() => {
    dir = scratch('scsi-run-opts-');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    [() => ['--device', 'lsi53c895a,id=s,drive=/nonexistent/disk.img'], /no such file/],
    [() => ['--device', `lsi53c895a,id=s,drive=${makeImage(join(dir, 'odd.img'), 1000)}`], /size 1000 is not a multiple of 512 bytes/],
    [() => ['--device', 'lsi53c895a,id=s', '--device', 'scsi-hd,bus=s.0,scsi-id=7,drive=x.img'], /scsi-id 7 is the controller's own ID/],
    [() => ['--device', 'lsi53c895a,id=s', '--device', 'scsi-hd,bus=s.0,scsi-id=2'], /needs drive=FILE/],
    [() => ['--device', 'lsi53c895a,id=s'], /the workload needs a disk/],
    [() => ['--device', 'lsi53c895a,id=s,drive=a.img', '--device', 'piix3-ide,id=i,drive=b.img'], /one controller per run/],
  ])('%#: exit 2 with one line on stderr and nothing started', async (args, message) => {
    const r = await runHvmio(['run', ...args()]);
    expect(r.code, r.stderr).toBe(2);
    expect(lines(r.stderr), r.stderr).toHaveLength(1);
    expect(r.stderr).toMatch(/^hvmio run: /);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });
});

describe('hvmio run: the SCSI workload on two disks', () => {
  let run: CliRun;
  let first: string;
  let second: string;
  let dir: string;
  const explain = (): string => `exit ${run.code} signal ${run.signal}\n--- stdout tail\n${run.stdout.split('\n').slice(-60).join('\n')}\n--- stderr\n${run.stderr}`;

  beforeAll(async () => {
    dir = scratch('scsi-run-');
    first = makeImage(join(dir, 'first.img'), 64 * MiB);
    second = makeImage(join(dir, 'second.img'), 32 * MiB);
    run = await runHvmio([
      'run', '--timeout', '240',
      '--device', `lsi53c895a,id=scsi0,drive=${first}`,
      '--device', `scsi-hd,bus=scsi0.0,scsi-id=5,drive=${second}`,
    ]);
  }, 300_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('exits with the guest script status 0', () => {
    expect(run.signal, explain()).toBeNull();
    expect(run.code, explain()).toBe(0);
  });

  it('the guest reports every workload step passed, and none failed', () => {
    for (const step of ['controller', 'disks', 'pattern', 'throughput', 'queue', 'parallel', 'ext2']) {
      expect(run.stdout, explain()).toMatch(new RegExp(`^PASS ${step} `, 'm'));
    }
    expect(run.stdout, explain()).not.toMatch(/^FAIL /m);
  });

  it('Linux sees our controller with sym53c8xx and both disks at their IDs and sizes', () => {
    expect(run.stdout, explain()).toMatch(/^PASS controller \S+ 1000:0012 .*driver sym53c8xx/m);
    expect(run.stdout, explain()).toMatch(/^PASS disks 2 disk\(s\); ID 0 \/dev\/sd[a-z] HVMIO HARDDISK, 131072 sectors \(64 MiB\), queue depth \d+; ID 5 \/dev\/sd[a-z] HVMIO HARDDISK, 65536 sectors \(32 MiB\)/m);
    expect(run.stdout, explain()).toMatch(/^(write|read) bs=16M: [\d.]+ MiB\/s \(64 MiB in [\d.]+ s\)$/m);
  });

  it('prints our statistics table: one backend call per SCSI command, nothing outside the BARs', () => {
    const { table, row, count, mib } = statsTable(run.stdout, 'scsi0');
    expect(table.length, explain()).toBeGreaterThan(40);
    // 8 MiB pattern + 2 x 64 MiB of dd + 8 MiB on each disk in parallel + ext2.
    expect(mib('written to the image')).toBeGreaterThan(150);
    expect(count('block requests (data-moving commands)')).toBeGreaterThan(0);
    expect(count('backend readv/writev calls')).toBe(count('block requests (data-moving commands)'));
    expect(count('accesses outside every BAR')).toBe(0);
    expect(row('device state at the end')).toBe('up');
    expect(run.stdout).toMatch(/^hvmio run: booting the guest .* with lsi53c895a scsi0 behind x-pci-proxy-dev; guest script \S+scsi-workload\.sh$/m);
  });

  it('the images hold what the guest wrote: ext2 with the pattern on the first, the parallel data on the second', () => {
    const fsck = spawnSync('e2fsck', ['-fn', first], { encoding: 'utf8' });
    expect(fsck.status, `${fsck.stdout}\n${fsck.stderr}`).toBe(0);
    const cat = spawnSync('debugfs', ['-R', 'cat /pattern', first], { maxBuffer: 64 * MiB });
    expect(cat.status, cat.stderr.toString()).toBe(0);
    const guestMd5 = /^PASS pattern md5 ([0-9a-f]{32})$/m.exec(run.stdout)?.[1];
    expect(guestMd5, explain()).toBeDefined();
    expect(createHash('md5').update(cat.stdout).digest('hex')).toBe(guestMd5);
    // The second disk got 8 MiB at 8 MiB in the parallel step: random, so not all zero.
    const written = readAt(second, 8 * MiB, 8 * MiB);
    expect(written.some((b) => b !== 0)).toBe(true);
    expect(readAt(second, 0, 8 * MiB).every((b) => b === 0)).toBe(true);
  });
});
