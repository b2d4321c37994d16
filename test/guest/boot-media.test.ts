// The boot-media tooling, proven with QEMU's own in-process LSI 53C895A (lsi53c895a +
// scsi-hd), which SeaBIOS's built-in LSI driver boots, so it does not depend on our option
// ROM (plus one boot of the boot sector from our own device, still through SeaBIOS's
// driver): the test boot sector's INT 13h checks (EDD and CHS reads, checksums, a second disk
// as 81h, a corrupted payload), the kit's BIOS mode through the proxy and with nothing
// bootable, and the syslinux Linux disks (their layout on the host, then booting Linux,
// in-process and through the proxy) that then find the same disk.

import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lba } from '../../src/shared-mem/types.js';
import {
  explainBoot, inProcessLsiDisks, makeLinuxBootDisk, payloadChecksum, runBiosBoot,
  writeBootSectorImage, writePayloadImage, type BiosBootRun,
} from '../helpers/boot-kit.js';
import { makeImage, MiB, root, scratch } from '../helpers/guest-kit.js';

let dir: string;
beforeAll(() => {
  dir = scratch('boot-media-');
  mkdirSync(dir, { recursive: true });
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// Payload from LBA 5000: the CHS reads start mid-track (5000 is no multiple of 63 or 32),
// and 127 sectors cross tracks and heads.
const PAYLOAD_LBA = lba(5000);
const ok = (drive: number, sum: number) => expect.objectContaining({ drive, edd: { kind: 'ok' }, chs: { kind: 'ok' }, sum });

describe('test boot sector through SeaBIOS and QEMU\'s in-process LSI disk', () => {
  it('reads the payload with AH=42h and with CHS AH=02h and both checksums match', async () => {
    const img = writeBootSectorImage({ path: join(dir, 'good.img'), sectors: 127, payloadLba: PAYLOAD_LBA });
    const run = await runBiosBoot({ qemuArgs: inProcessLsiDisks([img.path]), timeoutS: 120 });
    expect(run.markers, explainBoot(run)).toEqual([ok(0x80, img.sum)]);
    const [marker] = run.markers;
    expect(marker!.sectorsPerTrack).toBeGreaterThan(0);
    expect(PAYLOAD_LBA % marker!.sectorsPerTrack + 127, 'the CHS reads cross a track').toBeGreaterThan(marker!.sectorsPerTrack);
    expect(run.exec, 'code read over code that ran is what runs next').toEqual({ kind: 'ok' });
    expect(run.rc, explainBoot(run)).toBe(0);
  }, 180_000);

  it('a corrupted payload is reported BAD by both reads, with the checksum of what is on disk', async () => {
    const img = writeBootSectorImage({ path: join(dir, 'bad.img'), sectors: 32, payloadLba: PAYLOAD_LBA, corrupt: true });
    const onDisk = payloadChecksum(img.payload);
    expect(onDisk).not.toBe(img.sum);
    const run = await runBiosBoot({ qemuArgs: inProcessLsiDisks([img.path]), timeoutS: 120 });
    expect(run.markers, explainBoot(run)).toEqual([
      expect.objectContaining({ drive: 0x80, edd: { kind: 'bad', sum: onDisk }, chs: { kind: 'bad', sum: onDisk }, sum: img.sum }),
    ]);
    expect(run.rc, explainBoot(run)).toBe(1);
  }, 180_000);

  it('the second disk on the controller is drive 81h and reads back its own payload', async () => {
    const second = writePayloadImage(join(dir, 'second.img'), PAYLOAD_LBA, 16, 32 * MiB);
    const boot = writeBootSectorImage({ path: join(dir, 'first.img'), sectors: 16, payloadLba: PAYLOAD_LBA, drive81Sum: second.sum });
    expect(second.sum).not.toBe(boot.sum);
    const run = await runBiosBoot({ qemuArgs: inProcessLsiDisks([boot.path, second.path]), timeoutS: 120 });
    expect(run.markers, explainBoot(run)).toEqual([
      ok(0x80, boot.sum),
      ok(0x81, second.sum),
    ]);
    expect(run.rc, explainBoot(run)).toBe(0);
  }, 180_000);
});

describe('the kit\'s BIOS mode', () => {
  it('boots the boot sector from an LSI disk behind x-pci-proxy-dev (QEMU\'s remote), guest RAM in a memfd', async () => {
    const img = writeBootSectorImage({ path: join(dir, 'proxied.img'), sectors: 64, payloadLba: PAYLOAD_LBA });
    const run = await runBiosBoot({
      qemuArgs: [],
      proxied: {
        devid: 'lsi1',
        remoteArgs: ['-device', 'lsi53c895a,id=lsi1', '-drive', `if=none,id=d0,file=${img.path},format=raw`, '-device', 'scsi-hd,drive=d0,bus=lsi1.0'],
      },
      timeoutS: 120,
    });
    expect(run.markers, explainBoot(run)).toEqual([ok(0x80, img.sum)]);
    // The remote writes guest RAM behind TCG's back, so code read over code that already
    // ran is not retranslated: the old copy runs. This is why a boot ROM behind the proxy
    // must copy disk data into place with the CPU (guest/README.md, "Booting from disk").
    // Should a QEMU fix this, this expectation changes to 'ok' and the README note goes.
    expect(run.exec, explainBoot(run)).toEqual({ kind: 'stale' });
    expect(run.rc, 'a stale exec check fails the boot').toBe(1);
  }, 180_000);

  it('boots the boot sector from our own LSI device (hvmio remote) through the proxy with SeaBIOS\'s LSI driver', async () => {
    const img = writeBootSectorImage({ path: join(dir, 'ours.img'), sectors: 64, payloadLba: PAYLOAD_LBA });
    const run = await runBiosBoot({
      qemuArgs: [],
      proxied: {
        devid: 'scsi0',
        remoteArgs: ['--device', `lsi53c895a,id=scsi0,drive=${img.path}`],
        remoteCommand: `node ${join(root, 'bin', 'hvmio')} remote --stats`,
      },
      timeoutS: 120,
    });
    expect(run.markers, explainBoot(run)).toEqual([ok(0x80, img.sum)]);
    expect(run.exec, 'stale behind the proxy, as with QEMU\'s remote').toEqual({ kind: 'stale' });
    expect(run.remoteStats?.bytesRead, run.stderr).toBeGreaterThanOrEqual(2 * 64 * 512);
  }, 180_000);

  it('stops QEMU at syslinux\'s "Boot error": its MBR layout behind the proxy runs stale code at 7C00h', async () => {
    const disk = makeLinuxBootDisk(join(dir, 'linux-mbr-proxied.img'), { append: 'nolapic irqpoll nohz=off' });
    const run = await runBiosBoot({
      qemuArgs: [],
      proxied: {
        devid: 'lsi1',
        remoteArgs: ['-device', 'lsi53c895a,id=lsi1', '-drive', `if=none,id=d0,file=${disk},format=raw`, '-device', 'scsi-hd,drive=d0,bus=lsi1.0'],
      },
      script: 'exit 0\n',
      timeoutS: 120,
    });
    expect(run.console).not.toContain('GUEST-BEGIN');
    expect(run.stderr, explainBoot(run)).toContain('run-guest: the boot loader said "Boot error"; stopping QEMU');
    expect(run.rc).toBe(125);
  }, 180_000);

  it('ends with a clear failure, well before the timeout, when no disk is bootable', async () => {
    const blank = makeImage(join(dir, 'blank.img'), 8 * MiB);
    const run = await runBiosBoot({ qemuArgs: inProcessLsiDisks([blank]), timeoutS: 300 });
    expect(run.markers).toEqual([]);
    expect(run.rc, explainBoot(run)).toBe(125);
    expect(run.stderr).toContain('run-guest: the BIOS found no bootable device');
  }, 180_000);
});

describe('make-boot-disk.sh (the disk itself, no boot)', () => {
  const sizeMib = 20;
  const mtools = (args: string[]): string => {
    const r = spawnSync(args[0]!, args.slice(1), { encoding: 'utf8', env: { ...process.env, MTOOLS_SKIP_CHECK: '1' } });
    if (r.status !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  it('MBR layout: syslinux mbr.bin, one active FAT16 partition from sector 2048, loader files and config in it', () => {
    const img = makeLinuxBootDisk(join(dir, 'layout-mbr.img'), { sizeMib, append: 'extra=1 other' });
    const disk = readFileSync(img);
    expect(disk.length).toBe(sizeMib * MiB);
    expect(disk.subarray(0, 440).equals(readFileSync('/usr/lib/syslinux/mbr/mbr.bin'))).toBe(true);
    const entry = disk.subarray(0x1be, 0x1ce);
    expect(entry[0], 'active').toBe(0x80);
    expect(entry[4], 'type FAT16 LBA').toBe(0x0e);
    expect(entry.readUInt32LE(8)).toBe(2048);
    expect(entry.readUInt32LE(12)).toBe(sizeMib * 2048 - 2048);
    expect(disk.subarray(0x1ce, 0x1fe).every((b) => b === 0), 'one partition only').toBe(true);
    expect(disk.readUInt16LE(510)).toBe(0xaa55);
    const vbr = disk.subarray(MiB, MiB + 512);
    expect(vbr.toString('latin1', 3, 11)).toBe('SYSLINUX');
    expect(vbr.readUInt16LE(510)).toBe(0xaa55);
    expect(vbr.readUInt32LE(28), 'FAT hidden sectors = partition start').toBe(2048);
    const listing = mtools(['mdir', '-a', '-b', '-i', `${img}@@${MiB}`, '::']);
    for (const f of ['VMLINUZ', 'INITRD.GZ', 'SYSLINUX.CFG', 'ldlinux.sys', 'ldlinux.c32']) expect(listing.toLowerCase()).toContain(`::/${f.toLowerCase()}`);
    const cfg = mtools(['mtype', '-i', `${img}@@${MiB}`, '::SYSLINUX.CFG']);
    expect(cfg).toMatch(/^ *APPEND console=ttyS0 quiet panic=-1 sym53c8xx.settle=0 extra=1 other$/m);
    expect(cfg).toMatch(/^ *KERNEL \/VMLINUZ$/m);
  });

  it('whole-disk layout: syslinux\'s FAT boot sector at sector 0, no partition table', () => {
    const img = makeLinuxBootDisk(join(dir, 'layout-whole.img'), { sizeMib, wholeDisk: true });
    const disk = readFileSync(img);
    expect(disk.toString('latin1', 3, 11)).toBe('SYSLINUX');
    expect(disk.readUInt32LE(28), 'no hidden sectors').toBe(0);
    expect(mtools(['mdir', '-a', '-b', '-i', img, '::']).toLowerCase()).toContain('::/ldlinux.sys');
  });

  it('bad arguments: one line on stderr, exit status 2', () => {
    const run = (args: string[]) => spawnSync('bash', [join(root, 'guest', 'boot', 'make-boot-disk.sh'), ...args], { encoding: 'utf8' });
    for (const [args, message] of [
      [['--size-mib', '8', 'kit', 'x.img'], /--size-mib must be 16..2048/],
      [[join(dir, 'no-kit'), join(dir, 'x.img')], /no-kit\/vmlinuz missing/],
      [['--bogus', 'a', 'b'], /unknown option --bogus/],
    ] as const) {
      const r = run([...args]);
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
  });
});

const bootDiskScript = (layout: 'mbr' | 'whole'): string =>
  readFileSync(join(root, 'test', 'guest', 'scripts', 'boot-disk-checks.sh'), 'utf8').replaceAll('@LAYOUT@', layout);

describe('Linux booted by syslinux from QEMU\'s in-process LSI disk', () => {
  let run: BiosBootRun;
  const sizeMib = 32;

  beforeAll(async () => {
    const disk = makeLinuxBootDisk(join(dir, 'linux.img'), { sizeMib });
    run = await runBiosBoot({
      qemuArgs: inProcessLsiDisks([disk]),
      script: bootDiskScript('mbr'),
      timeoutS: 240,
    });
  }, 300_000);

  it.each(['syslinux', 'sym53c8xx-disk', 'partition'])('guest check %s passes', (name) => {
    const c = run.checks.get(name);
    expect(c, explainBoot(run)).toBeDefined();
    expect(c!.pass, `${name}: ${c!.detail}\n${explainBoot(run)}`).toBe(true);
  });

  it('the guest script ran and reported its exit status', () => {
    expect(run.rc, explainBoot(run)).toBe(0);
  });

  it('Linux sees the disk it booted from: size, partition at 1 MiB, MBR and syslinux boot sectors', () => {
    expect(run.values.get('sda_driver'), explainBoot(run)).toBe('sym53c8xx');
    expect(run.values.get('sda_sectors')).toBe(String((sizeMib * MiB) / 512));
    expect(run.values.get('sda1_start')).toBe('2048');
    expect(run.values.get('mbr_sig')).toBe('55aa');
    expect(run.values.get('vbr_oem')).toBe('SYSLINUX');
    expect(run.values.get('cmdline')).toContain('console=ttyS0');
  });
});

describe('Linux booted by syslinux from an LSI disk behind x-pci-proxy-dev (QEMU\'s remote)', () => {
  // The whole-disk layout: with an MBR, syslinux's MBR would read the partition's boot
  // sector over itself at 7C00h and run its own stale translation (see the exec check).
  let run: BiosBootRun;

  beforeAll(async () => {
    const disk = makeLinuxBootDisk(join(dir, 'linux-proxied.img'), { wholeDisk: true, append: 'nolapic irqpoll nohz=off' });
    run = await runBiosBoot({
      qemuArgs: [],
      proxied: {
        devid: 'lsi1',
        remoteArgs: ['-device', 'lsi53c895a,id=lsi1', '-drive', `if=none,id=d0,file=${disk},format=raw`, '-device', 'scsi-hd,drive=d0,bus=lsi1.0'],
      },
      script: bootDiskScript('whole'),
      timeoutS: 300,
    });
  }, 360_000);

  it('syslinux started Linux, sym53c8xx found the disk through the proxy, the script reported', () => {
    for (const name of ['syslinux', 'sym53c8xx-disk', 'partition']) {
      const c = run.checks.get(name);
      expect(c?.pass, `${name}: ${c?.detail}\n${explainBoot(run)}`).toBe(true);
    }
    expect(run.values.get('cmdline')).toContain('irqpoll');
    expect(run.values.get('vbr_oem')).toBe('SYSLINUX');
    expect(run.rc, explainBoot(run)).toBe(0);
  });
});
