// Worker thread entry of a PIIX3 IDE controller. The config struct was encoded by the host
// (src/workers/ide/config.ts), the drives' backends are opened here.

import { workerData } from 'node:worker_threads';
import { runDeviceWorker, type DeviceWorkerData } from '../common/device-worker.js';

await runDeviceWorker(workerData as DeviceWorkerData);
