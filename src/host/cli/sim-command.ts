// `hvmio sim`: the default job. Builds a scratch disk, attaches it to a PIIX3 IDE controller
// in a simulated PC and runs what a Linux driver would: pattern write, read back, md5
// compare, a flush. Prints throughput, ioreq round-trip percentiles and PASS/FAIL.

import { mkdtempSync, rmSync, closeSync, openSync, ftruncateSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runIdeWorkload, type WorkloadResult } from '../sim-workload.js';
import { SimMachine } from '../transports/sim/machine.js';
import type { DeviceSpec } from '../devices/device-spec.js';
import { parseDeviceOptions } from './device-options.js';
import { OptionError } from './keyval.js';
import { parseNetdevOptions } from './netdev-options.js';
import { scratchDir } from './scratch.js';

const HELP = `usage: hvmio sim [options]

Runs a simulated guest against our devices: PCI enumeration, ATA probe, pattern write,
read back with md5 compare, FLUSH CACHE. With no --device, a scratch disk image is created
and attached to a PIIX3 IDE controller.

options:
  --device SPEC     piix3-ide,id=ID,drive=FILE[,cache=none|writeback][,media=disk|cdrom]
                    [,mode=legacy|native]; more drives: ide-hd,bus=ID.N[,unit=U],drive=FILE
                    (repeatable). The workload writes to the first disk of the first controller:
                    its contents are overwritten. e1000,id=ID,netdev=NAME[,mac=...] adds a NIC
                    (the simulated guest does not drive it; its backend is opened and checked)
  --netdev SPEC     a NIC's backend: user|stream|dgram|tap|hub,id=NAME,... (see hvmio remote --help)
  --size MIB        bytes to write and read back (default 64)
  --chunk KIB       bytes per ATA command (default 1024; at most 32768)
  --transfer MODE   dma or pio (default dma)
  --ram MIB         guest RAM (default 64)
  --keep            keep the scratch directory
  -h, --help        this text
`;

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      device: { type: 'string', multiple: true },
      netdev: { type: 'string', multiple: true },
      size: { type: 'string', default: '64' },
      chunk: { type: 'string', default: '1024' },
      transfer: { type: 'string', default: 'dma' },
      ram: { type: 'string', default: '64' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const sizeMiB = positiveInt(values.size!, '--size');
  const chunkKiB = positiveInt(values.chunk!, '--chunk');
  const ramMiB = positiveInt(values.ram!, '--ram');
  if (chunkKiB > 32768 || chunkKiB % 1 !== 0) throw new OptionError('--chunk: at most 32768 KiB (one LBA48 command)');
  if (values.transfer !== 'dma' && values.transfer !== 'pio') throw new OptionError(`--transfer: "${values.transfer}" is not dma or pio`);
  if (chunkKiB * 1024 + 1024 * 1024 > ramMiB * 1024 * 1024) throw new OptionError('--ram: too small for --chunk buffers');

  let scratch: string | null = null;
  let devices: DeviceSpec[];
  const all = parseDeviceOptions(values.device ?? [], { ideMode: 'legacy' }, parseNetdevOptions(values.netdev ?? []));
  // NICs ride along (their backends open, frames flow as the simulated guest has none to
  // send); the workload is the disk one, on the first controller.
  const nics = all.filter((d) => d.kind === 'e1000');
  if (all.length > nics.length) {
    devices = all.filter((d) => d.kind !== 'e1000');
  } else {
    scratch = mkdtempSync(join(scratchDir(), 'hvmio-sim-'));
    const image = join(scratch, 'disk.img');
    const fd = openSync(image, 'w');
    ftruncateSync(fd, (sizeMiB + 1) * 1024 * 1024);
    closeSync(fd);
    devices = [{ kind: 'piix3-ide', id: 'ide0', mode: 'legacy', drives: [{ path: image, cache: 'writeback', media: 'disk' }, null, null, null] }];
    console.log(`hvmio sim: scratch disk ${image} (${sizeMiB + 1} MiB) on piix3-ide ide0, primary master`);
  }
  const target = devices[0];
  devices = [...devices, ...nics];
  if (target?.kind === 'e1000') throw new OptionError('internal: a NIC as the workload target');
  if (target?.kind === 'lsi53c895a') {
    // The sim workload is an ata_piix-style driver; SCSI runs in a real guest (hvmio run).
    throw new OptionError(`the sim workload drives a PIIX3 IDE controller; for ${target.chip ?? 'lsi53c895a'} use hvmio run --device ${target.chip ?? 'lsi53c895a'},...`);
  }
  if (!target || !target.drives.some((d) => d && d.media === 'disk')) {
    throw new OptionError('the first --device needs a disk (not only a CD-ROM) for the workload');
  }

  const machine = await SimMachine.start({ ramBytes: ramMiB * 1024 * 1024, devices });
  let result: WorkloadResult;
  try {
    result = await runIdeWorkload(machine, {
      deviceId: target.id,
      bytes: sizeMiB * 1024 * 1024,
      chunkBytes: chunkKiB * 1024,
      mode: values.transfer,
      onProgress: (line: string) => console.log(`  ${line}`),
    });
    const stats = await machine.stats(target.id);
    printResult(result, stats.backendCalls, stats.blockRequests);
  } finally {
    await machine.stop();
    if (scratch && !values.keep) rmSync(scratch, { recursive: true, force: true });
  }
  return result.pass ? 0 : 1;
}

function printResult(r: WorkloadResult, backendCalls: number, blockRequests: number): void {
  const f = (n: number) => n.toFixed(1);
  console.log(`write: ${f(r.writeMiBps)} MiB/s   read: ${f(r.readMiBps)} MiB/s   (${r.mode}, ${r.bytes / 1048576} MiB in ${r.chunkBytes / 1024} KiB commands)`);
  console.log(`md5 written ${r.md5Written}  read ${r.md5Read}`);
  console.log(`ioreq round trip: p50 ${f(r.roundTrip.p50Us)} µs  p99 ${f(r.roundTrip.p99Us)} µs  p99.9 ${f(r.roundTrip.p999Us)} µs`);
  console.log(`backend calls: ${backendCalls} for ${blockRequests} block requests`);
  console.log(r.pass ? 'PASS' : `FAIL: ${r.failure ?? 'mismatch'}`);
}

function positiveInt(v: string, what: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new OptionError(`${what}: "${v}" is not a positive whole number`);
  return n;
}
