// Drives the SCSI disk target (assembly/scsi/target) through its test-only core,
// build/scsi-target-test.wasm (assembly/scsi-target-test/index.ts): sends CDBs, runs the
// data phase of a plan the way the LSI controller would, and fetches sense data.

import { loadCore, type CoreHarness } from '../helpers/core-harness.js';
import type { CoreExports } from '../../src/workers/common/core-abi.js';

/** Plan kinds, status bytes: assembly/scsi/target/target-api.ts. */
export const PLAN = { NO_DATA: 0, BUFFER_IN: 1, BUFFER_OUT: 2, MEDIA_READ: 3, MEDIA_WRITE: 4, FLUSH: 5 } as const;
export const STATUS = { GOOD: 0, CHECK_CONDITION: 2 } as const;
/** Sense keys (SPC-3 4.5.6). */
export const KEY = {
  NO_SENSE: 0x0, NOT_READY: 0x2, MEDIUM_ERROR: 0x3, HARDWARE_ERROR: 0x4, ILLEGAL_REQUEST: 0x5,
  UNIT_ATTENTION: 0x6, DATA_PROTECT: 0x7, ABORTED_COMMAND: 0xb,
} as const;

export interface TargetExports extends CoreExports {
  scratch_ptr(): number;
  scratch_size(): number;
  configure(drive: number, sectors: bigint, blockSize: number, readOnly: number, serialLength: number, wwn: bigint): number;
  set_inquiry_names(): void;
  power_on(): void;
  bus_reset(): void;
  start_command(lun: number, tag: number, cdbLength: number): void;
  data_out_done(lun: number, bytes: number): void;
  media_done(lun: number, status: number): number;
  data_phase_aborted(lun: number): number;
  plan_kind(): number;
  plan_status(): number;
  plan_bytes(): number;
  plan_buffer(): number;
  plan_lba(): bigint;
  plan_drive(): number;
  plan_flush_after(): number;
}

/** A plan as the target returned it, plus the data-in bytes when it is PLAN_BUFFER_IN. */
export interface Plan {
  kind: number;
  status: number;
  bytes: number;
  buffer: number;
  lba: bigint;
  drive: number;
  flushAfter: boolean;
  data: Uint8Array;
}

/** Decoded sense data (fixed or descriptor format). */
export interface Sense {
  key: number;
  asc: number;
  ascq: number;
  /** Sense-key specific bytes (SKSV, C/D, field pointer), fixed format bytes 15-17. */
  sks: [number, number, number];
  raw: Uint8Array;
}

export interface DiskOptions {
  /** Capacity in 512-byte sectors. */
  sectors?: number | bigint;
  blockSize?: number;
  readOnly?: boolean;
  serial?: string | Uint8Array;
  wwn?: bigint;
  drive?: number;
  /** Leave the power-on unit attention pending (default: consumed by a TEST UNIT READY
   *  whose sense is then fetched). */
  keepUnitAttention?: boolean;
}

export const DEFAULT_SECTORS = 20480; // 10 MiB

export class DiskRig {
  private constructor(readonly h: CoreHarness<TargetExports>) {}

  get core(): TargetExports {
    return this.h.core;
  }

  static async create(options: DiskOptions = {}): Promise<DiskRig> {
    const rig = new DiskRig(await loadCore<TargetExports>('scsi-target-test'));
    const ok = rig.configure(options);
    if (!ok) throw new Error('disk refused its configuration');
    if (!options.keepUnitAttention) {
      const ua = rig.run([0x00, 0, 0, 0, 0, 0]);
      if (ua.status !== STATUS.CHECK_CONDITION) throw new Error('no power-on unit attention');
      rig.requestSense(); // and its sense data, as an initiator fetches it
    }
    return rig;
  }

  /** Configures (and powers on) the disk; returns whether it accepted. */
  configure(options: DiskOptions): boolean {
    const serial = options.serial ?? 'SN-0001';
    const bytes = typeof serial === 'string' ? new TextEncoder().encode(serial) : serial;
    this.writeScratch(bytes);
    return this.core.configure(options.drive ?? 0, BigInt(options.sectors ?? DEFAULT_SECTORS),
      options.blockSize ?? 512, options.readOnly ? 1 : 0, bytes.length, options.wwn ?? 0n) === 1;
  }

