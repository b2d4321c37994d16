// The PIIX3 IDE function as Linux ata_piix binds it (ata_piix.c piix_init_one, with
// libata-sff's ata_pci_sff_init_host / ata_pci_bmdma_init): work out each channel's ports
// and interrupt from the programming interface (compatibility: ISA ports and IRQ 14/15;
// native: BAR0-3 and the function's INTx), take the bus-master block from BAR4, enable bus
// mastering, and probe only channels whose IDETIM decode-enable bit the BIOS set
// (piix_pata_prereset). Then reset each channel, classify, and attach ATA/ATAPI drivers.

import type { GuestBus } from '../guest-bus.js';
import { ioPort } from '../../../../shared-mem/types.js';
import { AtaError } from './ata-error.js';
import { AtaChannel, DEFAULT_ATA_TIMEOUTS, type AtaTimeouts } from './ata-channel.js';
import { AtaDisk, type AtaDiskOptions } from './ata-driver.js';
import { AtapiDevice, type AtapiOptions } from './atapi-driver.js';
import { resetAndClassify, type AtaDeviceClass } from './ata-probe.js';
import { BM_CHANNEL_STRIDE } from './ata-regs.js';
import type { PciConfigAccess } from './pci-config-access.js';
import {
  PIIX_IDETIM_DECODE_ENABLE,
  PIIX_IDETIM_PRIMARY,
  PIIX_IDETIM_SECONDARY,
  type PciFunctionInfo,
} from './pci-enum.js';
import { PCI_COMMAND, PCI_COMMAND_IO, PCI_COMMAND_MASTER } from './pci-regs.js';

export type IdeDevice = AtaDisk | AtapiDevice;

export interface PiixIdeOptions {
  disk?: AtaDiskOptions;
  atapi?: AtapiOptions;
  timeouts?: AtaTimeouts;
  /** Program IDETIM/SIDETIM timings for the found devices as ata_piix does (default on). */
  programTimings?: boolean;
}

/** Programming interface bits (PCI IDE Controller Specification 1.0, 2.1). */
const PROGIF_PRIMARY_NATIVE = 0x01;
const PROGIF_SECONDARY_NATIVE = 0x04;
const PROGIF_BUS_MASTER = 0x80;

/** Compatibility-mode resources (the ISA AT disk controller's). */
const LEGACY = [
  { command: 0x1f0, control: 0x3f6, irq: 14 },
  { command: 0x170, control: 0x376, irq: 15 },
] as const;
/** Native mode: the control block BAR is 4 bytes whose byte 2 is Alternate Status/Device Control. */
const NATIVE_CONTROL_OFFSET = 2;
const BUS_MASTER_BAR = 4;

/** IDETIM fields (PIIX3 datasheet 2.3.12) and SIDETIM (2.3.13). */
const IDETIM_SITRE = 0x4000;
const PIIX_SIDETIM = 0x44;
const TIMING_FAST = 0x1; // TIME: fast timing bank
const TIMING_IORDY = 0x2; // IE: IORDY sample point enable
const TIMING_PREFETCH = 0x4; // PPE: prefetch/posting, ATA disks only
/** PIO 4 / MWDMA 2 cycle: IORDY sample point 2, recovery 3 (ata_piix's timing table). */
const ISP_PIO4 = 2;
const RTC_PIO4 = 3;

const PIIX_IDE_IDS = new Set(['8086:1230', '8086:7010', '8086:7111']);

export class PiixIdeHost {
  private constructor(
    readonly fn: PciFunctionInfo,
    /** Index = channel; null when the BIOS left its decode disabled. */
    readonly channels: (AtaChannel | null)[],
    /** Index = channel * 2 + unit. */
    readonly classes: AtaDeviceClass[],
    readonly devices: (IdeDevice | null)[],
  ) {}

