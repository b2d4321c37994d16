// The boot-media tooling, proven with QEMU's own in-process LSI 53C895A (lsi53c895a +
// scsi-hd), which SeaBIOS's built-in LSI driver boots, so it does not depend on our option
// ROM: the test boot sector's INT 13h checks (EDD and CHS reads, checksums, a second disk
// as 81h, a corrupted payload), the kit's BIOS mode through the proxy and with nothing
// bootable, and the syslinux Linux disk booting Linux that then finds the same disk.

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

// 127 sectors from LBA 5000: with SeaBIOS's 16 heads x 63 sectors for a 64 MiB disk the
// CHS reads start mid-track and cross track and cylinder boundaries.
const PAYLOAD_LBA = lba(5000);

describe('test boot sector through SeaBIOS and QEMU\'s in-process LSI disk', () => {
  it('reads the payload with AH=42h and with CHS AH=02h and both checksums match', async () => {
    const img = writeBootSectorImage({ path: join(dir, 'good.img'), sectors: 127, payloadLba: PAYLOAD_LBA });
    const run = await runBiosBoot({ qemuArgs: inProcessLsiDisks([img.path]), timeoutS: 120 });
    expect(run.markers, explainBoot(run)).toEqual([{ drive: 0x80, edd: { kind: 'ok' }, chs: { kind: 'ok' }, sum: img.sum }]);
    expect(run.ended, explainBoot(run)).toBe(true);
    expect(run.rc, explainBoot(run)).toBe(0);
  }, 180_000);

  it('a corrupted payload is reported BAD by both reads, with the checksum of what is on disk', async () => {
    const img = writeBootSectorImage({ path: join(dir, 'bad.img'), sectors: 32, payloadLba: PAYLOAD_LBA, corrupt: true });
    const onDisk = payloadChecksum(img.payload);
    expect(onDisk).not.toBe(img.sum);
    const run = await runBiosBoot({ qemuArgs: inProcessLsiDisks([img.path]), timeoutS: 120 });
    expect(run.markers, explainBoot(run)).toEqual([
      { drive: 0x80, edd: { kind: 'bad', sum: onDisk }, chs: { kind: 'bad', sum: onDisk }, sum: img.sum },
    ]);
    expect(run.rc, explainBoot(run)).toBe(1);
  }, 180_000);

  it('the second disk on the controller is drive 81h and reads back its own payload', async () => {
    const second = writePayloadImage(join(dir, 'second.img'), PAYLOAD_LBA, 16, 32 * MiB);
    const boot = writeBootSectorImage({ path: join(dir, 'first.img'), sectors: 16, payloadLba: PAYLOAD_LBA, drive81Sum: second.sum });
    expect(second.sum).not.toBe(boot.sum);
    const run = await runBiosBoot({ qemuArgs: inProcessLsiDisks([boot.path, second.path]), timeoutS: 120 });
    expect(run.markers, explainBoot(run)).toEqual([
      { drive: 0x80, edd: { kind: 'ok' }, chs: { kind: 'ok' }, sum: boot.sum },
      { drive: 0x81, edd: { kind: 'ok' }, chs: { kind: 'ok' }, sum: second.sum },
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
    expect(run.markers, explainBoot(run)).toEqual([{ drive: 0x80, edd: { kind: 'ok' }, chs: { kind: 'ok' }, sum: img.sum }]);
    expect(run.rc, explainBoot(run)).toBe(0);
  }, 180_000);

  it('ends with a clear failure, well before the timeout, when no disk is bootable', async () => {
    const blank = makeImage(join(dir, 'blank.img'), 8 * MiB);
    const run = await runBiosBoot({ qemuArgs: inProcessLsiDisks([blank]), timeoutS: 300 });
    expect(run.markers).toEqual([]);
    expect(run.rc, explainBoot(run)).toBe(125);
    expect(run.stderr).toContain('run-guest: the BIOS found no bootable device');
  }, 180_000);
});

describe('Linux booted by syslinux from QEMU\'s in-process LSI disk', () => {
  let run: BiosBootRun;
  const sizeMib = 32;

  beforeAll(async () => {
    const disk = makeLinuxBootDisk(join(dir, 'linux.img'), { sizeMib });
    run = await runBiosBoot({
      qemuArgs: inProcessLsiDisks([disk]),
      script: readFileSync(join(root, 'test', 'guest', 'scripts', 'boot-disk-checks.sh'), 'utf8'),
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
