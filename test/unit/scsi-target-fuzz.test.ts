// SCSI disk target: random CDBs. Thousands of them (random bytes, known operation codes with
// random fields, random CDB lengths and LUNs), mixed with random backend results, random
// MODE SELECT parameter lists and bus resets. The target must never trap and must always
// answer with a coherent plan: a known plan kind, GOOD or CHECK CONDITION, data-in within
// its allocation length and buffer, media ranges on the medium, and a CHECK CONDITION
// always backed by sense data that REQUEST SENSE returns. Seeded, so a failure replays.

import { describe, expect, it } from 'vitest';
import { STATUS_EFAULT, STATUS_EINVAL, STATUS_EIO, STATUS_ENODEV, STATUS_EROFS, STATUS_OK } from '../../src/workers/common/core-abi.js';
import { DiskRig, KEY, PLAN, STATUS, decodeSense, readBe16, readBe32, type DiskOptions, type Plan } from './scsi-target-rig.js';

/** mulberry32: a small deterministic PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KNOWN = [0x00, 0x03, 0x08, 0x0a, 0x12, 0x15, 0x1a, 0x1b, 0x1e, 0x25, 0x28, 0x2a, 0x2f, 0x35, 0x55, 0x5a,
  0x88, 0x8a, 0x8f, 0x91, 0x9e, 0xa0, 0xa8, 0xaa];
const GROUP_LENGTH = [6, 10, 10, 0, 16, 12, 0, 0];
const STATUSES = [STATUS_OK, STATUS_OK, STATUS_OK, STATUS_EIO, STATUS_EFAULT, STATUS_EINVAL, STATUS_EROFS, STATUS_ENODEV, -1, 3];
const DATA_IN_LIMIT = 256;
const DATA_OUT_LIMIT = 512;

/** The allocation length a data-in command carries (READ CAPACITY(10) has none: 8). */
function allocationOf(c: Uint8Array): number {
  switch (c[0]) {
    case 0x12: return readBe16(c, 3);
    case 0x03: case 0x1a: return c[4]!;
    case 0x5a: return readBe16(c, 7);
    case 0x9e: return readBe32(c, 10);
    case 0xa0: return readBe32(c, 6);
    case 0x25: return 8;
    default: return -1;
  }
}

function randomCdb(rand: () => number): Uint8Array {
  const byte = (): number => Math.floor(rand() * 256);
  const c = new Uint8Array(32);
  for (let i = 0; i < c.length; i++) c[i] = byte();
  const style = rand();
  if (style < 0.7) c[0] = KNOWN[Math.floor(rand() * KNOWN.length)]!;
  if (style < 0.25) {
    // Plausible: all zero but one or two random bytes, so many commands get past the
    // checks into their data phases.
    c.fill(0, 1);
    const group = GROUP_LENGTH[c[0]! >> 5]!;
    for (let k = 0; k < 2; k++) c[1 + Math.floor(rand() * (group - 1))] = byte();
  } else if (style < 0.5) {
    // Mostly zero, with random bytes here and there.
    for (let i = 1; i < c.length; i++) if (rand() < 0.75) c[i] = 0;
    if (rand() < 0.5) c[1] = c[1]! & 0x1f;
  }
  return c;
}

function cdbLength(c: Uint8Array, rand: () => number): number {
  const group = GROUP_LENGTH[c[0]! >> 5]!;
  if (group !== 0 && rand() < 0.85) return group;
  return Math.floor(rand() * 33);
}

function lunFor(rand: () => number): number {
  const r = rand();
  if (r < 0.85) return 0;
  if (r < 0.97) return 1 + Math.floor(rand() * 7);
  return Math.floor(rand() * 0x100000000);
}

interface Config extends Required<Pick<DiskOptions, 'sectors' | 'blockSize' | 'readOnly' | 'drive'>> {}

function checkPlan(p: Plan, c: Uint8Array, lun: number, config: Config, memoryBytes: number): void {
  expect([PLAN.NO_DATA, PLAN.BUFFER_IN, PLAN.BUFFER_OUT, PLAN.MEDIA_READ, PLAN.MEDIA_WRITE, PLAN.FLUSH]).toContain(p.kind);
  expect([STATUS.GOOD, STATUS.CHECK_CONDITION]).toContain(p.status);
  if (p.status === STATUS.CHECK_CONDITION || p.kind === PLAN.NO_DATA) {
    expect(p.kind).toBe(PLAN.NO_DATA);
    expect(p.bytes).toBe(0);
  }
  if (lun !== 0) expect([PLAN.NO_DATA, PLAN.BUFFER_IN]).toContain(p.kind);
  switch (p.kind) {
    case PLAN.BUFFER_IN: {
      expect(p.bytes).toBeGreaterThan(0);
      expect(p.bytes).toBeLessThanOrEqual(DATA_IN_LIMIT);
      expect(p.bytes).toBeLessThanOrEqual(allocationOf(c));
      expect(p.buffer + p.bytes).toBeLessThanOrEqual(memoryBytes);
      break;
    }
    case PLAN.BUFFER_OUT: {
      expect([0x15, 0x55]).toContain(c[0]);
      expect(p.bytes).toBeGreaterThan(0);
      expect(p.bytes).toBeLessThanOrEqual(DATA_OUT_LIMIT);
      expect(p.buffer + p.bytes).toBeLessThanOrEqual(memoryBytes);
      break;
    }
    case PLAN.MEDIA_READ:
    case PLAN.MEDIA_WRITE: {
      expect(p.bytes).toBeGreaterThan(0);
      expect(p.bytes % config.blockSize).toBe(0);
      expect(p.lba % BigInt(config.blockSize / 512)).toBe(0n);
      expect(p.lba + BigInt(p.bytes / 512)).toBeLessThanOrEqual(BigInt(config.sectors));
      expect(p.drive).toBe(config.drive);
      if (p.kind === PLAN.MEDIA_WRITE) expect(config.readOnly).toBe(false);
      else expect(p.flushAfter).toBe(false);
      break;
    }
    case PLAN.FLUSH: {
      expect(p.drive).toBe(config.drive);
      break;
    }
  }
}

