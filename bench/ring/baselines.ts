// The two hand-offs the ring is measured against, in the same run: plain Atomics.wait/notify
// ping-pong, and postMessage ping-pong. Latencies in µs.

import type { Worker } from 'node:worker_threads';
import { PING, PONG, type BaselineWorkerData } from './baseline-protocol.js';
import { spawnBenchWorker } from './spawn.js';

function started(worker: Worker): Promise<void> {
  return new Promise((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
  });
}

/** Host blocks in Atomics.wait for each pong; the worker blocks for each ping. Pings count up
 *  from 1 (the worker starts from 0). */
export async function atomicsPingPong(count: number, warmup: number): Promise<Float64Array> {
  const sab = new SharedArrayBuffer(8);
  const words = new Int32Array(sab);
  const data: BaselineWorkerData = { kind: 'atomics', sab };
  const worker = spawnBenchWorker('baseline-worker', data);
  await started(worker);
  const latencies = new Float64Array(count);
  for (let i = -warmup; i < count; i++) {
    const value = i + warmup + 1;
    const t0 = performance.now();
    Atomics.store(words, PING, value);
    Atomics.notify(words, PING);
    for (;;) {
      const pong = Atomics.load(words, PONG);
      if (pong === value) break;
      Atomics.wait(words, PONG, pong);
    }
    const t1 = performance.now();
    if (i >= 0) latencies[i] = (t1 - t0) * 1000;
  }
  Atomics.store(words, PING, -1);
  Atomics.notify(words, PING);
  await worker.terminate();
  return latencies;
}

/** Host awaits the echo of each message. */
export async function messagePingPong(count: number, warmup: number): Promise<Float64Array> {
  const data: BaselineWorkerData = { kind: 'message' };
  const worker = spawnBenchWorker('baseline-worker', data);
  await started(worker);
  let resolveEcho: (() => void) | null = null;
  worker.on('message', () => {
    const r = resolveEcho;
    resolveEcho = null;
    r?.();
  });
  const latencies = new Float64Array(count);
  for (let i = -warmup; i < count; i++) {
    const t0 = performance.now();
    const echoed = new Promise<void>((resolve) => (resolveEcho = resolve));
    worker.postMessage(i);
    await echoed;
    const t1 = performance.now();
    if (i >= 0) latencies[i] = (t1 - t0) * 1000;
  }
  await worker.terminate();
  return latencies;
}
