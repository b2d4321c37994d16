// Test worker: publishes into a register shadow as fast as it can, every register and the
// served count set to the same counter n (n = 1, 2, ...), with a change opened before each
// publish, until control[STOP] is set; then posts { published: n }.
import { parentPort, workerData } from 'node:worker_threads';
import { RegisterShadow } from '../../src/shared-mem/register-shadow.js';

export const WRITER_STOP = 0;

interface WriterData {
  shadowSab: SharedArrayBuffer;
  control: SharedArrayBuffer;
}

const data = (workerData as { data?: WriterData } | null)?.data;
if (data !== undefined) run(data);

function run(d: WriterData): void {
  const shadow = RegisterShadow.attach(d.shadowSab);
  const control = new Int32Array(d.control);
  parentPort!.postMessage({ ready: true });
  let n = 0;
  while (Atomics.load(control, WRITER_STOP) === 0) {
    n++;
    shadow.beginChange(n % 3 === 0);
    // Each register gets n plus its index times 2^20, so a torn read shows as registers
    // that disagree about n.
    shadow.publish(n, (i) => n + i * 0x10_0000);
  }
  parentPort!.postMessage({ published: n });
}
