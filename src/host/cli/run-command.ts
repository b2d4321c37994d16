// `hvmio run`: see it work on a real Linux guest. Builds the guest kit's guest the first time,
// boots it under QEMU with our device behind QEMU's multi-process proxy (`hvmio remote`),
// runs a workload (or the user's script, or a shell) and prints the guest's results followed
// by our device statistics. Exit status: the guest script's.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isNativeAddonAvailable } from '../../native/addon.js';
import { specDrives, type DeviceSpec } from '../devices/device-spec.js';
import { checkDriveImage } from '../devices/prepared-device.js';
import { optionRomPath } from '../devices/option-rom.js';
import { createBootDisk } from '../run/boot-disk.js';
import { buildGuest, guestBuildReason, guestKit } from '../run/guest-build.js';
import { runGuestSession, type GuestSessionResult } from '../run/guest-session.js';
import { BOOT_CONTROLLER_ID, parseRunOptions, scratchDeviceArg, SCRATCH_CONTROLLER_ID, type RunPlan } from '../run/run-options.js';
import { createScratchDisk, type ScratchDisk } from '../run/scratch-disk.js';
import { composeGuestScript, type ComposedScript } from '../run/guest-script.js';
import { formatStatsTable } from '../run/stats-table.js';
import { packageRoot } from '../worker-entry.js';

const HELP = `usage: hvmio run [options]

Boots the bundled Linux guest (an unmodified Debian 12 kernel with busybox, guest/) under
QEMU with our device behind QEMU's multi-process proxy (x-pci-proxy-dev, served by
\`hvmio remote\`), runs a workload in the guest and prints its results, then our device
statistics. The first run builds the guest with guest/build-guest.sh, which installs
qemu-system-x86 with apt if it is missing and downloads a Debian kernel package.

With no --device the guest gets a fresh scratch disk on a PIIX3 IDE controller. The workload
(guest/scripts/ide-workload.sh) shows how Linux sees the disk (driver, model, size, transfer
mode), writes and reads back a random pattern (md5), measures O_DIRECT throughput and makes
an ext2 file system: it OVERWRITES the controller's first disk. With an lsi53c895a the SCSI
workload (guest/scripts/scsi-workload.sh) lists every disk sym53c8xx found and does the same
on the one with the lowest SCSI ID, plus tagged queuing and, with two or more disks, writes
to the first two at once: it OVERWRITES the first disk and 8 MiB of the second.

options:
  --device SPEC     one controller and its drives:
                    piix3-ide,id=ID,drive=FILE[,cache=none|writeback][,media=disk|cdrom]
                    plus ide-hd/ide-cd,bus=ID.N[,unit=0|1],drive=FILE for more drives; it
                    runs in PCI native mode (the proxy forwards BARs only). Or
                    lsi53c895a,id=ID[,drive=FILE][,cache=none|writeback][,readonly=on]
                    (SCSI ID 0) plus scsi-hd,bus=ID.0[,scsi-id=N],drive=FILE for more disks;
                    lsi53c875,... is the same controller as an LSI 53C875 (1000:000F). Or
                    e1000,id=ID,netdev=NAME[,mac=52:54:00:XX:XX:XX][,link=on|off] with
  --netdev SPEC     the NIC's backend, QEMU's names: user,id=NAME (passt) | stream,id=NAME,
                    path=SOCKET or host=H,port=P[,server=on] | dgram,id=NAME,local=H:P,
                    remote=H:P | tap,id=NAME,ifname=IF | hub,id=NAME,hubid=N. The e1000
                    workload (guest/scripts/net-workload.sh) shows the driver and link, takes
                    a DHCP lease and pings the gateway (meant for user networking)
  --size-mib N      size of the scratch disk in MiB (default 256, at least 16)
  --script FILE     run this guest script (busybox sh) instead of the workload
  --shell           a shell on the guest's serial console instead (Ctrl-A x quits QEMU)
  --mem SIZE        guest RAM: 256M, 1G, ... (default 256M)
  --timeout S       stop the guest after S seconds (default 300; exit status 124)
  --boot scsi       boot like a PC from a SCSI disk instead of QEMU's -kernel: SeaBIOS runs
                    our option ROM (build/rom/lsi53c875.rom, as -option-rom), which finds
                    the lsi53c875 controller and serves INT 13h from its disk; syslinux on
                    the disk loads Linux, whose sym53c8xx then drives the same controller.
                    Without --device the disk is a fresh scratch boot disk (--size-mib,
                    default 64) with the kit's Linux (guest/boot/make-boot-disk.sh); with
                    --device lsi53c875,...,drive=DISK it boots DISK. The workload
                    (guest/scripts/scsi-boot-workload.sh) only reads the disk.
  --keep            keep the scratch disk and say where it is
  -h, --help        this text

Exit status: the guest script's (the workload's is its number of failed steps);
2 for bad options.
`;

