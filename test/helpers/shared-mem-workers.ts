// Starting the shared-mem tests' helper workers (real worker_threads running .ts modules).

import { Worker } from 'node:worker_threads';

const boot = new URL('./shared-mem-ts-worker.mjs', import.meta.url);

/** Starts test/helpers/<name>.ts in a worker thread; it finds `data` in workerData.data. */
export function startWorker(name: string, data: unknown): Worker {
  const entry = new URL(`./${name}.ts`, import.meta.url).href;
  return new Worker(boot, { workerData: { entry, data } });
}

/** Resolves with the first message the worker posts that satisfies `match`. */
export function nextMessage<T>(worker: Worker, match: (m: unknown) => m is T, timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error('worker did not answer in time'));
    }, timeoutMs);
    const onMessage = (m: unknown): void => {
      if (!match(m)) return;
      cleanup();
      resolve(m);
    };
    const onError = (e: Error): void => {
      cleanup();
      reject(e);
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('error', onError);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
  });
}

/** Resolves when the worker has exited. */
export function exited(worker: Worker): Promise<number> {
  return new Promise((resolve) => worker.once('exit', resolve));
}