  /** Sets vendor / product / revision (fixed-width fields, as the controller's config has
   *  them: space padded, or all blank for the default). */
  setInquiryNames(vendor: string, product: string, revision: string): void {
    const field = (text: string, width: number): number[] =>
      Array.from(new TextEncoder().encode(text.padEnd(width, ' ').slice(0, width)));
    this.writeScratch(Uint8Array.from([...field(vendor, 8), ...field(product, 16), ...field(revision, 4)]));
    this.core.set_inquiry_names();
  }

  private writeScratch(bytes: Uint8Array): void {
    if (bytes.length > this.core.scratch_size()) throw new Error('scratch overflow');
    new Uint8Array(this.core.memory.buffer).set(bytes, this.core.scratch_ptr());
  }

  /** Sends `cdb` (its length is the CDB length unless `length` says otherwise). */
  run(cdb: ArrayLike<number>, opts: { lun?: number; tag?: number; length?: number } = {}): Plan {
    this.writeScratch(Uint8Array.from(cdb));
    this.core.start_command(opts.lun ?? 0, opts.tag ?? -1, opts.length ?? cdb.length);
    return this.plan();
  }

  plan(): Plan {
    const c = this.core;
    const kind = c.plan_kind();
    const bytes = c.plan_bytes();
    const buffer = c.plan_buffer();
    return {
      kind,
      status: c.plan_status(),
      bytes,
      buffer,
      lba: c.plan_lba(),
      drive: c.plan_drive(),
      flushAfter: c.plan_flush_after() === 1,
      data: kind === PLAN.BUFFER_IN ? this.h.coreBytes(buffer, bytes) : new Uint8Array(0),
    };
  }

  /** Runs a data-out command: sends the CDB, delivers `list` (or its first `deliver`
   *  bytes) into the target's buffer and returns the status of dataOutDone. */
  dataOut(cdb: ArrayLike<number>, list: ArrayLike<number>, deliver = list.length): number {
    const p = this.run(cdb);
    if (p.kind !== PLAN.BUFFER_OUT) {
      if (p.kind !== PLAN.NO_DATA) throw new Error(`unexpected plan ${p.kind}`);
      return p.status;
    }
    if (p.bytes !== list.length) throw new Error(`planned ${p.bytes} bytes, list has ${list.length}`);
    new Uint8Array(this.core.memory.buffer).set(Uint8Array.from(list).subarray(0, deliver), p.buffer);
    this.core.data_out_done(0, deliver);
    return this.core.plan_status();
  }

  /** REQUEST SENSE (fixed format unless `descriptor`), allocation 252. */
  requestSense(lun = 0, descriptor = false): Sense {
    const p = this.run([0x03, descriptor ? 1 : 0, 0, 0, 252, 0], { lun });
    if (p.status !== STATUS.GOOD || p.kind !== PLAN.BUFFER_IN) throw new Error('REQUEST SENSE failed');
    return decodeSense(p.data);
  }

  /** The [key, asc, ascq] of REQUEST SENSE. */
  senseCode(lun = 0): [number, number, number] {
    const s = this.requestSense(lun);
    return [s.key, s.asc, s.ascq];
  }

  /** Sends `cdb` and expects CHECK CONDITION; returns the sense it left. */
  expectCheck(cdb: ArrayLike<number>, opts: { lun?: number; length?: number } = {}): Sense {
    const p = this.run(cdb, opts);
    if (p.status !== STATUS.CHECK_CONDITION) {
      throw new Error(`expected CHECK CONDITION for ${Array.from(cdb).map((b) => b.toString(16))}, got ${p.status}`);
    }
    if (p.kind !== PLAN.NO_DATA) throw new Error('CHECK CONDITION with a data phase');
    return this.requestSense(opts.lun ?? 0);
  }
}

export function decodeSense(data: Uint8Array): Sense {
  const code = data[0]! & 0x7f;
  if (code === 0x70) {
    return {
      key: data[2]! & 0x0f, asc: data[12]!, ascq: data[13]!,
      sks: [data[15]!, data[16]!, data[17]!], raw: data,
    };
  }
  if (code === 0x72) {
    const sks: [number, number, number] = [0, 0, 0];
    // Walk the descriptors for a sense-key specific one (type 02h).
    for (let at = 8; at + 1 < Math.min(data.length, 8 + data[7]!); at += 2 + data[at + 1]!) {
      if (data[at] === 0x02) {
        sks[0] = data[at + 4]!;
        sks[1] = data[at + 5]!;
        sks[2] = data[at + 6]!;
      }
    }
    return { key: data[1]! & 0x0f, asc: data[2]!, ascq: data[3]!, sks, raw: data };
  }
  throw new Error(`not sense data: response code ${code.toString(16)}`);
}

