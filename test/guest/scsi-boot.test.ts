// SeaBIOS boots from our SCSI disk through our option ROM (rom/): the controller is ours
// with the 53C875 identity (which SeaBIOS has no driver for) behind QEMU's x-pci-proxy-dev,
// the ROM reaches SeaBIOS as -option-rom, finds the controller by scanning PCI, drives it
// with its own SCRIPTS and serves INT 13h. Proven with the boot-media kit's test boot sector
// (AH=42h and AH=02h reads with checksums, a second disk as 81h), with syslinux loading the
// kit's Linux from the disk (Linux's sym53c8xx then finds the same disk), and with bad disks:
// reads beyond a disk's end answered with INT 13h errors, a disk that is not bootable and a
// controller without disks, after which the BIOS goes on to its next boot device.

import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lba } from '../../src/shared-mem/types.js';
import { explainBoot, makeLinuxBootDisk, writeBootSectorImage, writePayloadImage } from '../helpers/boot-kit.js';
import { makeImage, MiB, root, scratch } from '../helpers/guest-kit.js';
import { bootThroughRom, type RomBootRun } from '../helpers/rom-boot.js';

let dir: string;
beforeAll(() => {
  dir = scratch('scsi-boot-');
  mkdirSync(dir, { recursive: true });
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// Mid-track, so the CHS reads cross track and cylinder boundaries of the ROM's geometry.
const PAYLOAD_LBA = lba(5000);

function explain(run: RomBootRun): string {
  return `${explainBoot(run)}\n--- SeaBIOS log tail\n${run.biosLog.split('\n').slice(-25).join('\n')}`;
}

/** SeaBIOS ran our ROM (it came through fw_cfg as genroms/lsi53c875.rom). */
function expectOurRomRan(run: RomBootRun): void {
  expect(run.biosLog, explain(run)).toContain('/rom@genroms/lsi53c875.rom');
  expect(run.biosLog, explain(run)).toMatch(/Running option rom at [0-9a-f]{4}:0003/);
}

describe('SeaBIOS boots a boot sector from our SCSI disk through the option ROM', () => {
  it('reads 127 sectors with AH=42h and AH=02h on 80h, and the second disk (SCSI ID 3) as 81h', async () => {
    const second = writePayloadImage(join(dir, 'second.img'), PAYLOAD_LBA, 40, 16 * MiB);
    const boot = writeBootSectorImage({ path: join(dir, 'boot.img'), sizeBytes: 64 * MiB, sectors: 127, payloadLba: PAYLOAD_LBA, drive81Sum: second.sum });
    expect(second.sum).not.toBe(boot.sum);
    const run = await bootThroughRom({ scratchDir: dir, disks: [{ scsiId: 0, path: boot.path }, { scsiId: 3, path: second.path }] });
    // 255 heads x 63 sectors: the ROM's geometry for disks without partition entries.
    expect(run.markers, explain(run)).toEqual([
      { drive: 0x80, edd: { kind: 'ok' }, chs: { kind: 'ok' }, sum: boot.sum, heads: 255, sectorsPerTrack: 63 },
      { drive: 0x81, edd: { kind: 'ok' }, chs: { kind: 'ok' }, sum: second.sum, heads: 255, sectorsPerTrack: 63 },
    ]);
    expect(run.ended, explain(run)).toBe(true);
    // Stage 2 was read over code that had run: the ROM's CPU rewrite of the buffer made
    // QEMU's TCG run the new code (behind the proxy it would otherwise run stale code).
    expect(run.exec, explain(run)).toEqual({ kind: 'ok' });
    expect(run.rc, explain(run)).toBe(0);
    expectOurRomRan(run);
    // Every sector came through our device: the ROM's probe, the MBR, stage 2, both payloads.
    expect(run.remoteStats?.blockRequests ?? 0, explain(run)).toBeGreaterThan(6);
  }, 240_000);
});

describe('Linux booted by syslinux from our SCSI disk through the option ROM', () => {
  let run: RomBootRun;
  const sizeMib = 32;

  beforeAll(async () => {
    // Behind the proxy the device's interrupt does not reach a TCG guest: Linux polls.
    const disk = makeLinuxBootDisk(join(dir, 'linux.img'), { sizeMib, append: 'nolapic irqpoll nohz=off' });
    // A zero-byte image at SCSI ID 2: a disk without usable medium, which the ROM skips and
    // Linux's sd attaches with no capacity (NOT READY, manual intervention required).
    const empty = join(dir, 'no-medium.img');
    writeFileSync(empty, '');
    run = await bootThroughRom({
      scratchDir: dir,
      disks: [{ scsiId: 0, path: disk }, { scsiId: 2, path: empty }],
      // The partitioned layout: syslinux's MBR reads the partition's boot sector over itself
      // at 7C00h, which runs only because the ROM makes TCG drop its stale translation.
      script: 'other_disks=1\n' + readFileSync(join(root, 'test', 'guest', 'scripts', 'boot-disk-checks.sh'), 'utf8').replaceAll('@LAYOUT@', 'mbr'),
      timeoutS: 300,
    });
  }, 400_000);

  it.each(['syslinux', 'sym53c8xx-disk', 'partition'])('guest check %s passes', (name) => {
    const c = run.checks.get(name);
    expect(c, explain(run)).toBeDefined();
    expect(c!.pass, `${name}: ${c!.detail}\n${explain(run)}`).toBe(true);
  });

  it('the guest script ran to its end', () => {
    expect(run.rc, explain(run)).toBe(0);
  });

  it('sym53c8xx drives the controller as a 53C875 and finds the disk the BIOS booted from', () => {
    expect(run.checks.get('sym53c8xx-disk')?.detail ?? '', explain(run)).toContain('<875>');
    expect(run.values.get('sda_driver'), explain(run)).toBe('sym53c8xx');
    expect(run.values.get('sda_sectors')).toBe(String((sizeMib * MiB) / 512));
    expect(run.values.get('vbr_oem')).toBe('SYSLINUX');
    expectOurRomRan(run);
  });

  it('sd attaches the zero-capacity disk at SCSI ID 2 as a disk of 0 sectors, and says why', () => {
    // sd names disks in the order their probes finish: this one may be sda or sdb.
    const other = [...run.values].filter(([k]) => k.startsWith('disk_sd')).map(([, v]) => v);
    expect(other, explain(run)).toHaveLength(1);
    expect(other[0], explain(run)).toMatch(/^\d+:0:2:0 0$/);
    expect(run.values.get('sd_other') ?? '', explain(run)).toMatch(/not ready/i);
  });
});

describe('bad disks: INT 13h errors, and the BIOS goes on to its next boot device', () => {
  it('reads beyond the end of the second disk fail with CF and AH=04h; absent SCSI IDs cost nothing', async () => {
    // The 81h disk is 1 MiB: the payload at LBA 5000 lies beyond it.
    const small = makeImage(join(dir, 'small.img'), 1 * MiB);
    const boot = writeBootSectorImage({ path: join(dir, 'boot-range.img'), sizeBytes: 64 * MiB, sectors: 16, payloadLba: PAYLOAD_LBA, drive81Sum: 0x12345678 });
    // SCSI IDs 1-5 and 7-15 are absent: the ROM's probe selects each and times out.
    const run = await bootThroughRom({ scratchDir: dir, disks: [{ scsiId: 0, path: boot.path }, { scsiId: 6, path: small }] });
    expect(run.markers[0], explain(run)).toEqual({ drive: 0x80, edd: { kind: 'ok' }, chs: { kind: 'ok' }, sum: boot.sum, heads: 255, sectorsPerTrack: 63 });
    const second = run.markers[1];
    expect(second?.drive, explain(run)).toBe(0x81);
    expect(second?.edd, explain(run)).toEqual({ kind: 'fail', ah: 0x04 });
    // CHS: the 1 MiB disk has fewer cylinders than LBA 5000 needs.
    expect(['fail', 'range'], explain(run)).toContain(second?.chs.kind);
    if (second?.chs.kind === 'fail') expect(second.chs.ah).toBe(0x04);
    expect(run.ended, explain(run)).toBe(true);
  }, 240_000);

  it('a disk that is not bootable: SeaBIOS reads its MBR through the ROM, then boots the floppy', async () => {
    const blank = makeImage(join(dir, 'blank.img'), 8 * MiB);
    const floppy = writeBootSectorImage({ path: join(dir, 'floppy.img'), sizeBytes: 1474560, sectors: 8, payloadLba: lba(40) });
    const run = await bootThroughRom({
      scratchDir: dir,
      disks: [{ scsiId: 0, path: blank }],
      // Hard disk first, then the floppy (SeaBIOS takes the order from the CMOS).
      qemuArgs: ['-boot', 'order=ca', '-drive', `if=floppy,index=0,format=raw,file=${floppy.path}`],
    });
    expectOurRomRan(run);
    expect(run.console, explain(run)).toContain('Booting from Hard Disk');
    expect(run.console, explain(run)).toMatch(/Boot failed: not a bootable disk/);
    expect(run.console, explain(run)).toContain('Booting from Floppy');
    // The floppy's boot sector ran (its own drive 00h), so the BIOS went on past our disk.
    expect(run.markers.map((m) => m.drive), explain(run)).toEqual([0x00]);
    expect(run.markers[0]!.sum).toBe(floppy.sum);
  }, 240_000);

  it('a controller without disks: the ROM hooks nothing, drive 80h does not exist, nothing is bootable', async () => {
    const run = await bootThroughRom({ scratchDir: dir, disks: [], timeoutS: 120 });
    expectOurRomRan(run);
    // SeaBIOS still tries its hard disk entry; no BCV installed 80h, so the read fails.
    expect(run.console, explain(run)).toContain('Boot failed: could not read the boot disk');
    expect(run.remoteStats?.blockRequests, explain(run)).toBe(0);
    expect(run.rc, explain(run)).toBe(125);
    expect(run.stderr).toContain('run-guest: the BIOS found no bootable device');
  }, 240_000);
});
