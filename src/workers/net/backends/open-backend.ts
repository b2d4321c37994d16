// Opens the backend a worker was given.

import type { NetWorkerBackend } from '../backend-spec.js';
import type { NetBackend, NetBackendEvents } from './backend.js';
import { DgramBackend } from './dgram.js';
import { HubPortBackend } from './hub-port.js';
import { StreamBackend } from './stream.js';
import { TapBackend } from './tap.js';

export async function openNetBackend(spec: NetWorkerBackend, events: NetBackendEvents): Promise<NetBackend> {
  switch (spec.type) {
    case 'stream':
      return StreamBackend.open(spec, events);
    case 'dgram':
      return DgramBackend.open(spec, events);
    case 'tap':
      return new TapBackend(spec, events);
    case 'hub':
      return new HubPortBackend(spec, events);
  }
}
