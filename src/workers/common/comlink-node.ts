// Comlink over a Node MessagePort: the control plane of every device worker
// (configure, stats, fault injection, shutdown). Bulk traffic never goes through it.

import * as Comlink from 'comlink';
// comlink ships its Node adapter as an .mjs without matching .d.mts typings.
// @ts-expect-error -- no declaration file for the deep import
import nodeEndpointUntyped from 'comlink/dist/esm/node-adapter.mjs';
import type { MessagePort } from 'node:worker_threads';

const nodeEndpoint = nodeEndpointUntyped as (port: MessagePort) => Comlink.Endpoint;

export function exposeOn(port: MessagePort, api: object): void {
  Comlink.expose(api, nodeEndpoint(port));
}

export function wrapPort<T>(port: MessagePort): Comlink.Remote<T> {
  return Comlink.wrap<T>(nodeEndpoint(port));
}

export function releaseRemote(remote: Comlink.Remote<unknown>): void {
  remote[Comlink.releaseProxy]();
}
