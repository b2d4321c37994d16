// The configurations the real-guest IDE benchmark boots, and the guest-kit command line of
// each: our PIIX3 IDE behind QEMU's proxy (`hvmio remote`), QEMU's in-process PIIX3 IDE with
// and without the proxy runs' kernel parameters, and QEMU's own remote (x-remote) serving an
// LSI 53C895A disk as the reference remote process (QEMU 7.2's x-remote cannot realize
// piix3-ide: "Failed to realize piix3-ide: No such device", it needs an ISA bus).

import { join } from 'node:path';
import { guestOut, hvmioBin, kitDir } from './guest-kit.js';
import type { ProcessRole } from './run-processes.js';

export type CacheMode = 'none' | 'writeback';
export type ConfigKind = 'ours' | 'qemu-ide' | 'qemu-lsi-remote';

/** The kernel parameters under which a proxied device's interrupt reaches the guest at all
 *  under TCG (guest/README.md, "Interrupts under TCG"): the PIT tick polls shared handlers. */
export const TICK_POLL_APPEND = 'nolapic irqpoll nohz=off';

export interface Configuration {
  key: string;
  label: string;
  kind: ConfigKind;
  cache: CacheMode;
  /** Booted with TICK_POLL_APPEND (always for proxied devices). */
  tickPollParams: boolean;
  /** The device's interrupt reaches the guest only through the tick poll, so the tick bound applies. */
  tickBound: boolean;
  /** Trace a few commands with ftrace in the first repetition. */
  profile: boolean;
}

export const CONFIGURATIONS: readonly Configuration[] = [
  { key: 'ours-none', label: 'ours, proxy, cache=none', kind: 'ours', cache: 'none', tickPollParams: true, tickBound: true, profile: true },
  { key: 'ours-wb', label: 'ours, proxy, cache=writeback', kind: 'ours', cache: 'writeback', tickPollParams: true, tickBound: true, profile: false },
  { key: 'qemu-none-poll', label: 'QEMU in-process, cache=none, irqpoll params', kind: 'qemu-ide', cache: 'none', tickPollParams: true, tickBound: false, profile: false },
  { key: 'qemu-wb-poll', label: 'QEMU in-process, cache=writeback, irqpoll params', kind: 'qemu-ide', cache: 'writeback', tickPollParams: true, tickBound: false, profile: false },
  { key: 'qemu-none', label: 'QEMU in-process, cache=none, native IRQ', kind: 'qemu-ide', cache: 'none', tickPollParams: false, tickBound: false, profile: false },
  { key: 'qemu-wb', label: 'QEMU in-process, cache=writeback, native IRQ', kind: 'qemu-ide', cache: 'writeback', tickPollParams: false, tickBound: false, profile: false },
  { key: 'lsi-remote-none', label: 'QEMU x-remote LSI+scsi-hd, proxy, cache=none', kind: 'qemu-lsi-remote', cache: 'none', tickPollParams: true, tickBound: true, profile: true },
];

/** Only the drivers a run needs (guest-init's guest_modules=): a boot under TCG is about a
 *  second shorter than with the kit's full list, the same on every configuration. */
const IDE_MODULES = 'guest_modules=qemu_fw_cfg,ata_piix,sd_mod';
const LSI_MODULES = 'guest_modules=qemu_fw_cfg,sym53c8xx,sd_mod';

/** The processes whose CPU time a configuration's figures count. */
export function rolesOf(kind: ConfigKind): ProcessRole[] {
  switch (kind) {
    case 'ours':
      return ['proxy-qemu', 'hvmio-remote'];
    case 'qemu-lsi-remote':
      return ['proxy-qemu', 'qemu-remote'];
    case 'qemu-ide':
      return ['qemu'];
  }
}

/** How to start one guest run: a guest-kit script, its arguments and environment. */
export interface Launch {
  script: string;
  args: string[];
  env: Record<string, string>;
}

export function launchOf(c: Configuration, guestScript: string, image: string): Launch {
  if (image.includes(',')) throw new Error(`image path ${image} has a comma, which QEMU options cannot carry`);
  switch (c.kind) {
    case 'ours':
      // run-guest-remote.sh adds TICK_POLL_APPEND to GUEST_APPEND itself and passes the socket as $MPQEMU_FD.
      return {
        script: join(kitDir, 'run-guest-remote.sh'),
        args: [guestOut, guestScript, 'ide0', '--', '--device', `piix3-ide,id=ide0,drive=${image},cache=${c.cache}`],
        env: { GUEST_REMOTE: `node ${hvmioBin} remote --stats`, GUEST_APPEND: IDE_MODULES },
      };
    case 'qemu-lsi-remote':
      return {
        script: join(kitDir, 'run-guest-remote.sh'),
        args: [
          guestOut, guestScript, 'lsi1', '--',
          '-device', 'lsi53c895a,id=lsi1',
          '-drive', `if=none,id=d0,file=${image},format=raw,cache=${c.cache}`,
          '-device', 'scsi-hd,drive=d0,bus=lsi1.0',
        ],
        env: { GUEST_APPEND: LSI_MODULES },
      };
    case 'qemu-ide':
      return {
        script: join(kitDir, 'run-guest.sh'),
        args: [guestOut, guestScript, '-drive', `file=${image},if=ide,format=raw,cache=${c.cache}`],
        env: { GUEST_APPEND: c.tickPollParams ? `${TICK_POLL_APPEND} ${IDE_MODULES}` : IDE_MODULES },
      };
  }
}
