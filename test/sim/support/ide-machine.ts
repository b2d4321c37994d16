// Boots a simulated PC for the sim tests the way a real one comes up: the machine starts,
// the BIOS enumerates PCI, and ata_piix binds every PIIX3 IDE function it finds.

import { createHash } from 'node:crypto';
import { SimMachine, type DeviceSpec, type DriveSpec } from '../../../src/host/transports/sim/machine.js';
import { PciBios } from '../../../src/host/transports/sim/drivers/pci-enum.js';
import { PiixIdeHost, type PiixIdeOptions } from '../../../src/host/transports/sim/drivers/piix-ide.js';

export interface BootedIde {
  machine: SimMachine;
  bios: PciBios;
  /** Keyed by device id. */
  hosts: Map<string, PiixIdeHost>;
  bdfOf(id: string): number;
}

export async function bootIde(
  devices: DeviceSpec[],
  opts: { ramBytes?: number; faultInjection?: boolean; host?: PiixIdeOptions } = {},
): Promise<BootedIde> {
  const machine = await SimMachine.start({ devices, ramBytes: opts.ramBytes, faultInjection: opts.faultInjection });
  try {
    const bios = new PciBios(machine.bus, { intxLine: (bdf) => machine.intxLine(bdf) });
    await bios.enumerate();
    const hosts = new Map<string, PiixIdeHost>();
    const bdfOf = (id: string) => {
      const f = machine.pciFunctions.find((p) => p.id === id);
      if (!f) throw new Error(`no PCI function for ${id}`);
      return f.bdf;
    };
    for (const spec of devices) {
      hosts.set(spec.id, await PiixIdeHost.attach(machine.bus, bios.config, bios.byBdf(bdfOf(spec.id)), opts.host));
    }
    return { machine, bios, hosts, bdfOf };
  } catch (err) {
    await machine.stop();
    throw err;
  }
}

export function disk(path: string, extra: Partial<DriveSpec> = {}): DriveSpec {
  return { path, cache: 'writeback', media: 'disk', ...extra };
}

export function cdrom(path: string): DriveSpec {
  return { path, cache: 'writeback', media: 'cdrom', readOnly: true };
}

export function ide(id: string, mode: 'legacy' | 'native', drives: (DriveSpec | null)[]): DeviceSpec {
  const four = [...drives, null, null, null, null].slice(0, 4);
  return { kind: 'piix3-ide', id, mode, drives: four };
}

export function md5(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}
