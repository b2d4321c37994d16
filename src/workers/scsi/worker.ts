// Worker thread entry of an LSI53C895A SCSI controller. The config struct was encoded by the
// host (src/workers/scsi/config.ts), the drives' backends are opened here.

import { workerData } from 'node:worker_threads';
import { runDeviceWorker, type DeviceWorkerData } from '../common/device-worker.js';

await runDeviceWorker(workerData as DeviceWorkerData);
