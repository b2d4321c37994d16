// One request ring plus an echo worker on the other end: what the benchmark drives. The host
// side is the real host-bridge path: submit(), then awaitResponse() (spin, then waitAsync).

import type { Worker } from 'node:worker_threads';
import { IOREQ_TYPE_PIO, type Ioreq } from '../../src/shared-mem/ioreq.js';
import { RequestRing, type WaitPolicy } from '../../src/shared-mem/request-ring.js';
import { EchoControl } from './control.js';
import type { EchoWorkerData } from './echo-worker.js';
import { spawnBenchWorker } from './spawn.js';

const START_TIMEOUT_MS = 30_000;

export class RingSession {
  private readonly request: Ioreq = {
    addr: 0n, data: 0n, count: 1, size: 4, space: 7, dataIsPtr: false, dir: 'read', df: false, type: IOREQ_TYPE_PIO,
  };

  private constructor(
    readonly policy: WaitPolicy,
    private readonly ring: RequestRing,
    private readonly control: EchoControl,
    private readonly worker: Worker,
  ) {}

  static async start(policy: WaitPolicy, asyncWorker: boolean): Promise<RingSession> {
    const ring = RequestRing.create();
    const control = new EchoControl();
    const data: EchoWorkerData = { ringSab: ring.sab, controlSab: control.sab, policy, async: asyncWorker };
    const seen = control.acks();
    const worker = spawnBenchWorker('echo-worker', data);
    const failed = new Promise<never>((_, reject) => worker.once('error', reject));
    failed.catch(() => undefined);
    // The worker acks once when it is serving; poll without blocking so its start-up can run.
    const deadline = performance.now() + START_TIMEOUT_MS;
    while (control.acks() === seen) {
      if (performance.now() > deadline) throw new Error('echo worker did not start');
      await Promise.race([new Promise((r) => setTimeout(r, 5)), failed]);
    }
    return new RingSession(policy, ring, control, worker);
  }

  /** One round trip; returns its duration in µs. */
  async roundTrip(addr: bigint): Promise<number> {
    this.request.addr = addr;
    const t0 = performance.now();
    const slot = this.ring.submit(this.request, false);
    if (slot < 0) throw new Error('ring unexpectedly full');
    const answer = await this.ring.awaitResponse(slot, this.policy);
    const t1 = performance.now();
    if (answer !== addr + 1n) throw new Error(`wrong answer ${answer} for ${addr}`);
    return (t1 - t0) * 1000;
  }

  /** `count` back-to-back round trips after `warmup` unrecorded ones; latencies in µs. */
  async roundTrips(count: number, warmup: number): Promise<Float64Array> {
    for (let i = 0; i < warmup; i++) await this.roundTrip(BigInt(i & 0xffff));
    const latencies = new Float64Array(count);
    for (let i = 0; i < count; i++) latencies[i] = await this.roundTrip(BigInt(i & 0xffff));
    return latencies;
  }

  /** CPU time the worker thread has used so far, in ns (asks it with a kick). */
  workerCpuNs(): number {
    const seen = this.control.acks();
    this.ring.kick();
    return this.control.awaitAck(seen, 10_000);
  }

  async stop(): Promise<void> {
    this.control.requestStop();
    const gone = new Promise((resolve) => this.worker.once('exit', resolve));
    this.ring.kick();
    await Promise.race([gone, new Promise((r) => setTimeout(r, 2000))]);
    await this.worker.terminate();
  }
}