async function fuzz(seed: number, config: Config, commands: number): Promise<Record<string, number>> {
  const rand = prng(seed);
  const rig = await DiskRig.create({ ...config, serial: `FUZZ${seed}` });
  const tally: Record<string, number> = { good: 0, check: 0, bufferIn: 0, bufferOut: 0, media: 0, flush: 0 };
  for (let n = 0; n < commands; n++) {
    if (rand() < 0.005) rig.core.bus_reset();
    const c = randomCdb(rand);
    const lun = lunFor(rand);
    const length = cdbLength(c, rand);
    let p: Plan;
    try {
      p = rig.run(c, { lun, length, tag: Math.floor(rand() * 512) - 1 });
    } catch (err) {
      throw new Error(`seed ${seed} command ${n}: ${Array.from(c.subarray(0, length)).map((b) => b.toString(16))} lun ${lun}: ${String(err)}`);
    }
    checkPlan(p, c, lun, config, rig.core.memory.buffer.byteLength);
    tally[p.status === STATUS.GOOD ? 'good' : 'check']!++;

    let status = p.status;
    if (p.kind === PLAN.MEDIA_READ || p.kind === PLAN.MEDIA_WRITE || p.kind === PLAN.FLUSH) {
      tally[p.kind === PLAN.FLUSH ? 'flush' : 'media']!++;
      if (rand() < 0.1) {
        status = rig.core.data_phase_aborted(lun);
        expect(status).toBe(STATUS.CHECK_CONDITION);
      } else {
        const backend = STATUSES[Math.floor(rand() * STATUSES.length)]!;
        status = rig.core.media_done(lun, backend);
        expect(status).toBe(backend === STATUS_OK ? STATUS.GOOD : STATUS.CHECK_CONDITION);
      }
    } else if (p.kind === PLAN.BUFFER_OUT) {
      tally.bufferOut!++;
      const list = new Uint8Array(p.bytes);
      for (let i = 0; i < list.length; i++) list[i] = rand() < 0.6 ? 0 : Math.floor(rand() * 256);
      new Uint8Array(rig.core.memory.buffer).set(list, p.buffer);
      rig.core.data_out_done(lun, rand() < 0.8 ? p.bytes : Math.floor(rand() * (p.bytes + 1)));
      const after = rig.plan();
      expect(after.kind).toBe(PLAN.NO_DATA);
      status = after.status;
      expect([STATUS.GOOD, STATUS.CHECK_CONDITION]).toContain(status);
    } else if (p.kind === PLAN.BUFFER_IN) {
      tally.bufferIn!++;
    }

    if (status === STATUS.CHECK_CONDITION) {
      // Every CHECK CONDITION has sense to show for it.
      const s = rig.run([0x03, 0, 0, 0, 252, 0], { lun });
      expect(s.status).toBe(STATUS.GOOD);
      const sense = decodeSense(s.data);
      expect(s.data[7]).toBe(10);
      expect(sense.key).not.toBe(KEY.NO_SENSE);
      if (lun !== 0) expect([sense.key, sense.asc]).toEqual([KEY.ILLEGAL_REQUEST, 0x25]);
    }
    // A random START STOP UNIT mostly stops the unit; start it again most of the time so
    // that medium access stays reachable.
    if (c[0] === 0x1b && rand() < 0.8) rig.run([0x1b, 0, 0, 0, 1, 0]);
  }
  // Afterwards the disk still works.
  rig.core.bus_reset();
  rig.run([0x00, 0, 0, 0, 0, 0]);
  expect(rig.run([0x00, 0, 0, 0, 0, 0]).status).toBe(STATUS.GOOD);
  expect(rig.run([0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0]).kind).toBe(PLAN.MEDIA_READ);
  return tally;
}

describe('random CDBs', () => {
  const configs: Array<[string, Config]> = [
    ['a writable 512-byte-block disk', { sectors: 20480, blockSize: 512, readOnly: false, drive: 1 }],
    ['a read-only disk', { sectors: 4096, blockSize: 512, readOnly: true, drive: 0 }],
    ['a 4096-byte-block disk larger than 2 TiB', { sectors: 2 ** 33, blockSize: 4096, readOnly: false, drive: 5 }],
  ];
  configs.forEach(([name, config], i) => {
    it(`never trap and always plan coherently: ${name}`, async () => {
      const tally = await fuzz(0x5c51 + i, config, 8000);
      // The generator reaches every kind of answer (otherwise the fuzz proves little).
      expect(tally.good).toBeGreaterThan(300);
      expect(tally.check).toBeGreaterThan(1000);
      expect(tally.bufferIn).toBeGreaterThan(100);
      expect(tally.bufferOut).toBeGreaterThan(10);
      expect(tally.media).toBeGreaterThan(30);
      expect(tally.flush).toBeGreaterThan(5);
    });
  });
});
