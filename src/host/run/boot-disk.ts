// The scratch boot disk of `hvmio run --boot scsi`: the kit's Linux on a syslinux disk made
// by guest/boot/make-boot-disk.sh (no root, no loop mount), in its own directory under
// build/scratch, removed afterwards unless kept. Its kernel command line carries the
// polling parameters the proxy needs under TCG (guest/run-guest-remote.sh), since a BIOS
// boot cannot hand the kernel any.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir } from '../cli/scratch.js';
import type { GuestKit } from './guest-build.js';
import type { ScratchDisk } from './scratch-disk.js';

export const PROXY_POLLING_APPEND = 'nolapic irqpoll nohz=off';

/** Makes the disk; rejects with make-boot-disk.sh's own message when it fails. */
export function createBootDisk(kit: GuestKit, sizeMiB: number): Promise<ScratchDisk> {
  const dir = mkdtempSync(join(scratchDir(), 'hvmio-boot-'));
  const image = join(dir, 'boot.img');
  const remove = (): void => rmSync(dir, { recursive: true, force: true });
  return new Promise((resolve, reject) => {
    const child = spawn(
      'bash',
      [join(kit.kitDir, 'boot', 'make-boot-disk.sh'), '--size-mib', String(sizeMiB), '--append', PROXY_POLLING_APPEND, kit.outDir, image],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => {
      remove();
      reject(e);
    });
    child.on('close', (code) => {
      if (code === 0) resolve({ image, sizeMiB, remove });
      else {
        remove();
        reject(new Error(`make-boot-disk.sh failed (exit status ${code}): ${err.trim().split('\n').slice(-3).join(' / ')}`));
      }
    });
  });
}
