// `hvmio run --boot scsi` as a user runs it: a scratch syslinux disk with the kit's Linux on
// our lsi53c875 behind x-pci-proxy-dev, SeaBIOS running our option ROM (-option-rom), no
// -kernel; guest/scripts/scsi-boot-workload.sh reports what booted and from where. Bad
// --boot combinations end before anything starts, with one line.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { lines, makeImage, MiB, runHvmio, scratch, type CliRun } from '../helpers/guest-kit.js';

describe('hvmio run --boot: bad options', () => {
  let dir: string;
  beforeAll(() => {
    dir = scratch('scsi-boot-opts-');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    [() => ['--boot', 'floppy'], /--boot: "floppy" is not kernel or scsi/],
    [() => ['--boot', 'scsi', '--device', `lsi53c895a,id=s,drive=${makeImage(join(dir, 'a.img'), 1 * MiB)}`], /option ROM drives an lsi53c875/],
    [() => ['--boot', 'scsi', '--device', 'lsi53c875,id=s'], /s has no disk to boot from/],
    [() => ['--boot', 'scsi', '--size-mib', '8'], /--size-mib: "8" is not a whole number in 16\.\.2048/],
  ])('%#: exit 2 with one line on stderr and nothing started', async (args, message) => {
    const r = await runHvmio(['run', ...args()]);
    expect(r.code, r.stderr).toBe(2);
    expect(lines(r.stderr), r.stderr).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });
});

describe('hvmio run --boot scsi', () => {
  let run: CliRun;
  beforeAll(async () => {
    run = await runHvmio(['run', '--boot', 'scsi', '--size-mib', '32', '--timeout', '240']);
  }, 300_000);

  const explain = (): string => `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;

  it('boots SeaBIOS -> our ROM -> syslinux -> Linux, and every step of the workload passes', () => {
    expect(run.code, explain()).toBe(0);
    expect(run.stdout, explain()).toContain('SYSLINUX');
    for (const step of ['bootloader', 'controller', 'boot-disk', 'read']) {
      expect(run.stdout, explain()).toMatch(new RegExp(`^PASS ${step} `, 'm'));
    }
    expect(run.stdout).not.toMatch(/^FAIL /m);
    expect(run.stdout).toMatch(/^PASS controller .*1000:000f.*sym53c8xx.*<875>/m);
  });

  it('every sector came from our device (statistics table) and the scratch disk is gone', () => {
    const m = /block requests \(data-moving commands\)\s+([\d,]+)/.exec(run.stdout);
    expect(m, explain()).not.toBeNull();
    expect(Number(m![1]!.replaceAll(',', ''))).toBeGreaterThan(50);
    const disk = /scratch boot disk (\S+)/.exec(run.stdout)?.[1];
    expect(disk, explain()).toBeDefined();
    expect(() => rmSync(disk!, { force: false })).toThrow();
  });
});
