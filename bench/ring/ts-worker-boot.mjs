// Runs a bench worker written in TypeScript when the benchmark itself runs from source
// (node --import tsx bench/ring-roundtrip.ts): worker threads do not inherit tsx's loader.
// workerData: { entry: file URL of the .ts module, data }.
import { workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

await tsImport(workerData.entry, import.meta.url);
