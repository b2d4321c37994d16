// run-guest.sh's GUEST_BOOT=bios verdicts, without booting anything: QEMU is replaced by a
// script that prints a given console transcript (and, like a hung guest, then waits).

import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { root } from '../helpers/guest-kit.js';

const dir = mkdtempSync(join(tmpdir(), 'run-guest-bios-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** run-guest.sh in BIOS mode with a fake QEMU that prints `console` and then sleeps `hangS`. */
function runFake(console: string, hangS = 0, env: Record<string, string> = {}) {
  const transcript = join(dir, `console-${n}.txt`);
  const fake = join(dir, `qemu-${n++}.sh`);
  writeFileSync(transcript, console);
  writeFileSync(fake, `#!/bin/sh\necho "$*" > "${transcript}.args"\ncat "${transcript}"\nexec sleep ${hangS}\n`);
  chmodSync(fake, 0o755);
  const script = join(dir, 'script.sh');
  writeFileSync(script, 'exit 0\n');
  return spawnSync('bash', [join(root, 'guest', 'run-guest.sh'), 'unused', script, '-boot', 'menu=on'], {
    encoding: 'utf8',
    env: { ...process.env, QEMU: fake, GUEST_BOOT: 'bios', GUEST_TIMEOUT: '60', ...env },
  });
}

const ESC = '\x1b';

describe('run-guest.sh GUEST_BOOT=bios', () => {
  it('a clean boot-sector report is exit status 0; SeaBIOS\'s screen escapes are stripped', () => {
    const r = runFake(`${ESC}c${ESC}[?7l${ESC}[2J${ESC}[0mSeaBIOS (version x)\r\nBooting from Hard Disk...\r\n` +
      'HVMIO-BOOT edd=OK chs=OK sum=00000001 drive=80 heads=0010 spt=003f\r\nHVMIO-BOOT-END exec=OK\r\n');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('SeaBIOS (version x)');
    expect(r.stdout).not.toContain(ESC);
  });

  it('no -kernel, reboot-timeout=0 added, the caller\'s -boot passed through', () => {
    runFake('HVMIO-BOOT-END exec=OK\n');
    const args = spawnSync('cat', [join(dir, `console-${n - 1}.txt.args`)], { encoding: 'utf8' }).stdout;
    expect(args).not.toContain('-kernel');
    expect(args).toContain('-boot reboot-timeout=0');
    expect(args).toMatch(/-fw_cfg name=opt\/guest\/script,file=\S+script\.sh -boot menu=on/);
  });

  it.each([
    ['a failed read', 'HVMIO-BOOT edd=FAIL ah=01 chs=OK sum=00000001 drive=80 heads=0010 spt=003f\nHVMIO-BOOT-END exec=OK\n'],
    ['a bad checksum on 81h', 'HVMIO-BOOT edd=OK chs=OK sum=1 drive=80 heads=0010 spt=003f\nHVMIO-BOOT edd=BAD:12345678 chs=OK sum=00000001 drive=81 heads=0010 spt=003f\nHVMIO-BOOT-END exec=OK\n'],
    ['stale code', 'HVMIO-BOOT edd=OK chs=OK sum=00000001 drive=80 heads=0010 spt=003f\nHVMIO-BOOT-END exec=STALE\n'],
  ])('%s is exit status 1', (_name, console) => {
    expect(runFake(console).status).toBe(1);
  });

  it('a boot sector that stops before its end line is exit status 1, with a line saying so', () => {
    const r = runFake('HVMIO-BOOT load=FAIL ah=01\n');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('run-guest: the boot sector stopped before HVMIO-BOOT-END');
  });

  it('"No bootable device" is exit status 125 with a clear line', () => {
    const r = runFake('Booting from Hard Disk...\nBoot failed: not a bootable disk\n\nNo bootable device.  Retrying in 0 seconds.\nRebooting\n');
    expect(r.status).toBe(125);
    expect(r.stderr).toContain('run-guest: the BIOS found no bootable device');
  });

  it('syslinux\'s "Boot error" stops a QEMU that would otherwise hang: 125, not the timeout\'s 124', () => {
    const r = runFake('Booting from Hard Disk...\nBoot error\n', 120, { GUEST_TIMEOUT: '100' });
    expect(r.status, r.stderr).toBe(125);
    expect(r.stderr).toContain('run-guest: the boot loader said "Boot error"; stopping QEMU');
  });

  it('a BIOS that keeps booting is stopped at the 10th attempt', () => {
    const r = runFake('Booting from Hard Disk...\n'.repeat(12), 120, { GUEST_TIMEOUT: '100' });
    expect(r.status, r.stderr).toBe(125);
    expect(r.stderr).toContain('run-guest: the BIOS started booting 10 times; stopping QEMU');
  });

  it('a boot that reports nothing ends at GUEST_TIMEOUT with 124 and a line saying so', () => {
    const r = runFake('SeaBIOS (version x)\n', 30, { GUEST_TIMEOUT: '1' });
    expect(r.status).toBe(124);
    expect(r.stderr).toContain('neither Linux (GUEST-BEGIN) nor a boot sector (HVMIO-BOOT) reported within GUEST_TIMEOUT=1 s');
  });

  it('a Linux guest\'s own exit status wins', () => {
    expect(runFake('SYSLINUX 6.04\n=== GUEST-BEGIN ===\n=== GUEST-END rc=7 ===\n').status).toBe(7);
  });

  it('an unknown GUEST_BOOT is exit status 2 with one line', () => {
    const r = runFake('', 0, { GUEST_BOOT: 'floppy' });
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe("run-guest: GUEST_BOOT must be kernel or bios, not 'floppy'");
  });
});
