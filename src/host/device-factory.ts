// Builds one device from its spec — identity, config, drives, the supervised worker — and
// plugs it into the bridge at a PCI address. Every transport (sim, mpqemu, later xen) goes
// through here, so a device behaves the same whatever carries its ioreqs.

import type { GuestRam } from '../shared-mem/guest-ram.js';
import type { WaitPolicy } from '../shared-mem/request-ring.js';
import type { HostBridge } from './bridge.js';
import { DeviceHost, type RegisterShadowMode } from './device-host.js';
import type { DeviceEndpoint } from './device-endpoint.js';
import type { DeviceSpec } from './devices/device-spec.js';
import { prepareE1000 } from './devices/e1000.js';
import { prepareLsi53c895a } from './devices/lsi53c895a.js';
import { prepareNetdev } from './net/netdev-setup.js';
import { preparePiix3 } from './devices/piix3-ide.js';
import type { PreparedDevice } from './devices/prepared-device.js';
import type { Bdf, PciFunction } from './pci/pci-bus.js';

export interface DeviceContext {
  bridge: HostBridge;
  bdf: Bdf;
  ram: GuestRam;
  policy: WaitPolicy;
  faultInjection?: boolean;
  /** See DeviceHostOptions.registerShadow (default: HVMIO_REGISTER_SHADOW, else 'on'). */
  registerShadow?: RegisterShadowMode;
  /** A line of the device changed: ISA 0-15 or IRQ_PCI_INTA (the transport maps it). */
  onIrq(line: number, level: boolean): void;
  log(line: string): void;
}

export interface BuiltDevice {
  host: DeviceHost;
  fn: PciFunction<DeviceEndpoint>;
}

/** Creates, registers and starts the device. On failure nothing stays registered or running. */
export async function startDevice(spec: DeviceSpec, ctx: DeviceContext): Promise<BuiltDevice> {
  const { prepared, device } = prepare(spec);
  // A NIC's backend is checked and opened first: a bad one is an error before any worker runs.
  const netdev = spec.kind === 'e1000' ? await prepareNetdev(spec.netdev) : null;
  if (netdev?.warning) ctx.log(`note: ${netdev.warning}`);
  const host = new DeviceHost({
    id: spec.id,
    device,
    config: prepared.config,
    drives: prepared.drives,
    ram: ctx.ram,
    policy: ctx.policy,
    faultInjection: ctx.faultInjection,
    registerShadow: ctx.registerShadow,
    onIrq: ctx.onIrq,
    onRestart: () => ctx.bridge.replayDeviceConfig(fn),
    log: ctx.log,
    ...(netdev ? { net: () => netdev.forWorker(), release: () => netdev.close() } : {}),
  });
  const fn = ctx.bridge.bus.add(ctx.bdf, spec.id, prepared.identity, host);
  host.onIntx = (level) => fn.config.setInterruptStatus(level);
  try {
    await host.start();
  } catch (err) {
    ctx.bridge.bus.remove(ctx.bdf);
    await netdev?.close();
    throw err;
  }
  return { host, fn };
}

/** The checked identity, config and drives of a spec, and the core/worker folder that runs it. */
function prepare(spec: DeviceSpec): { prepared: PreparedDevice; device: 'ide' | 'scsi' | 'net' } {
  switch (spec.kind) {
    case 'piix3-ide':
      return { prepared: preparePiix3(spec), device: 'ide' };
    case 'lsi53c895a':
      return { prepared: prepareLsi53c895a(spec), device: 'scsi' };
    case 'e1000':
      return { prepared: prepareE1000(spec), device: 'net' };
  }
}
