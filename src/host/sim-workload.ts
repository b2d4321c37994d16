// What `hvmio sim` runs inside the simulated guest: the BIOS's PCI enumeration, ata_piix's
// probe, then a dd-like job on one disk: write a deterministic pseudo-random pattern, read
// it back, compare md5s, FLUSH CACHE. Also the ioreq round trip as the guest feels it,
// measured over a few thousand Alternate Status reads.

import { createHash } from 'node:crypto';
import type { SimMachine } from './transports/sim/machine.js';
import { AtaDisk, type AtaTransfer } from './transports/sim/drivers/ata-driver.js';
import { GuestBuffer } from './transports/sim/drivers/guest-buffer.js';
import { PciBios } from './transports/sim/drivers/pci-enum.js';
import { PiixIdeHost } from './transports/sim/drivers/piix-ide.js';
import { ATA_SECTOR_BYTES } from './transports/sim/drivers/ata-regs.js';

export interface IdeWorkloadOptions {
  /** The PIIX3 IDE device's id in the machine. */
  deviceId: string;
  /** Bytes to write and read back (a multiple of 512). */
  bytes: number;
  /** Bytes per ATA command (a multiple of 512; one guest buffer of this size is used). */
  chunkBytes: number;
  mode: 'dma' | 'pio';
  /** PIO only: READ/WRITE MULTIPLE instead of single-sector DRQ blocks. */
  pioMultiple?: boolean;
  /** Drive position (channel * 2 + unit); default: the first ATA disk found. */
  drive?: number;
  startLba?: number;
  /**
   * Bytes per physically contiguous piece of the guest buffer, in shuffled order (default
   * 4096: scattered pages, one PRD entry each, as a kernel's page cache hands them over).
   */
  segmentBytes?: number;
  /** Pattern seed; the same seed writes the same bytes. */
  seed?: number;
  /** Status-register reads timed for the round-trip percentiles (default 4000). */
  latencySamples?: number;
  /** Progress lines for long runs. */
  onProgress?: (line: string) => void;
}

export interface RoundTrip {
  p50Us: number;
  p99Us: number;
  p999Us: number;
  samples: number;
}

export interface WorkloadResult {
  deviceId: string;
  drive: number;
  model: string;
  mode: 'dma' | 'pio';
  bytes: number;
  chunkBytes: number;
  writeMiBps: number;
  readMiBps: number;
  md5Written: string;
  md5Read: string;
  flushed: boolean;
  roundTrip: RoundTrip;
  pass: boolean;
  /** Why the run failed (first mismatching sector, or the driver's error). */
  failure?: string;
}

const MIB = 1024 * 1024;
const DEFAULT_SEED = 0x5eed1234;
const DEFAULT_LATENCY_SAMPLES = 4000;
const PROGRESS_STEPS = 8;

