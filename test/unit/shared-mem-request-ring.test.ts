import type { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_RING_SLOTS,
  RequestRing,
  RingAbortedError,
  type WaitPolicy,
} from '../../src/shared-mem/request-ring.js';
import {
  IOREQ_INPROCESS,
  IOREQ_READY,
  IORESP_READY,
  IOREQ_TYPE_COPY,
  IOREQ_TYPE_PIO,
  STATE_NONE,
  loadState,
  storeState,
  type Ioreq,
} from '../../src/shared-mem/ioreq.js';
import { CONTROL_STOP, CONTROL_TAKEN, HANG_ADDR } from '../helpers/shared-mem-ring-echo.js';
import { exited, nextMessage, startWorker } from '../helpers/shared-mem-workers.js';

const HEADER_BYTES = 512;
const slotOffset = (slot: number): number => HEADER_BYTES + slot * 32;

const pioRead = (port: number, size = 1): Ioreq => ({
  addr: BigInt(port), data: 0n, count: 1, size, space: 7, dataIsPtr: false, dir: 'read', df: false, type: IOREQ_TYPE_PIO,
});
const mmioWrite = (addr: number, data: bigint, size = 4): Ioreq => ({
  addr: BigInt(addr), data, count: 1, size, space: 0, dataIsPtr: false, dir: 'write', df: false, type: IOREQ_TYPE_COPY,
});