/** Why proxied I/O is slow under TCG (guest/README.md, "Interrupts under TCG"). */
const TICK_NOTE = [
  "note: under TCG, QEMU's proxy cannot deliver the device's interrupt (it wires it into KVM",
  '  only), so the guest runs with nolapic irqpoll nohz=off and polls the device at its 250 Hz',
  '  tick: one-at-a-time I/O completes at most one request per 4 ms tick, and every register',
  '  access is a round trip through the proxy socket. The throughput figures measure that',
  '  path, not the device model (hvmio sim and npm run bench do).',
].join('\n');

const say = (line: string): void => console.log(`hvmio run: ${line}`);

export async function main(argv: string[]): Promise<number> {
  const plan = parseRunOptions(argv);
  if (plan.help) {
    console.log(HELP);
    return 0;
  }
  if (plan.device.kind === 'user') {
    for (const drive of specDrives(plan.device.controller)) checkDriveImage(drive);
  }
  if (plan.boot === 'scsi' && !existsSync(optionRomPath())) {
    console.error(`hvmio run: the option ROM ${optionRomPath()} is not built: run npm run build in ${packageRoot()}`);
    return 1;
  }
  // `hvmio run | head`: a reader that goes away must not kill us (an unhandled EPIPE would)
  // before the guest has finished and the scratch disk is removed; the rest is just unseen.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
  const root = packageRoot();
  const hvmio = join(root, 'bin', 'hvmio');
  // The kit's runner word-splits GUEST_REMOTE: a space inside a path would break it.
  if (/\s/.test(process.execPath + hvmio)) {
    console.error(`hvmio run: cannot start the remote from a path with spaces (${process.execPath}, ${hvmio})`);
    return 1;
  }
  if (!isNativeAddonAvailable()) {
    console.error(`hvmio run: the native addon is not built (the remote needs it): run npm run build in ${root}`);
    return 1;
  }

  const kit = guestKit(root);
  const buildReason = guestBuildReason(kit);
  if (buildReason === null) {
    say(`guest: ${kit.outDir} (rebuild with: bash ${join(kit.kitDir, 'build-guest.sh')} ${kit.outDir})`);
  } else {
    say(`building the guest into ${kit.outDir} (${buildReason}): installs qemu-system-x86 with apt if missing, downloads a ~70 MB Debian kernel package the first time`);
    const built = await buildGuest(kit);
    if (built !== 0) {
      console.error(`hvmio run: building the guest failed (guest/build-guest.sh exit status ${built}; its output is above)`);
      return 1;
    }
  }

  let scratch: ScratchDisk | null = null;
  let composed: ComposedScript | null = null;
  try {
    let devid: string;
    let deviceArgs: string[];
    let netdevArgs: string[] = [];
    let kind: DeviceSpec['kind'];
    if (plan.device.kind === 'scratch') {
      scratch = createScratchDisk(plan.device.sizeMiB);
      devid = SCRATCH_CONTROLLER_ID;
      kind = 'piix3-ide';
      deviceArgs = [scratchDeviceArg(scratch.image)];
      say(`scratch disk ${scratch.image} (${scratch.sizeMiB} MiB) on piix3-ide ${devid}, primary master`);
    } else if (plan.device.kind === 'boot-scratch') {
      try {
        scratch = await createBootDisk(kit, plan.device.sizeMiB);
      } catch (err) {
        console.error(`hvmio run: ${(err as Error).message}`);
        return 1;
      }
      devid = BOOT_CONTROLLER_ID;
      kind = 'lsi53c895a';
      deviceArgs = [`lsi53c875,id=${devid},drive=${scratch.image.replaceAll(',', ',,')}`];
      say(`scratch boot disk ${scratch.image} (${scratch.sizeMiB} MiB: syslinux and the kit's Linux) on lsi53c875 ${devid}, SCSI ID 0`);
    } else {
      devid = plan.device.controller.id;
      kind = plan.device.controller.kind;
      deviceArgs = plan.device.args;
      netdevArgs = plan.device.netdevArgs;
    }
    const script = guestScript(plan, kind, root);
    if (plan.boot === 'scsi') {
      say(`boot: SeaBIOS -> option ROM ${optionRomPath()} -> syslinux from the SCSI disk -> Linux (no -kernel)`);
    }
    say(
      `booting the guest (${plan.memMiB} MiB, QEMU TCG) with ${kind} ${devid} behind x-pci-proxy-dev; ` +
        (script === null ? 'serial console follows (Ctrl-A x quits)' : `guest script ${script}`),
    );
    if (script !== null) console.log(TICK_NOTE);

    composed = script === null ? null : composeGuestScript(script);
    const result = await runGuestSession({
      kit,
      script: composed?.path ?? null,
      devid,
      remoteCommand: `${process.execPath} ${hvmio} remote --stats`,
      remoteArgs: [...netdevArgs.flatMap((n) => ['--netdev', n]), ...deviceArgs.flatMap((d) => ['--device', d])],
      ...(plan.boot === 'scsi' ? { biosBoot: { qemuArgs: ['-option-rom', optionRomPath()] } } : {}),
      memMiB: plan.memMiB,
      timeoutS: plan.timeoutS,
      onConsoleLine: (line) => console.log(line),
      onStderrLine: (line) => console.error(line),
    });
    report(result, plan);
    if (scratch && plan.keep) say(`kept the scratch disk: ${scratch.image}`);
    return result.status;
  } finally {
    composed?.dispose();
    if (scratch && !plan.keep) scratch.remove();
  }
}

