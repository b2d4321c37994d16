// Boots a TypeScript worker script under tsx (a Worker cannot load .ts by itself, and
// `execArgv: ['--import', 'tsx']` does not reach worker threads in Node 20).
// workerData: { entry: file URL of the .ts module, data: what that module reads }.
import { workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

await tsImport(workerData.entry, import.meta.url);