/** Big-endian helpers for building CDBs and reading replies. */
export function be16(v: number): number[] {
  return [(v >>> 8) & 0xff, v & 0xff];
}

export function be32(v: number): number[] {
  return [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}

export function be64(v: bigint): number[] {
  const out: number[] = [];
  for (let i = 7; i >= 0; i--) out.push(Number((v >> BigInt(i * 8)) & 0xffn));
  return out;
}

export function readBe16(d: Uint8Array, at: number): number {
  return (d[at]! << 8) | d[at + 1]!;
}

export function readBe32(d: Uint8Array, at: number): number {
  return ((d[at]! << 24) | (d[at + 1]! << 16) | (d[at + 2]! << 8) | d[at + 3]!) >>> 0;
}

export function readBe64(d: Uint8Array, at: number): bigint {
  return (BigInt(readBe32(d, at)) << 32n) | BigInt(readBe32(d, at + 4));
}

export function ascii(d: Uint8Array, at: number, len: number): string {
  return new TextDecoder().decode(d.subarray(at, at + len));
}

// CDB builders for the commands the tests use most.
export const cdb = {
  testUnitReady: (): number[] => [0x00, 0, 0, 0, 0, 0],
  inquiry: (alloc = 96, evpd = false, page = 0): number[] => [0x12, evpd ? 1 : 0, page, ...be16(alloc), 0],
  read6: (lba: number, count: number): number[] => [0x08, (lba >> 16) & 0x1f, (lba >> 8) & 0xff, lba & 0xff, count, 0],
  write6: (lba: number, count: number): number[] => [0x0a, (lba >> 16) & 0x1f, (lba >> 8) & 0xff, lba & 0xff, count, 0],
  read10: (lba: number, count: number, flags = 0): number[] => [0x28, flags, ...be32(lba), 0, ...be16(count), 0],
  write10: (lba: number, count: number, flags = 0): number[] => [0x2a, flags, ...be32(lba), 0, ...be16(count), 0],
  read12: (lba: number, count: number, flags = 0): number[] => [0xa8, flags, ...be32(lba), ...be32(count), 0, 0],
  write12: (lba: number, count: number, flags = 0): number[] => [0xaa, flags, ...be32(lba), ...be32(count), 0, 0],
  read16: (lba: bigint, count: number, flags = 0): number[] => [0x88, flags, ...be64(lba), ...be32(count), 0, 0],
  write16: (lba: bigint, count: number, flags = 0): number[] => [0x8a, flags, ...be64(lba), ...be32(count), 0, 0],
  verify10: (lba: number, count: number, flags = 0): number[] => [0x2f, flags, ...be32(lba), 0, ...be16(count), 0],
  verify16: (lba: bigint, count: number, flags = 0): number[] => [0x8f, flags, ...be64(lba), ...be32(count), 0, 0],
  sync10: (lba = 0, count = 0): number[] => [0x35, 0, ...be32(lba), 0, ...be16(count), 0],
  sync16: (lba = 0n, count = 0): number[] => [0x91, 0, ...be64(lba), ...be32(count), 0, 0],
  readCapacity10: (): number[] => [0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0],
  readCapacity16: (alloc = 32): number[] => [0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, ...be32(alloc), 0, 0],
  modeSense6: (page: number, alloc = 255, { pc = 0, dbd = false, subpage = 0 } = {}): number[] =>
    [0x1a, dbd ? 0x08 : 0, (pc << 6) | page, subpage, alloc, 0],
  modeSense10: (page: number, alloc = 1024, { pc = 0, dbd = false, llbaa = false, subpage = 0 } = {}): number[] =>
    [0x5a, (dbd ? 0x08 : 0) | (llbaa ? 0x10 : 0), (pc << 6) | page, subpage, 0, 0, 0, ...be16(alloc), 0],
  modeSelect6: (length: number, { pf = true, sp = false } = {}): number[] =>
    [0x15, (pf ? 0x10 : 0) | (sp ? 1 : 0), 0, 0, length, 0],
  modeSelect10: (length: number, { pf = true, sp = false } = {}): number[] =>
    [0x55, (pf ? 0x10 : 0) | (sp ? 1 : 0), 0, 0, 0, 0, 0, ...be16(length), 0],
  reportLuns: (alloc = 4096, select = 0): number[] => [0xa0, 0, select, 0, 0, 0, ...be32(alloc), 0, 0],
  startStop: (start: boolean, powerCondition = 0): number[] => [0x1b, 0, 0, 0, (powerCondition << 4) | (start ? 1 : 0), 0],
};
