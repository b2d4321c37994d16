// The subject: one PIIX3 IDE disk in a SimMachine, driven the way ata_piix drives it, one
// 1 MiB READ/WRITE DMA EXT at a time (IDE has no queueing) through a PRD table of scattered
// 4 KiB guest pages. The PRD table is built once, before timing: the device walks it on every
// command, but filling it is the guest driver's work, not the device's (and the simulated
// driver's JS does it far more slowly than a kernel's C would, see `prdBuildMicroseconds`).

import type { WaitPolicy } from '../../src/shared-mem/request-ring.js';
import { SimMachine, type DeviceStats } from '../../src/host/transports/sim/machine.js';
import type { CacheMode } from '../../src/host/devices/device-spec.js';
import { PciBios } from '../../src/host/transports/sim/drivers/pci-enum.js';
import { PiixIdeHost } from '../../src/host/transports/sim/drivers/piix-ide.js';
import type { AtaDisk } from '../../src/host/transports/sim/drivers/ata-driver.js';
import { PRD_TABLE_CAPACITY } from '../../src/host/transports/sim/drivers/ata-channel.js';
import { GuestBuffer } from '../../src/host/transports/sim/drivers/guest-buffer.js';
import { PrdTable } from '../../src/host/transports/sim/drivers/prd-table.js';
import { rwTaskfile } from '../../src/host/transports/sim/drivers/ata-taskfile.js';
import {
  ATA_CMD_READ_DMA_EXT, ATA_CMD_WRITE_DMA_EXT, ATA_SECTOR_BYTES, BM_REG_COMMAND,
} from '../../src/host/transports/sim/drivers/ata-regs.js';
import { TimedBus } from './timed-bus.js';
import { median, splitCommand, type CommandPhases } from './command-phases.js';
import type { Direction } from './raw-vectored-io.js';

export const DEVICE_ID = 'ide0';
const PAGE_BYTES = 4096;
const PRD_BUILD_SAMPLES = 200;

export interface SimIdeDiskOptions {
  image: string;
  cache: CacheMode;
  policy: WaitPolicy;
  ramBytes: number;
  commandBytes: number;
  /** Where command i goes: `window.offset + (i mod window.commands) * commandBytes`. */
  window: { offset: number; commands: number };
}

export class SimIdeDisk {
  private constructor(
    private readonly machine: SimMachine,
    private readonly bus: TimedBus,
    private readonly disk: AtaDisk,
    /** The guest's data buffer: commandBytes of scattered pages. */
    readonly buffer: GuestBuffer,
    private readonly prd: PrdTable,
    private readonly bmCommandPort: number,
    private readonly opts: SimIdeDiskOptions,
  ) {}

  /** Boots the machine, enumerates PCI, binds ata_piix, and lays out the buffer and its PRD table. */
  static async start(opts: SimIdeDiskOptions): Promise<SimIdeDisk> {
    const machine = await SimMachine.start({
      devices: [{ kind: 'piix3-ide', id: DEVICE_ID, mode: 'legacy', drives: [{ path: opts.image, cache: opts.cache, media: 'disk' }, null, null, null] }],
      policy: opts.policy,
      ramBytes: opts.ramBytes,
    });
    try {
      const bus = new TimedBus(machine.bus);
      const bios = new PciBios(machine.bus, { intxLine: (bdf) => machine.intxLine(bdf) });
      await bios.enumerate();
      const fn = machine.pciFunctions.find((f) => f.id === DEVICE_ID)!;
      const host = await PiixIdeHost.attach(bus, bios.config, bios.byBdf(fn.bdf), {
        disk: { maxSectorsPerCommand: opts.commandBytes / ATA_SECTOR_BYTES },
      });
      const disk = host.disk(0);
      const channel = disk.channel;
      if (!channel.bm || channel.ports.busMaster === null) throw new Error('the IDE channel has no bus-master engine');
      const buffer = GuestBuffer.scattered(bus.ram, opts.commandBytes, { pageBytes: PAGE_BYTES });
      const prd = PrdTable.build(bus.ram, buffer.segments, channel.prdArea, PRD_TABLE_CAPACITY);
      return new SimIdeDisk(machine, bus, disk, buffer, prd, channel.ports.busMaster + BM_REG_COMMAND, opts);
    } catch (err) {
      await machine.stop();
      throw err;
    }
  }

  /** File offset of command `index`. */
  offsetOf(index: number): number {
    return this.opts.window.offset + (index % this.opts.window.commands) * this.opts.commandBytes;
  }

  /** Runs commands first..first+count-1 back to back; returns the seconds they took. */
  async time(direction: Direction, first: number, count: number): Promise<number> {
    const start = performance.now();
    for (let index = first; index < first + count; index++) await this.command(direction, index);
    return (performance.now() - start) / 1000;
  }

  /** Runs commands like `time` with the bus recorder on; the phases of each command. */
  async profile(direction: Direction, first: number, count: number): Promise<CommandPhases[]> {
    const phases: CommandPhases[] = [];
    for (let index = first; index < first + count; index++) {
      this.bus.startRecording();
      const start = performance.now();
      await this.command(direction, index);
      const end = performance.now();
      phases.push(splitCommand(this.bus.stopRecording(), start, end, this.bmCommandPort));
    }
    return phases;
  }

  /** Median µs of `samples` back-to-back Alternate Status reads: one register access with nothing else going on. */
  async registerRoundTripMicroseconds(samples: number): Promise<number> {
    const channel = this.disk.channel;
    const times: number[] = [];
    await channel.lock.run(async () => {
      for (let i = 0; i < samples; i++) {
        const start = performance.now();
        await channel.altStatus();
        times.push((performance.now() - start) * 1000);
      }
    });
    return median(times);
  }

  stats(): Promise<DeviceStats> {
    return this.machine.stats(DEVICE_ID);
  }

  /** Mean cost of the simulated driver filling this buffer's PRD table (excluded from the timing). */
  prdBuildMicroseconds(): number {
    const at = this.disk.channel.prdArea;
    const start = performance.now();
    for (let i = 0; i < PRD_BUILD_SAMPLES; i++) PrdTable.build(this.bus.ram, this.buffer.segments, at, PRD_TABLE_CAPACITY);
    return ((performance.now() - start) * 1000) / PRD_BUILD_SAMPLES;
  }

  get prdEntries(): number {
    return this.prd.entries.length;
  }

  stop(): Promise<void> {
    return this.machine.stop();
  }

  private async command(direction: Direction, index: number): Promise<void> {
    const sectors = this.opts.commandBytes / ATA_SECTOR_BYTES;
    const lba = this.offsetOf(index) / ATA_SECTOR_BYTES;
    const opcode = direction === 'read' ? ATA_CMD_READ_DMA_EXT : ATA_CMD_WRITE_DMA_EXT;
    await this.disk.command({
      tf: rwTaskfile(this.disk.unit, opcode, lba, sectors, 'lba48'),
      protocol: direction === 'read' ? 'dma-in' : 'dma-out',
      buffer: this.buffer,
      prd: this.prd,
    });
  }
}
