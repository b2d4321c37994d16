import { afterEach, describe, expect, it } from 'vitest';
import type { Worker } from 'node:worker_threads';
import { IRQ_LINE_NUMBERS, IrqLines } from '../../src/shared-mem/irq-lines.js';
import { IRQ_PCI_INTA } from '../../src/workers/common/core-abi.js';
import { nextMessage, startWorker } from '../helpers/shared-mem-workers.js';

describe('IrqLines on one thread', () => {
  it('holds a level per ISA line and per PCI INTx pin', () => {
    const irq = IrqLines.create();
    expect(IRQ_LINE_NUMBERS).toEqual([...Array.from({ length: 16 }, (_, i) => i), 0x100, 0x101, 0x102, 0x103]);
    for (const line of IRQ_LINE_NUMBERS) expect(irq.level(line)).toBe(false);
    expect(irq.set(14, 1)).toBe(true);
    expect(irq.set(IRQ_PCI_INTA, true)).toBe(true);
    expect(IRQ_LINE_NUMBERS.filter((l) => irq.level(l))).toEqual([14, IRQ_PCI_INTA]);
    expect(irq.set(14, 0)).toBe(true);
    expect(IRQ_LINE_NUMBERS.filter((l) => irq.level(l))).toEqual([IRQ_PCI_INTA]);
  });

  it('counts changes only', () => {
    const irq = IrqLines.create();
    const start = irq.changeCount();
    irq.set(5, 1);
    irq.set(5, 7); // still asserted
    irq.set(5, true);
    expect(irq.changeCount() - start).toBe(1);
    irq.set(5, 0);
    irq.set(5, false);
    expect(irq.changeCount() - start).toBe(2);
  });

  it('a change made without waking is still a change: level and count, seen by the next look', async () => {
    const irq = IrqLines.create();
    irq.set(IRQ_PCI_INTA, 1);
    const seen = irq.changeCount();
    expect(irq.set(IRQ_PCI_INTA, 0, false)).toBe(true);
    expect(irq.level(IRQ_PCI_INTA)).toBe(false);
    expect(irq.changeCount()).toBe(seen + 1);
    // A waiter that starts after it sees it at once, without any wake-up.
    expect(await irq.waitChangeAsync(seen, 10_000)).toBe(seen + 1);
  });

  it('ignores lines that do not exist', () => {
    const irq = IrqLines.create();
    for (const bad of [16, 0xff, 0x104, -1, 1.5, Number.NaN, 0x10000]) {
      expect(irq.set(bad, 1)).toBe(false);
      expect(irq.level(bad)).toBe(false);
    }
    expect(irq.changeCount()).toBe(0);
  });

  it('times out when nothing changes, and refuses foreign buffers', async () => {
    const irq = IrqLines.create();
    expect(await irq.waitChangeAsync(irq.changeCount(), 5)).toBe(0);
    expect(irq.waitChange(irq.changeCount(), 5)).toBe(0);
    expect(() => IrqLines.attach(new SharedArrayBuffer(256))).toThrow(TypeError);
    expect(() => IrqLines.attach(new SharedArrayBuffer(8))).toThrow(TypeError);
  });
});

describe('IrqLines across threads', () => {
  let worker: Worker | null = null;
  afterEach(async () => {
    await worker?.terminate();
    worker = null;
  });

  async function driver(irq: IrqLines): Promise<(steps: [number, number][]) => Promise<boolean[]>> {
    const w = startWorker('shared-mem-irq-driver', { sab: irq.sab });
    worker = w;
    await nextMessage(w, (m): m is { ready: true } => (m as { ready?: boolean }).ready === true);
    return async (steps) => {
      const answer = nextMessage(w, (m): m is { applied: boolean[] } => Array.isArray((m as { applied?: unknown }).applied));
      w.postMessage(steps);
      return (await answer).applied;
    };
  }

  it('wakes a host waiting asynchronously, and shows a pulse as two changes', async () => {
    const irq = IrqLines.create();
    const drive = await driver(irq);
    const seen = irq.changeCount();
    const waiting = irq.waitChangeAsync(seen, 10_000);
    expect(await drive([[14, 1]])).toEqual([true]);
    const now = await waiting;
    expect(now).not.toBe(seen);
    expect(irq.level(14)).toBe(true);

    // Raised and lowered before the host looked: the level is back low, the count moved by 2.
    expect(await drive([[IRQ_PCI_INTA, 1], [IRQ_PCI_INTA, 0], [0x1ff, 1]])).toEqual([true, true, false]);
    expect(await irq.waitChangeAsync(now, 10_000)).toBe(now + 2);
    expect(irq.level(IRQ_PCI_INTA)).toBe(false);
  });

  it('wakes a host blocked in waitChange', async () => {
    const irq = IrqLines.create();
    const drive = await driver(irq);
    const seen = irq.changeCount();
    const done = drive([[3, 1]]); // the message goes out before this thread blocks
    expect(irq.waitChange(seen, 10_000)).toBe(seen + 1);
    await done;
    expect(irq.level(3)).toBe(true);
  });
});
