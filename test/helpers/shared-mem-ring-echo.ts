// Test worker: the consumer side of a RequestRing, answering every request so the test can
// check order and content.
//   read      -> (n << 32) | (addr & 0xffffffff), n = how many requests it took before this one
//   write     -> data + 1 (non-posted); posted ones are just finished
//   addr HANG -> takes the request and never answers (blocks forever), for abort tests
// Every request's addr (low 31 bits) is appended to `log` in the order taken. On a kick it
// posts { kicked, spinNs } and exits its loop if control[STOP] is set.
import { parentPort, workerData } from 'node:worker_threads';
import { RequestRing, type WaitPolicy } from '../../src/shared-mem/request-ring.js';

export const HANG_ADDR = 0x7fff_0000n;
export const CONTROL_STOP = 0;
export const CONTROL_TAKEN = 1;

interface EchoData {
  ringSab: SharedArrayBuffer;
  control: SharedArrayBuffer;
  log: SharedArrayBuffer;
  policy: WaitPolicy;
  async: boolean;
}

const data = (workerData as { data?: EchoData } | null)?.data;
if (data !== undefined) await serve(data);

async function serve(d: EchoData): Promise<void> {
  const ring = RequestRing.attach(d.ringSab);
  const control = new Int32Array(d.control);
  const log = new Int32Array(d.log);
  parentPort!.postMessage({ ready: true });
  for (;;) {
    const outcome = d.async ? await ring.waitForWorkAsync(d.policy, 10_000) : ring.waitForWork(d.policy, 10_000);
    if (outcome === 'kick') {
      parentPort!.postMessage({ kicked: true, spinNs: ring.consumerSpinNs });
      if (Atomics.load(control, CONTROL_STOP) !== 0) return;
      continue;
    }
    for (let slot = ring.peek(); slot >= 0; slot = ring.peek()) {
      const req = ring.read(slot);
      const n = Atomics.add(control, CONTROL_TAKEN, 1);
      if (n < log.length) log[n] = Number(req.addr & 0x7fff_ffffn);
      if (req.addr === HANG_ADDR) {
        parentPort!.postMessage({ hung: true });
        Atomics.wait(control, CONTROL_STOP, Atomics.load(control, CONTROL_STOP)); // until terminated
      }
      if (req.posted) ring.finish(slot);
      else ring.respond(slot, req.dir === 'read' ? (BigInt(n) << 32n) | (req.addr & 0xffff_ffffn) : req.data + 1n);
    }
  }
}