export async function runIdeWorkload(machine: SimMachine, opts: IdeWorkloadOptions): Promise<WorkloadResult> {
  if (opts.bytes <= 0 || opts.bytes % ATA_SECTOR_BYTES !== 0) throw new RangeError('bytes must be a positive multiple of 512');
  if (opts.chunkBytes <= 0 || opts.chunkBytes % ATA_SECTOR_BYTES !== 0) throw new RangeError('chunkBytes must be a positive multiple of 512');
  const fn = machine.pciFunctions.find((f) => f.id === opts.deviceId);
  if (!fn) throw new Error(`no PCI function for device "${opts.deviceId}"`);
  const bus = machine.bus;
  const progress = opts.onProgress ?? (() => {});

  const bios = new PciBios(bus, { intxLine: (bdf) => machine.intxLine(bdf) });
  await bios.enumerate();
  const host = await PiixIdeHost.attach(bus, bios.config, bios.byBdf(fn.bdf), {
    disk: { maxSectorsPerCommand: opts.chunkBytes / ATA_SECTOR_BYTES },
  });
  const slot = opts.drive ?? host.devices.findIndex((d) => d instanceof AtaDisk);
  if (slot < 0) throw new Error(`device "${opts.deviceId}" has no ATA disk`);
  const disk = host.disk(slot);
  const startLba = opts.startLba ?? 0;
  const sectors = opts.bytes / ATA_SECTOR_BYTES;
  if (startLba + sectors > disk.sectors) {
    throw new RangeError(`${opts.bytes} bytes from LBA ${startLba} do not fit a disk of ${disk.sectors} sectors`);
  }
  progress(`${opts.deviceId} position ${slot}: "${disk.identity.model}", ${disk.sectors} sectors, LBA48 ${disk.identity.lba48 ? 'yes' : 'no'}`);

  const seed = opts.seed ?? DEFAULT_SEED;
  const transfer: AtaTransfer = opts.mode === 'dma' ? 'dma' : opts.pioMultiple ? 'pio-multiple' : 'pio';
  const chunkSectors = opts.chunkBytes / ATA_SECTOR_BYTES;
  const md5Written = createHash('md5');
  const md5Read = createHash('md5');
  let writeMs = 0;
  let readMs = 0;
  let failure: string | undefined;
  let flushed = false;

  const ram = bus.ram;
  const mark = ram.mark();
  try {
    const buffer = GuestBuffer.scattered(ram, opts.chunkBytes, { pageBytes: opts.segmentBytes ?? 4096 });
    const step = Math.max(1, Math.ceil(sectors / chunkSectors / PROGRESS_STEPS));
    let chunkIndex = 0;
    for (let done = 0; done < sectors; done += chunkSectors, chunkIndex++) {
      const n = Math.min(chunkSectors, sectors - done);
      const data = patternBytes(startLba + done, n, seed);
      md5Written.update(data);
      buffer.write(data);
      const t0 = performance.now();
      await disk.write(startLba + done, n, buffer, transfer);
      writeMs += performance.now() - t0;
      if ((chunkIndex + 1) % step === 0) progress(`write ${mib(done + n)} / ${mib(sectors)} MiB`);
    }
    chunkIndex = 0;
    for (let done = 0; done < sectors; done += chunkSectors, chunkIndex++) {
      const n = Math.min(chunkSectors, sectors - done);
      buffer.fill(0); // a read that moves nothing must not find the written pattern still there
      const t0 = performance.now();
      await disk.read(startLba + done, n, buffer, transfer);
      readMs += performance.now() - t0;
      const data = buffer.read(0, n * ATA_SECTOR_BYTES);
      md5Read.update(data);
      failure ??= firstMismatch(data, patternBytes(startLba + done, n, seed), startLba + done);
      if ((chunkIndex + 1) % step === 0) progress(`read ${mib(done + n)} / ${mib(sectors)} MiB`);
    }
    await disk.flush();
    flushed = true;
    progress('FLUSH CACHE done');
  } catch (err) {
    failure = err instanceof Error ? err.message : String(err);
  } finally {
    ram.release(mark);
  }

  const roundTrip = await measureRoundTrip(disk, opts.latencySamples ?? DEFAULT_LATENCY_SAMPLES);
  const written = md5Written.digest('hex');
  const read = md5Read.digest('hex');
  if (!failure && written !== read) failure = 'md5 mismatch';
  return {
    deviceId: opts.deviceId,
    drive: slot,
    model: disk.identity.model,
    mode: opts.mode,
    bytes: opts.bytes,
    chunkBytes: opts.chunkBytes,
    writeMiBps: writeMs > 0 ? opts.bytes / MIB / (writeMs / 1000) : 0,
    readMiBps: readMs > 0 ? opts.bytes / MIB / (readMs / 1000) : 0,
    md5Written: written,
    md5Read: read,
    flushed,
    roundTrip,
    pass: failure === undefined && flushed,
    ...(failure !== undefined ? { failure } : {}),
  };
}

/**
 * The workload's data: every 512-byte sector is a xorshift32 stream seeded by (seed, LBA), so
 * the bytes of a sector depend only on where it lives, never on how the run was chunked,
 * and a sector that lands at the wrong LBA cannot pass.
 */
export function patternBytes(firstLba: number, sectors: number, seed = DEFAULT_SEED): Uint8Array {
  const out = new Uint8Array(sectors * ATA_SECTOR_BYTES);
  const view = new DataView(out.buffer);
  const wordsPerSector = ATA_SECTOR_BYTES / 4;
  for (let s = 0; s < sectors; s++) {
    const lba = firstLba + s;
    // splitmix-style scramble of (seed, lba) so neighbouring sectors start far apart
    let x = Math.imul(seed ^ (lba >>> 0), 0x9e3779b1) ^ Math.imul(Math.floor(lba / 2 ** 32) + 0x7f4a7c15, 0x85ebca6b);
    x = (x ^ (x >>> 16)) >>> 0 || 1;
    for (let w = 0; w < wordsPerSector; w++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      view.setUint32((s * wordsPerSector + w) * 4, x, true);
    }
  }
  return out;
}

async function measureRoundTrip(disk: AtaDisk, samples: number): Promise<RoundTrip> {
  const ch = disk.channel;
  const times = new Float64Array(samples);
  await ch.lock.run(async () => {
    for (let i = 0; i < samples; i++) {
      const t0 = performance.now();
      await ch.altStatus();
      times[i] = (performance.now() - t0) * 1000;
    }
  });
  times.sort();
  return { p50Us: percentile(times, 50), p99Us: percentile(times, 99), p999Us: percentile(times, 99.9), samples };
}

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}

function firstMismatch(got: Uint8Array, want: Uint8Array, firstLba: number): string | undefined {
  for (let i = 0; i < want.length; i++) {
    if (got[i] !== want[i]) {
      const sector = Math.floor(i / ATA_SECTOR_BYTES);
      return `data mismatch at LBA ${firstLba + sector} byte ${i % ATA_SECTOR_BYTES}`;
    }
  }
  return undefined;
}

function mib(sectors: number): string {
  return ((sectors * ATA_SECTOR_BYTES) / MIB).toFixed(1);
}