  static async attach(bus: GuestBus, config: PciConfigAccess, fn: PciFunctionInfo, opts: PiixIdeOptions = {}): Promise<PiixIdeHost> {
    const ids = `${hex4(fn.vendorId)}:${hex4(fn.deviceId)}`;
    if (!PIIX_IDE_IDS.has(ids)) throw new Error(`${ids} is not a PIIX IDE function`);

    // pci_enable_device + pci_set_master.
    await config.update(fn.bdf, PCI_COMMAND, 2, PCI_COMMAND_IO | PCI_COMMAND_MASTER, PCI_COMMAND_IO | PCI_COMMAND_MASTER);

    const bmBar = fn.progIf & PROGIF_BUS_MASTER ? fn.bars.find((b) => b.index === BUS_MASTER_BAR && b.kind === 'io') : undefined;
    const channels: (AtaChannel | null)[] = [];
    for (const index of [0, 1] as const) {
      const idetim = await config.read(fn.bdf, index === 0 ? PIIX_IDETIM_PRIMARY : PIIX_IDETIM_SECONDARY, 2);
      if (!(idetim & PIIX_IDETIM_DECODE_ENABLE)) {
        channels.push(null); // piix_pata_prereset: -ENOENT, the port is left alone
        continue;
      }
      const native = (fn.progIf & (index === 0 ? PROGIF_PRIMARY_NATIVE : PROGIF_SECONDARY_NATIVE)) !== 0;
      let ports;
      if (native) {
        const cmdBar = fn.bars.find((b) => b.index === 2 * index && b.kind === 'io');
        const ctlBar = fn.bars.find((b) => b.index === 2 * index + 1 && b.kind === 'io');
        if (!cmdBar || !ctlBar || fn.interruptLine === null) {
          throw new Error(`native-mode channel ${index} lacks its BARs or interrupt line`);
        }
        ports = { command: cmdBar.address, control: ctlBar.address + NATIVE_CONTROL_OFFSET, irq: fn.interruptLine };
      } else {
        ports = LEGACY[index];
      }
      channels.push(
        new AtaChannel(bus, index, {
          command: ioPort(ports.command),
          control: ioPort(ports.control),
          busMaster: bmBar ? ioPort(bmBar.address + BM_CHANNEL_STRIDE * index) : null,
          irqLine: ports.irq,
        }, opts.timeouts ?? DEFAULT_ATA_TIMEOUTS),
      );
    }

    const classes: AtaDeviceClass[] = ['none', 'none', 'none', 'none'];
    const devices: (IdeDevice | null)[] = [null, null, null, null];
    for (const ch of channels) {
      if (!ch) continue;
      const found = await ch.lock.run(() => resetAndClassify(ch));
      if (opts.programTimings !== false) await programTimings(config, fn.bdf, ch.index, found);
      for (const unit of [0, 1] as const) {
        const slot = ch.index * 2 + unit;
        classes[slot] = found[unit];
        devices[slot] = await attachDevice(ch, unit, found[unit], opts);
        if (!devices[slot]) classes[slot] = 'none';
      }
    }
    return new PiixIdeHost(fn, channels, classes, devices);
  }

  /** The ATA disk at `slot` (channel * 2 + unit); throws if there is none. */
  disk(slot: number): AtaDisk {
    const d = this.devices[slot];
    if (!(d instanceof AtaDisk)) throw new Error(`no ATA disk at position ${slot}`);
    return d;
  }

  atapi(slot: number): AtapiDevice {
    const d = this.devices[slot];
    if (!(d instanceof AtapiDevice)) throw new Error(`no ATAPI device at position ${slot}`);
    return d;
  }
}

/** IDENTIFY failing with a device error means "nothing usable there" (libata disables it). */
async function attachDevice(ch: AtaChannel, unit: 0 | 1, cls: AtaDeviceClass, opts: PiixIdeOptions): Promise<IdeDevice | null> {
  try {
    if (cls === 'ata') return await AtaDisk.attach(ch, unit, opts.disk);
    if (cls === 'atapi') return await AtapiDevice.attach(ch, unit, opts.atapi);
    return null;
  } catch (err) {
    if (err instanceof AtaError && err.kind === 'device') return null;
    throw err;
  }
}

/** piix_set_timings for PIO 4 / MWDMA 2, keeping the decode enable the BIOS set. */
async function programTimings(config: PciConfigAccess, bdf: number, channel: 0 | 1, found: readonly AtaDeviceClass[]): Promise<void> {
  const reg = channel === 0 ? PIIX_IDETIM_PRIMARY : PIIX_IDETIM_SECONDARY;
  let idetim = await config.read(bdf, reg, 2);
  for (const unit of [0, 1] as const) {
    if (found[unit] === 'none') continue;
    const control = TIMING_FAST | TIMING_IORDY | (found[unit] === 'ata' ? TIMING_PREFETCH : 0);
    if (unit === 0) {
      idetim = (idetim & 0xccf0) | control | (ISP_PIO4 << 12) | (RTC_PIO4 << 8);
    } else {
      idetim = (idetim & 0xff0f) | (control << 4) | IDETIM_SITRE;
      const shift = channel === 0 ? 0 : 4;
      await config.update(bdf, PIIX_SIDETIM, 1, 0xf << shift, ((ISP_PIO4 << 2) | RTC_PIO4) << shift);
    }
  }
  await config.write(bdf, reg, 2, idetim | PIIX_IDETIM_DECODE_ENABLE);
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}
