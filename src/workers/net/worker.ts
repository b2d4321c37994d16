// Worker thread entry of an e1000 NIC. The config struct was encoded by the host
// (src/workers/net/config.ts); the network backend, already checked (and for `user` started)
// by the host, is opened here.

import { workerData } from 'node:worker_threads';
import { runDeviceWorker, type DeviceWorkerData } from '../common/device-worker.js';
import { linkUpInConfig, NetWorkerExtension } from './net-extension.js';

const data = workerData as DeviceWorkerData;
if (!data.net) throw new Error(`${data.id}: a network device needs a backend`);
await runDeviceWorker(data, new NetWorkerExtension(data.net, data.id, linkUpInConfig(data.config)));