describe('RequestRing on one thread', () => {
  it('carries a request and its answer, and walks the slot states', () => {
    const ring = RequestRing.create();
    const words = new Int32Array(ring.sab);
    expect(ring.peek()).toBe(-1);
    const slot = ring.submit(pioRead(0x1f7), false);
    expect(slot).toBe(0);
    expect(loadState(words, slotOffset(slot))).toBe(IOREQ_READY);
    expect(ring.pending()).toBe(1);
    expect(ring.peek()).toBe(slot);
    expect(ring.peek()).toBe(slot); // peek does not take
    const req = ring.read(slot);
    expect(req).toMatchObject({ addr: 0x1f7n, size: 1, space: 7, dir: 'read', type: IOREQ_TYPE_PIO, posted: false });
    expect(loadState(words, slotOffset(slot))).toBe(IOREQ_INPROCESS);
    expect(ring.peek()).toBe(-1);
    expect(ring.read(slot).addr).toBe(0x1f7n); // decoding again takes nothing more
    expect(ring.pending()).toBe(0);
    expect(ring.responseReady(slot)).toBe(false);
    expect(() => ring.takeResponse(slot)).toThrow();
    expect(ring.respond(slot, 0x50n)).toBe(true);
    expect(ring.respond(slot, 0x51n)).toBe(false); // answered already
    expect(ring.responseReady(slot)).toBe(true);
    expect(ring.takeResponse(slot)).toBe(0x50n);
    expect(loadState(words, slotOffset(slot))).toBe(STATE_NONE);
  });

  it('frees posted slots on the consumer side and keeps them in order with the rest', () => {
    const ring = RequestRing.create(8);
    const a = ring.submit(mmioWrite(0x10, 1n), true);
    const b = ring.submit(pioRead(0x20), false);
    const c = ring.submit(mmioWrite(0x30, 3n), true);
    expect([a, b, c]).toEqual([0, 1, 2]);
    expect(ring.isPosted(a)).toBe(true);
    expect(ring.isPosted(b)).toBe(false);
    const order: bigint[] = [];
    for (let s = ring.peek(); s >= 0; s = ring.peek()) {
      const r = ring.read(s);
      order.push(r.addr);
      if (r.posted) expect(ring.finish(s)).toBe(true);
      else expect(ring.respond(s, 0xaan)).toBe(true);
    }
    expect(order).toEqual([0x10n, 0x20n, 0x30n]);
    expect(ring.responseReady(a)).toBe(false);
    expect(loadState(new Int32Array(ring.sab), slotOffset(a))).toBe(STATE_NONE);
    expect(ring.takeResponse(b)).toBe(0xaan);
  });

  it('reports full when every slot is queued, or when the next one is still unanswered', () => {
    const ring = RequestRing.create(4);
    for (let i = 0; i < 4; i++) expect(ring.submit(pioRead(i), false)).toBe(i);
    expect(ring.submit(pioRead(9), false)).toBe(-1);
    // The consumer answers slot 0, but until the producer collects the answer slot 0 is busy.
    expect(ring.peek()).toBe(0);
    ring.read(0);
    ring.respond(0, 1n);
    expect(ring.submit(pioRead(9), false)).toBe(-1);
    expect(ring.takeResponse(0)).toBe(1n);
    expect(ring.submit(pioRead(9), false)).toBe(0); // wrapped around
    expect(ring.submit(pioRead(10), false)).toBe(-1);
  });

  it('answers malformed slots itself: all-ones for reads, writes dropped, posted freed, counted', () => {
    const ring = RequestRing.create(8);
    const words = new Int32Array(ring.sab);
    const badType = ring.submit({ ...pioRead(0x60, 2), type: 5 }, false);
    const badSize = ring.submit(pioRead(0x61, 3), false);
    const badState = ring.submit(pioRead(0x62, 4), false);
    storeState(words, slotOffset(badState), 0xf);
    const badWrite = ring.submit({ ...mmioWrite(0x63, 0x1234n), size: 16 }, false);
    const badPosted = ring.submit({ ...mmioWrite(0x64, 1n), type: 0xee }, true);
    const good = ring.submit(pioRead(0x65), false);
    expect(ring.peek()).toBe(good);
    expect(ring.garbageCount).toBe(5);
    expect(ring.takeResponse(badType)).toBe(0xffffn);
    expect(ring.takeResponse(badSize)).toBe(0xffff_ffff_ffff_ffffn);
    expect(ring.takeResponse(badState)).toBe(0xffff_ffffn);
    expect(ring.takeResponse(badWrite)).toBe(0x1234n); // acknowledged, not performed
    expect(loadState(words, slotOffset(badPosted))).toBe(STATE_NONE);
    expect(ring.read(good).addr).toBe(0x65n);
  });

  it('reports a kick once, before pending work, and times out when idle', () => {
    const ring = RequestRing.create();
    const policy: WaitPolicy = { mode: 'wait', spinNs: 0 };
    expect(ring.waitForWork(policy, 1)).toBe('timeout');
    ring.submit(pioRead(1), false);
    ring.kick();
    ring.kick();
    expect(ring.waitForWork(policy, 1000)).toBe('kick');
    expect(ring.waitForWork(policy, 1000)).toBe('work');
  });

  it('refuses buffers that are not rings, and bad sizes', () => {
    expect(() => RequestRing.attach(new SharedArrayBuffer(HEADER_BYTES + 64 * 32))).toThrow(TypeError);
    expect(() => RequestRing.create(48)).toThrow(RangeError);
    expect(() => RequestRing.create(0)).toThrow(RangeError);
    const ring = RequestRing.create();
    expect(RequestRing.attach(ring.sab).slots).toBe(DEFAULT_RING_SLOTS);
    expect(() => ring.read(64)).toThrow(RangeError);
  });

  it('rejects (does not throw) when awaiting a slot that does not exist, or an aborted wait', async () => {
    const ring = RequestRing.create(4);
    await expect(ring.awaitResponse(4)).rejects.toBeInstanceOf(RangeError);
    const slot = ring.submit(pioRead(1), false);
    await expect(ring.awaitResponse(slot, { mode: 'adaptive', spinNs: 1000 }, { aborted: true })).rejects.toBeInstanceOf(RingAbortedError);
    expect(ring.awaitResponseSync(slot, { mode: 'wait', spinNs: 0 }, 1)).toBeNull(); // still unanswered
  });
});

// ---- with a real worker thread --------------------------------------------------------------

interface Echo {
  worker: Worker;
  ring: RequestRing;
  control: Int32Array;
  log: Int32Array;
}

