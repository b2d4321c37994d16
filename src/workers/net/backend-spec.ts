// The network backend a NIC's worker opens, as the host hands it over in workerData: plain
// data (plus a MessagePort for the hub), already checked by the host (src/host/net), so the
// worker only connects. `--netdev user` arrives here as a stream on passt's socket.

import type { MessagePort } from 'node:worker_threads';

/** A TCP or UNIX stream address. */
export type StreamAddress = { kind: 'unix'; path: string } | { kind: 'inet'; host: string; port: number };

export interface StreamBackendSpec {
  type: 'stream';
  address: StreamAddress;
  /** Listen and take one peer at a time (QEMU's server=on), instead of connecting. */
  server: boolean;
  /** Client only: retry a failed or lost connection after this many ms (QEMU 8's
   *  reconnect=SECONDS); 0 or absent: connect once at start, and a peer that goes stays gone. */
  reconnectMs?: number;
  /** Server only: a socket the host already listens on, so the address is bound before the
   *  guest starts (a bad address is then a start-up error, not a silent worker failure). */
  listenFd?: number;
}

export interface DgramBackendSpec {
  type: 'dgram';
  local: { host: string; port: number };
  remote: { host: string; port: number };
}

export interface TapBackendSpec {
  type: 'tap';
  /** The TAP device's descriptor, opened by the host (TUNSETIFF), inherited by the worker. */
  fd: number;
  ifname: string;
}

export interface HubBackendSpec {
  type: 'hub';
  /** One port of the in-process hub (src/host/net/hub.ts); frames are ArrayBuffers. */
  port: MessagePort;
}

export type NetWorkerBackend = StreamBackendSpec | DgramBackendSpec | TapBackendSpec | HubBackendSpec;
