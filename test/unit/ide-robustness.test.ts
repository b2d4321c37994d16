// PIIX3 IDE core under hostile input: a seeded random guest hammers every register block,
// PCI config space and completions (with random statuses, stale ids, resets, garbage PRD
// tables in RAM). The core must never trap, never allocate after start-up, keep at most one
// live request per channel, and drive interrupt lines only on changes.

import { describe, expect, it } from 'vitest';
import {
  SPACE_BAR0,
  SPACE_LEGACY_IO,
  STATUS_EFAULT,
  STATUS_EINVAL,
  STATUS_EIO,
  STATUS_ENODEV,
  STATUS_OK,
} from '../../src/workers/common/core-abi.js';
import { MemoryImage } from '../helpers/core-harness.js';
import { IdeRig, cdrom, disk } from './ide-driver.js';

/** xorshift32: reproducible without a dependency. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
  return { next, below: (n: number) => next() % n, pick: <T>(xs: readonly T[]) => xs[next() % xs.length]! };
}

const PORTS = [0x1f0, 0x1f1, 0x1f2, 0x1f3, 0x1f4, 0x1f5, 0x1f6, 0x1f7, 0x3f6, 0x170, 0x172, 0x176, 0x177, 0x376, 0x3f7];
const SIZES = [1, 1, 1, 2, 2, 4, 3, 8] as const;
const STATUSES = [STATUS_OK, STATUS_OK, STATUS_OK, STATUS_EIO, STATUS_EFAULT, STATUS_EINVAL, STATUS_ENODEV];
const COMMANDS = [0x20, 0x24, 0x25, 0x29, 0x30, 0x35, 0x39, 0x40, 0x91, 0xa0, 0xa1, 0xc4, 0xc5, 0xc6, 0xc8, 0xca, 0xe7, 0xec, 0xef, 0xf8, 0x08, 0x90];

async function hammer(mode: 'legacy' | 'native', seed: number, steps: number) {
  const r = rng(seed);
  const rig = await IdeRig.create({
    mode,
    drives: [disk(2048), cdrom(400), disk(64, { readOnly: true }), null],
    images: { 0: MemoryImage.patterned(2048), 1: MemoryImage.patterned(400), 2: MemoryImage.patterned(64) },
    ramBytes: 1 << 20,
  });
  const h = rig.h;
  for (let i = 0; i < h.ram.length; i += 4) new DataView(h.ram.buffer).setUint32(i, r.next(), true);
  const memoryBytes = h.core.memory.buffer.byteLength;
  for (let step = 0; step < steps; step++) {
    const op = r.below(100);
    const size = r.pick(SIZES);
    const value = BigInt(r.next());
    if (op < 30) {
      // Command block traffic, biased to real commands and the data port.
      const ch = r.below(2);
      if (mode === 'legacy') {
        const port = r.below(4) === 0 ? 0x1f7 - ch * 0x80 : r.pick(PORTS);
        const v = port === 0x1f7 || port === 0x177 ? BigInt(r.pick(COMMANDS)) : value;
        h.core.io_write(SPACE_LEGACY_IO, BigInt(port), size, v);
      } else {
        h.core.io_write(SPACE_BAR0 + ch * 2, BigInt(r.below(20)), size, r.below(3) === 0 ? BigInt(r.pick(COMMANDS)) : value);
      }
    } else if (op < 55) {
      const space = mode === 'legacy' ? SPACE_LEGACY_IO : SPACE_BAR0 + r.below(4);
      const offset = mode === 'legacy' ? BigInt(r.pick(PORTS)) : BigInt(r.below(20));
      // An i64 result reaches JS as a signed BigInt; the value is the low `size` bytes.
      const v = BigInt.asUintN(64, h.core.io_read(space, offset, size));
      if (size === 3 || size === 8) expect(v).toBe((1n << BigInt(8 * size)) - 1n);
      else expect(v < 1n << BigInt(8 * size)).toBe(true);
    } else if (op < 70) {
      // Bus master: random PRD pointers into (and beyond) RAM, start/stop.
      const off = r.below(18);
      const v = off % 8 >= 4 ? BigInt(r.below(2) ? r.below(h.ram.length) : r.next()) : value;
      if (r.below(2)) h.core.io_write(SPACE_BAR0 + 4, BigInt(off), size, v);
      else h.core.io_read(SPACE_BAR0 + 4, BigInt(off), size);
    } else if (op < 88) {
      if (h.pending.length > 0) {
        const req = h.pending[r.below(h.pending.length)]!;
        if (r.below(2)) h.complete(req, h.serve(req));
        else h.complete(req, r.pick(STATUSES));
      } else {
        h.core.complete(r.next(), r.pick(STATUSES)); // made-up ids
      }
    } else if (op < 95) {
      h.core.pci_config_write(r.below(256), r.pick(SIZES), r.next());
      h.core.pci_config_read(r.below(300), r.pick(SIZES));
    } else if (op < 99) {
      rig.control(r.below(2), r.below(8));
    } else {
      h.core.reset(0);
      rig.firmwareSetup(); // as a BIOS does after a reset; keeps the registers decoded
    }
  }
  return { rig, memoryBytes };
}

describe('IDE core robustness', () => {
  for (const [mode, seed] of [
    ['legacy', 1],
    ['legacy', 0xdecafbad],
    ['native', 7],
  ] as const) {
    it(`survives a random guest (${mode}, seed ${seed}) without trapping or allocating`, async () => {
      const { rig, memoryBytes } = await hammer(mode, seed, 60_000);
      const h = rig.h;
      expect(h.core.memory.buffer.byteLength).toBe(memoryBytes);
      // Never more than one live request per channel: completing every pending request
      // (stale ones are ignored) leaves the core answering normally.
      h.flush();
      h.core.reset(0);
      rig.firmwareSetup();
      expect(h.core.io_read(mode === 'legacy' ? SPACE_LEGACY_IO : SPACE_BAR0, mode === 'legacy' ? 0x1f7n : 7n, 1)).toBe(0x50n);
      // Interrupt lines were only ever driven on changes.
      const last = new Map<number, number>();
      for (const c of h.irqChanges) {
        expect(last.get(c.line) ?? 0).not.toBe(c.level);
        last.set(c.line, c.level);
      }
      expect(h.submitted.length).toBeGreaterThan(10); // the hammering did reach the backend
    });
  }

  it('keeps at most one live request per channel, and every request id is fresh', async () => {
    const r = rng(99);
    const rig = await IdeRig.create({
      drives: [disk(2048), null, disk(2048), null],
      images: { 0: MemoryImage.patterned(2048), 2: MemoryImage.patterned(2048) },
    });
    const h = rig.h;
    // Requests submitted before a channel's last SRST are abandoned (stale); the others live.
    const epoch = [0, 0];
    const livePerChannel = (ch: number) =>
      h.pending.filter((p) => p.drive >> 1 === ch && h.submitted.indexOf(p) >= epoch[ch]!).length;
    for (let i = 0; i < 3000; i++) {
      const ch = r.below(2);
      rig.issue(ch, 0, r.pick([0x20, 0xc4, 0xe7, 0x30, 0xec]), { lba: r.below(2000), count: 1 + r.below(8) });
      if (r.below(4) === 0) {
        rig.control(ch, 0x04);
        rig.control(ch, 0);
        epoch[ch] = h.submitted.length;
      }
      expect(livePerChannel(0)).toBeLessThanOrEqual(1);
      expect(livePerChannel(1)).toBeLessThanOrEqual(1);
      if (r.below(2)) h.flush();
      // Move PIO data so that commands do not stay stuck in their data phase.
      for (let k = 0; k < 8 && rig.altStatus(ch) & 0x08; k++) {
        rig.readData(ch, 512);
        rig.writeData(ch, new Uint8Array(512));
        h.flush();
      }
    }
    expect(h.submitted.length).toBeGreaterThan(100);
    expect(new Set(h.submitted.map((q) => q.reqId)).size).toBe(h.submitted.length);
  });
});
