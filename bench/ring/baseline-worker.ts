// Benchmark worker for the two baselines the ring is compared with:
//  - 'atomics': plain Atomics.wait / Atomics.notify ping-pong on two words, no spinning and no
//    "is anyone asleep" check (what a naive shared-memory doorbell costs);
//  - 'message': echo every postMessage (what a MessagePort round trip costs).

import { parentPort, workerData } from 'node:worker_threads';
import { PING, PONG, type BaselineWorkerData } from './baseline-protocol.js';

function atomicsPingPong(words: Int32Array): void {
  // Not a load of PING: the host may already have sent its first ping (1) by the time this runs.
  let last = 0;
  for (;;) {
    Atomics.wait(words, PING, last);
    const value = Atomics.load(words, PING);
    if (value === last) continue;
    if (value < 0) return;
    last = value;
    Atomics.store(words, PONG, value);
    Atomics.notify(words, PONG);
  }
}

const d = (workerData as { data: BaselineWorkerData }).data;
if (d.kind === 'atomics') {
  parentPort!.postMessage('ready');
  atomicsPingPong(new Int32Array(d.sab!));
} else {
  parentPort!.on('message', (m: unknown) => {
    if (m === 'stop') parentPort!.close();
    else parentPort!.postMessage(m);
  });
  parentPort!.postMessage('ready');
}
