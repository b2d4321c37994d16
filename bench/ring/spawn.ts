// Starts one of the ring benchmark's worker scripts, from source (.ts, through tsx) or from the
// compiled dist/ tree (.js), whichever this module itself was loaded from.

import { Worker } from 'node:worker_threads';

export type BenchWorkerName = 'echo-worker' | 'baseline-worker';

/** The worker finds `data` in workerData.data. */
export function spawnBenchWorker(name: BenchWorkerName, data: unknown): Worker {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    const entry = new URL(`./${name}.ts`, here).href;
    return new Worker(new URL('./ts-worker-boot.mjs', here), { workerData: { entry, data } });
  }
  return new Worker(new URL(`./${name}.js`, here), { workerData: { data } });
}
