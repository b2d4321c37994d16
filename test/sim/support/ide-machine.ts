// Boots a simulated PC for the sim tests the way a real one comes up: the machine starts,
// the BIOS enumerates PCI, and ata_piix binds every PIIX3 IDE function it finds.

import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import type { AtaDisk, AtaTransfer } from '../../../src/host/transports/sim/drivers/ata-driver.js';
import { GuestBuffer } from '../../../src/host/transports/sim/drivers/guest-buffer.js';
import { patternBytes } from '../../../src/host/sim-workload.js';
import { SimMachine, type DeviceSpec, type DriveSpec } from '../../../src/host/transports/sim/machine.js';
import type { RegisterShadowMode } from '../../../src/host/device-host.js';
import { PciBios } from '../../../src/host/transports/sim/drivers/pci-enum.js';
import { PiixIdeHost, type PiixIdeOptions } from '../../../src/host/transports/sim/drivers/piix-ide.js';
import { readImage } from './scratch-images.js';

export interface BootedIde {
  machine: SimMachine;
  bios: PciBios;
  /** Keyed by device id. */
  hosts: Map<string, PiixIdeHost>;
  bdfOf(id: string): number;
}

export async function bootIde(
  devices: DeviceSpec[],
  opts: { ramBytes?: number; faultInjection?: boolean; host?: PiixIdeOptions; registerShadow?: RegisterShadowMode } = {},
): Promise<BootedIde> {
  const machine = await SimMachine.start({
    devices, ramBytes: opts.ramBytes, faultInjection: opts.faultInjection, registerShadow: opts.registerShadow,
  });
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

/** How one round trip moves its data: the write's and the read's transfer modes. */
export interface RoundTripModes {
  write: AtaTransfer;
  read: AtaTransfer;
}

/**
 * Writes a seeded pattern of `sectors` sectors at `lba` from a buffer scattered over guest
 * pages, reads it back into the zeroed buffer, and checks both what the guest read and what
 * landed in the image file at lba * 512.
 */
export async function patternRoundTrip(
  sys: BootedIde, d: AtaDisk, image: string, lba: number, sectors: number, modes: RoundTripModes, seed: number,
): Promise<void> {
  const ram = sys.machine.bus.ram;
  const mark = ram.mark();
  try {
    const buf = GuestBuffer.scattered(ram, sectors * 512, { seed });
    const data = patternBytes(lba, sectors, seed);
    buf.write(data);
    await d.write(lba, sectors, buf, modes.write);
    buf.fill(0);
    await d.read(lba, sectors, buf, modes.read);
    expect(md5(buf.read())).toBe(md5(data));
    expect(md5(readImage(image, lba * 512, sectors * 512))).toBe(md5(data));
  } finally {
    ram.release(mark);
  }
}