const running: Worker[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((w) => w.terminate()));
});

async function startEcho(policy: WaitPolicy, async: boolean, ring = RequestRing.create()): Promise<Echo> {
  const control = new SharedArrayBuffer(64);
  const log = new SharedArrayBuffer(4 * 4096);
  const worker = startWorker('shared-mem-ring-echo', { ringSab: ring.sab, control, log, policy, async });
  running.push(worker);
  await nextMessage(worker, (m): m is { ready: true } => (m as { ready?: boolean }).ready === true);
  return { worker, ring, control: new Int32Array(control), log: new Int32Array(log) };
}

/** Asks the worker to leave its loop (it checks the stop word at each kick) and waits until
 *  the thread is gone; fails if a kick does not reach it. */
async function stopEcho(echo: Echo): Promise<void> {
  Atomics.store(echo.control, CONTROL_STOP, 1);
  const gone = exited(echo.worker);
  echo.ring.kick();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('worker ignored the stop kick')), 10_000);
  });
  try {
    await Promise.race([gone, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const POLICIES: WaitPolicy[] = [
  { mode: 'spin', spinNs: 0 },
  { mode: 'wait', spinNs: 0 },
  { mode: 'adaptive', spinNs: 20_000 },
];

describe('RequestRing across threads', () => {
  for (const policy of POLICIES) {
    for (const asyncWorker of [false, true]) {
      it(`keeps order and answers with policy ${policy.mode}, ${asyncWorker ? 'async' : 'blocking'} worker`, async () => {
        const echo = await startEcho(policy, asyncWorker);
        const expectedLog: number[] = [];
        for (let i = 0; i < 300; i++) {
          // Every third request is a posted write; non-posted reads and writes in between.
          if (i % 3 === 0) {
            let slot = echo.ring.submit(mmioWrite(0x1000 + i, BigInt(i)), true);
            while (slot < 0) {
              await new Promise((r) => setImmediate(r));
              slot = echo.ring.submit(mmioWrite(0x1000 + i, BigInt(i)), true);
            }
          } else if (i % 3 === 1) {
            const slot = echo.ring.submit(pioRead(0x2000 + i), false);
            expect(slot).toBeGreaterThanOrEqual(0);
            // All requests before this one were taken first, posted ones included.
            expect(await echo.ring.awaitResponse(slot, policy)).toBe((BigInt(i) << 32n) | BigInt(0x2000 + i));
          } else {
            const slot = echo.ring.submit(mmioWrite(0x3000 + i, 0xfffn), false);
            expect(await echo.ring.awaitResponse(slot, policy)).toBe(0x1000n);
          }
          expectedLog.push((i % 3 === 0 ? 0x1000 : i % 3 === 1 ? 0x2000 : 0x3000) + i);
        }
        await stopEcho(echo);
        expect(Array.from(echo.log.subarray(0, 300))).toEqual(expectedLog);
        expect(Atomics.load(echo.control, CONTROL_TAKEN)).toBe(300);
        expect(echo.ring.garbageCount).toBe(0);
      });
    }
  }

  it('answers a blocking producer (awaitResponseSync)', async () => {
    const policy: WaitPolicy = { mode: 'adaptive', spinNs: 20_000 };
    const echo = await startEcho(policy, false);
    for (let i = 0; i < 100; i++) {
      const slot = echo.ring.submit(pioRead(0x40 + i), false);
      expect(echo.ring.awaitResponseSync(slot, policy, 10_000)).toBe((BigInt(i) << 32n) | BigInt(0x40 + i));
    }
    await stopEcho(echo);
  });

  it('serves a ring that filled up before the worker started, in order', async () => {
    const ring = RequestRing.create(16);
    const slots: number[] = [];
    for (let i = 0; i < 16; i++) slots.push(ring.submit(pioRead(0x100 + i), false));
    expect(ring.submit(pioRead(0x1ff), false)).toBe(-1);
    const echo = await startEcho({ mode: 'adaptive', spinNs: 20_000 }, false, ring);
    const answers = await Promise.all(slots.map((s) => ring.awaitResponse(s)));
    expect(answers).toEqual(slots.map((_, i) => (BigInt(i) << 32n) | BigInt(0x100 + i)));
    expect(ring.submit(pioRead(0x1ff), false)).toBe(0);
    expect(await ring.awaitResponse(0)).toBe((16n << 32n) | 0x1ffn);
    await stopEcho(echo);
  });

  it('wakes a worker blocked in Atomics.wait with a kick, which it sees once', async () => {
    const echo = await startEcho({ mode: 'wait', spinNs: 0 }, false);
    const kicked = nextMessage(echo.worker, (m): m is { kicked: true } => (m as { kicked?: boolean }).kicked === true);
    echo.ring.kick();
    await kicked;
    // Still serving after the kick.
    const slot = echo.ring.submit(pioRead(0x77), false);
    expect(await echo.ring.awaitResponse(slot)).toBe(0x77n);
    await stopEcho(echo);
  });

  it('stops spinning once requests come rarely (adaptive budget drops to 0)', async () => {
    const echo = await startEcho({ mode: 'adaptive', spinNs: 20_000 }, false);
    for (let i = 0; i < 6; i++) {
      await new Promise((r) => setTimeout(r, 30)); // gaps far longer than any allowed spin
      const slot = echo.ring.submit(pioRead(i), false);
      await echo.ring.awaitResponse(slot);
    }
    const report = nextMessage(echo.worker, (m): m is { kicked: true; spinNs: number } => (m as { kicked?: boolean }).kicked === true);
    echo.ring.kick();
    expect((await report).spinNs).toBe(0);
    await stopEcho(echo);
  });

  it('fails a request whose worker is terminated while holding it', async () => {
    const echo = await startEcho({ mode: 'adaptive', spinNs: 20_000 }, false);
    const hung = nextMessage(echo.worker, (m): m is { hung: true } => (m as { hung?: boolean }).hung === true);
    const slot = echo.ring.submit(pioRead(Number(HANG_ADDR)), false);
    const signal = { aborted: false };
    const answer = echo.ring.awaitResponse(slot, { mode: 'adaptive', spinNs: 20_000 }, signal);
    let settled = false;
    answer.then(() => (settled = true), () => (settled = true));
    await hung;
    await echo.worker.terminate();
    expect(settled).toBe(false); // nobody answered; the producer is still waiting, not spinning
    signal.aborted = true;
    echo.ring.wakeProducer();
    await expect(answer).rejects.toBeInstanceOf(RingAbortedError);
    expect(loadState(new Int32Array(echo.ring.sab), slotOffset(slot))).toBe(IOREQ_INPROCESS);
  });

  it('answers garbage slots all-ones from the worker thread too', async () => {
    const echo = await startEcho({ mode: 'wait', spinNs: 0 }, true);
    const bad = echo.ring.submit({ ...pioRead(0x3f8, 1), type: 9 }, false);
    const good = echo.ring.submit(pioRead(0x3f9), false);
    expect(await echo.ring.awaitResponse(bad)).toBe(0xffn);
    expect(await echo.ring.awaitResponse(good)).toBe(0x3f9n); // first request the worker took
    expect(echo.ring.garbageCount).toBe(1);
    await stopEcho(echo);
  });

  it('lets a state word with foreign bits through untouched', () => {
    // Sanity for the release store the ring relies on: a READY published into a slot whose
    // neighbours hold data keeps them.
    const ring = RequestRing.create(2);
    const bytes = new Uint8Array(ring.sab);
    ring.submit({ ...pioRead(1), type: IOREQ_TYPE_COPY, dir: 'write', df: true }, true);
    expect(bytes[slotOffset(0) + 28]).toBe(1); // posted flag in _pad0
    expect(bytes[slotOffset(0) + 30]).toBe(0x40 | IOREQ_READY);
    expect(bytes[slotOffset(0) + 31]).toBe(IOREQ_TYPE_COPY);
    expect(IORESP_READY).toBe(3);
  });
});
