// `hvmio run` as a user runs it: a child process that builds (or finds) the guest, boots it
// under QEMU with our remote behind x-pci-proxy-dev, runs guest/scripts/ide-workload.sh on a
// 64 MiB scratch disk and prints the guest's results and our statistics table. The guest's
// own PASS lines are checked, and then the host reads what the guest left on the kept image.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lines, runHvmio, statsTable, type CliRun } from '../helpers/guest-kit.js';

describe('hvmio run: bad options', () => {
  it.each([
    [['--size-mib', '0'], /--size-mib/],
    [['--size-mib', '64', '--device', 'piix3-ide,drive=x.img'], /--size-mib sizes the scratch disk/],
    [['--device', 'piix3-ide,id=a,mode=legacy,drive=x.img'], /mode=legacy cannot work through QEMU's proxy/],
    [['--device', 'piix3-ide,id=a', '--device', 'piix3-ide,id=b'], /one controller per run/],
    [['--device', 'piix3-ide,id=a,drive=/nonexistent/disk.img'], /no such file/],
    [['--mem', 'lots'], /--mem/],
    [['--shell', '--script', 'x.sh'], /exclude each other/],
    [['--script', '/nonexistent/script.sh'], /cannot read/],
    [['--frobnicate'], /Unknown option/],
  ])('%j: exit 2 with one line on stderr and nothing started', async (args, message) => {
    const r = await runHvmio(['run', ...args]);
    expect(r.code, r.stderr).toBe(2);
    expect(lines(r.stderr), r.stderr).toHaveLength(1);
    expect(r.stderr).toMatch(/^hvmio run: /);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('--help prints the options and exits 0', async () => {
    const r = await runHvmio(['run', '--help']);
    expect(r.code).toBe(0);
    for (const option of ['--device', '--size-mib', '--script', '--shell', '--mem', '--timeout']) expect(r.stdout).toContain(option);
  });
});

describe('hvmio run: the default workload on a 64 MiB scratch disk', () => {
  let run: CliRun;
  let image: string | null = null;
  const explain = (): string => `exit ${run.code} signal ${run.signal}\n--- stdout tail\n${run.stdout.split('\n').slice(-60).join('\n')}\n--- stderr\n${run.stderr}`;

  beforeAll(async () => {
    run = await runHvmio(['run', '--size-mib', '64', '--keep', '--timeout', '240']);
    image = /^hvmio run: kept the scratch disk: (.+)$/m.exec(run.stdout)?.[1] ?? null;
  }, 400_000);

  afterAll(() => {
    if (image) rmSync(dirname(image), { recursive: true, force: true });
  });

  it('exits with the guest script status 0', () => {
    expect(run.signal, explain()).toBeNull();
    expect(run.code, explain()).toBe(0);
  });

  it('the guest reports every workload step passed, and none failed', () => {
    for (const step of ['controller', 'disk', 'dma', 'pattern', 'throughput', 'ext2']) {
      expect(run.stdout, explain()).toMatch(new RegExp(`^PASS ${step} `, 'm'));
    }
    expect(run.stdout, explain()).not.toMatch(/^FAIL /m);
  });

  it('Linux sees our controller, driver and the disk as configured', () => {
    expect(run.stdout, explain()).toMatch(/^PASS controller \S+ 8086:7010 .*driver ata_piix/m);
    expect(run.stdout, explain()).toMatch(/^PASS disk \/dev\/sd[a-z]: .*HVMIO HARDDISK.*131072 sectors \(64 MiB\)/m);
    expect(run.stdout, explain()).toMatch(/^PASS dma transfer mode XFER_MW_DMA_2/m);
    expect(run.stdout, explain()).toMatch(/^(write|read) bs=16M: [\d.]+ MiB\/s \(64 MiB in [\d.]+ s\)$/m);
  });

  it('prints the tick note and then our statistics table with the data the guest moved', () => {
    expect(run.stdout).toMatch(/polls the device at its 250 Hz/);
    expect(run.stdout).toMatch(/at most one request per 4 ms tick/);
    const { table, row, count, mib } = statsTable(run.stdout, 'ide0');
    expect(table.length, explain()).toBeGreaterThan(40);
    // 8 MiB pattern + 2 x 64 MiB of dd + ext2: well over 136 MiB each way.
    expect(mib('written to the image')).toBeGreaterThan(136);
    expect(mib('read from the image')).toBeGreaterThan(136);
    expect(count('block requests (data-moving commands)')).toBeGreaterThan(0);
    expect(count('backend readv/writev calls')).toBe(count('block requests (data-moving commands)'));
    expect(count('accesses outside every BAR')).toBe(0);
    expect(row('device state at the end')).toBe('up');
    expect(run.stdout).toMatch(/^hvmio run: guest script exit status 0 \(boot [\d.]+ s, total [\d.]+ s\)$/m);
  });

  it('the ext2 file system the guest made is clean for the host, and holds the pattern it wrote', () => {
    expect(image, explain()).not.toBeNull();
    const fsck = spawnSync('e2fsck', ['-fn', image!], { encoding: 'utf8' });
    expect(fsck.status, `${fsck.stdout}\n${fsck.stderr}`).toBe(0);
    const cat = spawnSync('debugfs', ['-R', 'cat /pattern', image!], { maxBuffer: 64 * 1024 * 1024 });
    expect(cat.status, cat.stderr.toString()).toBe(0);
    expect(cat.stdout.length).toBe(8 * 1024 * 1024);
    const guestMd5 = /^PASS pattern md5 ([0-9a-f]{32})$/m.exec(run.stdout)?.[1];
    expect(createHash('md5').update(cat.stdout).digest('hex')).toBe(guestMd5);
  });
});
