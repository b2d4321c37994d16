// Test worker: plays Xen's part on a buffered ioreq page, pushing `count` writes whose values
// count up from 0 (every third one an 8-byte value, i.e. two slots), retrying while full.
import { parentPort, workerData } from 'node:worker_threads';
import { BufferedRing } from '../../src/shared-mem/buffered-ring.js';
import { IOREQ_TYPE_COPY, IOREQ_TYPE_PIO } from '../../src/shared-mem/ioreq.js';

const { sab, count } = (workerData as { data: { sab: SharedArrayBuffer; count: number } }).data;
const ring = new BufferedRing(sab);
let fullRetries = 0;
for (let i = 0; i < count; i++) {
  const wide = i % 3 === 0;
  const value = wide ? (BigInt(i) << 32n) | BigInt(i) : BigInt(i);
  while (!ring.tryPush(wide ? IOREQ_TYPE_COPY : IOREQ_TYPE_PIO, i & 0xfffff, wide ? 8 : 4, value)) fullRetries++;
}
parentPort!.postMessage({ done: true, fullRetries });
