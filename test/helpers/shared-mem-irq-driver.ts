// Test worker: drives interrupt lines like a device worker would. Each message is a list of
// [line, level] steps, applied back to back; it answers { applied: <results of set()> }.
import { parentPort, workerData } from 'node:worker_threads';
import { IrqLines } from '../../src/shared-mem/irq-lines.js';

const lines = IrqLines.attach((workerData as { data: { sab: SharedArrayBuffer } }).data.sab);
parentPort!.on('message', (steps: [number, number][]) => {
  parentPort!.postMessage({ applied: steps.map(([line, level]) => lines.set(line, level)) });
});
parentPort!.postMessage({ ready: true });
