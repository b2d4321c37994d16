// A simulated PC: guest RAM, the Xen-format ioreq pages, the host bridge, one worker per
// device, and an interrupt controller. Tests, benchmarks and `hvmio sim` drive devices
// through its `bus` with scripts that do what Linux drivers do.

import { GuestRam } from '../../../shared-mem/guest-ram.js';
import { DEFAULT_POLICY, type WaitPolicy } from '../../../shared-mem/request-ring.js';
import { HostBridge } from '../../bridge.js';
import type { DeviceHost, DeviceStats, RegisterShadowMode } from '../../device-host.js';
import { startDevice } from '../../device-factory.js';
import type { DeviceSpec } from '../../devices/device-spec.js';
import { bdfOf, type Bdf } from '../../pci/pci-bus.js';
import { IRQ_PCI_INTA } from '../../../workers/common/core-abi.js';
import type { GuestBus } from './guest-bus.js';
import { SimInterruptController } from './interrupt-controller.js';
import { SimCpus } from './sim-cpu.js';
import { SimIoreqServer } from './sim-ioreq-server.js';
import { SimGuestRam } from './sim-ram.js';

export type { DeviceSpec, DriveSpec, IdeDeviceSpec } from '../../devices/device-spec.js';
export type { DeviceStats } from '../../device-host.js';
import type { FaultPoint } from '../../../workers/common/device-worker.js';

export interface SimMachineOptions {
  ramBytes?: number;
  devices: DeviceSpec[];
  faultInjection?: boolean;
  /** Simulated vCPUs: how many accesses may be outstanding at once (default 4). */
  vcpus?: number;
  policy?: WaitPolicy;
  /** Register reads from the register shadow (DeviceHostOptions.registerShadow). In 'verify'
   *  mode stop() fails if any shadow answer differed from the device's. */
  registerShadow?: RegisterShadowMode;
  log?(line: string): void;
}

const DEFAULT_RAM = 64 * 1024 * 1024;
/** PIRQ-style routing: INTA# of slot n lands on one of the PC's usual PCI IRQs. */
const PCI_IRQS = [11, 10, 9, 5];

export class SimMachine {
  readonly pciFunctions: { bdf: Bdf; id: string }[] = [];
  private readonly hosts = new Map<string, DeviceHost>();
  private stopped = false;

  private constructor(
    readonly bus: GuestBus,
    readonly bridge: HostBridge,
    readonly irqController: SimInterruptController,
  ) {}

  static async start(opts: SimMachineOptions): Promise<SimMachine> {
    const ramBytes = opts.ramBytes ?? DEFAULT_RAM;
    const ram = GuestRam.allocate(ramBytes);
    const bridge = new HostBridge();
    const server = new SimIoreqServer(bridge);
    const policy = opts.policy ?? DEFAULT_POLICY;
    const irqs = new SimInterruptController(policy);
    const cpus = new SimCpus(server, server.buffered, new SimGuestRam(ram, ramBytes), irqs, opts.vcpus ?? 4);
    const m = new SimMachine(cpus, bridge, irqs);
    const ids = new Set<string>();
    try {
      for (const [i, spec] of opts.devices.entries()) {
        if (ids.has(spec.id)) throw new Error(`duplicate device id "${spec.id}"`);
        ids.add(spec.id);
        const bdf = bdfOf(0, i + 1, 0);
        const { host } = await startDevice(spec, {
          bridge,
          bdf,
          ram,
          policy,
          faultInjection: opts.faultInjection,
          registerShadow: opts.registerShadow,
          onIrq: (line, level) => irqs.set(line === IRQ_PCI_INTA ? m.intxLine(bdf) : line, `${spec.id}:${line}`, level),
          log: opts.log ?? ((l) => console.error(l)),
        });
        host.deliverIrqsOnDemand();
        irqs.addSource({ poll: () => host.pollIrqs(), waitChange: (ms) => host.waitIrqChange(ms) });
        m.hosts.set(spec.id, host);
        m.pciFunctions.push({ bdf, id: spec.id });
      }
    } catch (err) {
      await m.stop();
      throw err;
    }
    return m;
  }

  intxLine(bdf: Bdf): number {
    return PCI_IRQS[((bdf >> 3) & 0x1f) % PCI_IRQS.length]!;
  }

  device(id: string): DeviceHost {
    const h = this.hosts.get(id);
    if (!h) throw new Error(`no device "${id}"`);
    return h;
  }

  stats(id: string): Promise<DeviceStats> {
    return this.device(id).stats();
  }

  injectFault(id: string, at: FaultPoint = 'next-call'): Promise<void> {
    return this.device(id).injectFault(at);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.all([...this.hosts.values()].map((h) => h.stop()));
    const wrong = [...this.hosts].filter(([, h]) => h.shadowMismatches > 0).map(([id, h]) => `${id}: ${h.shadowMismatches}`);
    if (wrong.length > 0) throw new Error(`register shadow answers differed from the device's (${wrong.join(', ')})`);
  }
}