/** Our workload for the controller's kind, the user's script, or null for a shell. */
function guestScript(plan: RunPlan, kind: DeviceSpec['kind'], root: string): string | null {
  switch (plan.job.kind) {
    case 'workload':
      if (plan.boot === 'scsi') return join(root, 'guest', 'scripts', 'scsi-boot-workload.sh');
      return join(root, 'guest', 'scripts', kind === 'lsi53c895a' ? 'scsi-workload.sh' : kind === 'e1000' ? 'net-workload.sh' : 'ide-workload.sh');
    case 'script':
      return plan.job.path;
    case 'shell':
      return null;
  }
}

function report(result: GuestSessionResult, plan: RunPlan): void {
  if (result.remoteStats) console.log(formatStatsTable(result.remoteStats));
  else if (!result.interruptedBy) console.error('hvmio run: the remote printed no statistics (did it start? its messages are above)');
  const times = result.bootS !== null && result.totalS !== null ? ` (boot ${result.bootS.toFixed(2)} s, total ${result.totalS.toFixed(2)} s)` : '';
  if (result.interruptedBy) say(`interrupted by ${result.interruptedBy}; stopped the guest and the remote`);
  else if (result.status === 124) say(`the guest ran out of time (--timeout ${plan.timeoutS})${times}`);
  else if (result.status === 125) say(`the guest ended without a result (kernel panic or QEMU failure: see above)${times}`);
  else if (plan.job.kind === 'shell') say(`QEMU exited with status ${result.status}`);
  else say(`guest script exit status ${result.status}${times}`);
}
