// Benchmark worker: the device side of a request ring with no device behind it. Answers every
// read with addr + 1 (so the host can check it got its own answer), frees posted writes. On a
// kick it publishes its thread's CPU time and leaves if asked to stop.

import { workerData } from 'node:worker_threads';
import { RequestRing, type WaitPolicy } from '../../src/shared-mem/request-ring.js';
import { EchoControl } from './control.js';
import { threadCpuNs } from './thread-cpu.js';

export interface EchoWorkerData {
  ringSab: SharedArrayBuffer;
  controlSab: SharedArrayBuffer;
  policy: WaitPolicy;
  /** waitForWorkAsync (event loop stays live) instead of the blocking waitForWork. */
  async: boolean;
}

const IDLE_TIMEOUT_MS = 60_000;

async function serve(d: EchoWorkerData): Promise<void> {
  const ring = RequestRing.attach(d.ringSab);
  const control = new EchoControl(d.controlSab);
  control.publishCpu(threadCpuNs()); // "ready"
  for (;;) {
    const outcome = d.async ? await ring.waitForWorkAsync(d.policy, IDLE_TIMEOUT_MS) : ring.waitForWork(d.policy, IDLE_TIMEOUT_MS);
    if (outcome === 'kick') {
      control.publishCpu(threadCpuNs());
      if (control.stopRequested) return;
      continue;
    }
    for (let slot = ring.peek(); slot >= 0; slot = ring.peek()) {
      const req = ring.read(slot);
      if (req.posted) ring.finish(slot);
      else ring.respond(slot, req.addr + 1n);
    }
  }
}

await serve((workerData as { data: EchoWorkerData }).data);
