// The configurations the real-guest benchmarks boot, and the guest-kit command line of each.
// Two controllers, each three ways:
//   - ours behind QEMU's proxy (`hvmio remote`, x-pci-proxy-dev);
//   - QEMU's own model in-process, with and without the proxy runs' kernel parameters;
//   - QEMU's own model in QEMU's remote process (x-remote) behind the same proxy.
// QEMU 7.2's x-remote cannot realize piix3-ide ("Failed to realize piix3-ide: No such
// device": it needs an ISA bus), so the IDE benchmark's reference remote is QEMU's LSI
// 53C895A, the same one the SCSI benchmark compares against.

import { join } from 'node:path';
import { guestOut, hvmioBin, kitDir } from './guest-kit.js';
import type { ProcessRole } from './run-processes.js';

export type CacheMode = 'none' | 'writeback';
export type Controller = 'piix3-ide' | 'lsi53c895a';
/** Whose device model serves the disk, and where it runs. */
export type ConfigKind = 'ours' | 'qemu-in-process' | 'qemu-remote';

/** The kernel parameters under which a proxied device's interrupt reaches the guest at all
 *  under TCG (guest/README.md, "Interrupts under TCG"): the PIT tick polls shared handlers. */
export const TICK_POLL_APPEND = 'nolapic irqpoll nohz=off';

export interface Configuration {
  key: string;
  label: string;
  kind: ConfigKind;
  controller: Controller;
  cache: CacheMode;
  /** Booted with TICK_POLL_APPEND (always for proxied devices). */
  tickPollParams: boolean;
  /** The device's interrupt reaches the guest only through the tick poll, so the tick bound applies. */
  tickBound: boolean;
  /** Trace a few commands with ftrace in the first repetition. */
  profile: boolean;
}

type Shape = Omit<Configuration, 'tickBound' | 'controller'>;
const of = (controller: Controller, s: Shape): Configuration => ({ ...s, controller, tickBound: s.kind !== 'qemu-in-process' });

const QEMU_LSI_REMOTE: Shape = {
  key: 'lsi-remote-none', label: 'QEMU x-remote LSI+scsi-hd, proxy, cache=none', kind: 'qemu-remote', cache: 'none', tickPollParams: true, profile: true,
};

/** bench/guest-ide.ts */
export const IDE_CONFIGURATIONS: readonly Configuration[] = [
  of('piix3-ide', { key: 'ours-none', label: 'ours, proxy, cache=none', kind: 'ours', cache: 'none', tickPollParams: true, profile: true }),
  of('piix3-ide', { key: 'ours-wb', label: 'ours, proxy, cache=writeback', kind: 'ours', cache: 'writeback', tickPollParams: true, profile: false }),
  of('piix3-ide', { key: 'qemu-none-poll', label: 'QEMU in-process, cache=none, irqpoll params', kind: 'qemu-in-process', cache: 'none', tickPollParams: true, profile: false }),
  of('piix3-ide', { key: 'qemu-wb-poll', label: 'QEMU in-process, cache=writeback, irqpoll params', kind: 'qemu-in-process', cache: 'writeback', tickPollParams: true, profile: false }),
  of('piix3-ide', { key: 'qemu-none', label: 'QEMU in-process, cache=none, native IRQ', kind: 'qemu-in-process', cache: 'none', tickPollParams: false, profile: false }),
  of('piix3-ide', { key: 'qemu-wb', label: 'QEMU in-process, cache=writeback, native IRQ', kind: 'qemu-in-process', cache: 'writeback', tickPollParams: false, profile: false }),
  of('lsi53c895a', QEMU_LSI_REMOTE),
];

/** bench/guest-scsi.ts: every configuration an LSI 53C895A with one scsi-hd at SCSI ID 0, cache=none. */
export const SCSI_CONFIGURATIONS: readonly Configuration[] = [
  of('lsi53c895a', { key: 'ours-lsi', label: 'ours LSI, proxy', kind: 'ours', cache: 'none', tickPollParams: true, profile: true }),
  of('lsi53c895a', QEMU_LSI_REMOTE),
  of('lsi53c895a', { key: 'qemu-lsi-poll', label: 'QEMU LSI in-process, irqpoll params', kind: 'qemu-in-process', cache: 'none', tickPollParams: true, profile: true }),
  of('lsi53c895a', { key: 'qemu-lsi', label: 'QEMU LSI in-process, native IRQ', kind: 'qemu-in-process', cache: 'none', tickPollParams: false, profile: false }),
];

/** Only the drivers a run needs (guest-init's guest_modules=): a boot under TCG is about a
 *  second shorter than with the kit's full list, the same on every configuration. */
const MODULES: Record<Controller, string> = {
  'piix3-ide': 'guest_modules=qemu_fw_cfg,ata_piix,sd_mod',
  'lsi53c895a': 'guest_modules=qemu_fw_cfg,sym53c8xx,sd_mod',
};

/** The processes whose CPU time a configuration's figures count. */
export function rolesOf(kind: ConfigKind): ProcessRole[] {
  switch (kind) {
    case 'ours':
      return ['proxy-qemu', 'hvmio-remote'];
    case 'qemu-remote':
      return ['proxy-qemu', 'qemu-remote'];
    case 'qemu-in-process':
      return ['qemu'];
  }
}

/** How to start one guest run: a guest-kit script, its arguments and environment. */
export interface Launch {
  script: string;
  args: string[];
  env: Record<string, string>;
}

const DEVICE_ID = 'disk0';

/** QEMU's own options for the controller and its disk (in-process, or in x-remote). */
function qemuDeviceArgs(c: Configuration, image: string): string[] {
  const drive = `file=${image},format=raw,cache=${c.cache}`;
  if (c.controller === 'piix3-ide') return ['-drive', `${drive},if=ide`];
  return ['-device', `lsi53c895a,id=${DEVICE_ID}`, '-drive', `if=none,id=d0,${drive}`, '-device', `scsi-hd,drive=d0,bus=${DEVICE_ID}.0`];
}

export function launchOf(c: Configuration, guestScript: string, image: string): Launch {
  if (image.includes(',')) throw new Error(`image path ${image} has a comma, which QEMU options cannot carry`);
  const modules = MODULES[c.controller];
  switch (c.kind) {
    case 'ours':
      // run-guest-remote.sh adds TICK_POLL_APPEND to GUEST_APPEND itself and passes the socket as $MPQEMU_FD.
      return {
        script: join(kitDir, 'run-guest-remote.sh'),
        args: [guestOut, guestScript, DEVICE_ID, '--', '--device', `${c.controller},id=${DEVICE_ID},drive=${image},cache=${c.cache}`],
        env: { GUEST_REMOTE: `node ${hvmioBin} remote --stats`, GUEST_APPEND: modules },
      };
    case 'qemu-remote':
      if (c.controller !== 'lsi53c895a') throw new Error(`QEMU 7.2's x-remote cannot serve ${c.controller}`);
      return {
        script: join(kitDir, 'run-guest-remote.sh'),
        args: [guestOut, guestScript, DEVICE_ID, '--', ...qemuDeviceArgs(c, image)],
        env: { GUEST_APPEND: modules },
      };
    case 'qemu-in-process':
      return {
        script: join(kitDir, 'run-guest.sh'),
        args: [guestOut, guestScript, ...qemuDeviceArgs(c, image)],
        env: { GUEST_APPEND: c.tickPollParams ? `${TICK_POLL_APPEND} ${modules}` : modules },
      };
  }
}
