// Checks and opens a `--netdev` in the host before any guest starts, so a bad backend is one
// clear line (NetdevError, exit 2): a stream peer that is not there, an address that cannot be
// bound, passt missing, no permission for TAP. What it opens lives as long as the device: the
// worker gets a plain description (and for a hub a MessagePort) each time it (re)starts.

import { closeSync, lstatSync, unlinkSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { connect, createServer, isIPv6 } from 'node:net';
import type { Transferable } from 'node:worker_threads';
import { isSystemError, tapOpen } from '../../native/addon.js';
import type { NetWorkerBackend, StreamAddress } from '../../workers/net/backend-spec.js';
import { describeAddress } from '../../workers/net/backends/stream.js';
import { hubFor } from './hub.js';
import type { NetdevSpec } from './netdev-spec.js';
import { PasstError, PasstProcess, pingSocketsRefused } from './passt.js';

export class NetdevError extends Error {
  override name = 'NetdevError';
}

export interface PreparedNetdev {
  readonly spec: NetdevSpec;
  /** What a (re)starting worker gets; call once per worker start. */
  forWorker(): { backend: NetWorkerBackend; transfer: Transferable[] };
  /** Releases what the host holds (passt, the TAP descriptor, the hub port). */
  close(): Promise<void>;
  /** Something the user should know that does not stop the device (one line). */
  warning?: string;
}

export async function prepareNetdev(spec: NetdevSpec): Promise<PreparedNetdev> {
  const what = `--netdev ${spec.type},id=${spec.id}`;
  switch (spec.type) {
    case 'stream': {
      // With reconnect= the peer may come later (QEMU's own client then keeps trying too).
      if (spec.server) await checkListen(spec.address, what);
      else if (!spec.reconnectS) await checkConnect(spec.address, what);
      const backend: NetWorkerBackend = {
        type: 'stream', address: spec.address, server: spec.server, ...(spec.reconnectS ? { reconnectMs: spec.reconnectS * 1000 } : {}),
      };
      return simple(spec, backend);
    }
    case 'dgram': {
      await checkUdpBind(spec.local.host, spec.local.port, what);
      return simple(spec, { type: 'dgram', local: spec.local, remote: spec.remote });
    }
    case 'user': {
      let passt: PasstProcess;
      try {
        passt = await PasstProcess.start(spec.id);
      } catch (err) {
        if (err instanceof PasstError) throw new NetdevError(err.message);
        throw err;
      }
      const backend: NetWorkerBackend = { type: 'stream', address: { kind: 'unix', path: passt.socketPath }, server: false };
      const refused = pingSocketsRefused(PasstProcess.runGid());
      return {
        spec,
        forWorker: () => ({ backend, transfer: [] }),
        close: () => passt.stop(),
        ...(refused ? { warning: `--netdev user,id=${spec.id}: ${refused}` } : {}),
      };
    }
    case 'tap': {
      let fd: number;
      try {
        fd = tapOpen(spec.ifname).fd;
      } catch (err) {
        throw new NetdevError(`${what}: ${tapErrorText(err, spec.ifname)}`);
      }
      const backend: NetWorkerBackend = { type: 'tap', fd, ifname: spec.ifname };
      let open = true;
      return {
        spec,
        forWorker: () => ({ backend, transfer: [] }),
        close: async () => {
          if (open) closeSync(fd);
          open = false;
        },
      };
    }
    case 'hub': {
      const hub = hubFor(spec.hubid);
      let detach: (() => void) | null = null;
      return {
        spec,
        forWorker: () => {
          detach?.(); // the previous incarnation's port
          const a = hub.attach();
          detach = a.detach;
          return { backend: { type: 'hub', port: a.workerPort }, transfer: [a.workerPort] };
        },
        close: async () => {
          detach?.();
          detach = null;
        },
      };
    }
  }
}

function simple(spec: NetdevSpec, backend: NetWorkerBackend): PreparedNetdev {
  return { spec, forWorker: () => ({ backend, transfer: [] }), close: async () => {} };
}

function tapErrorText(err: unknown, ifname: string): string {
  if (isSystemError(err, 'ENOENT')) return '/dev/net/tun does not exist (no TUN/TAP support here)';
  if (isSystemError(err, 'EPERM') || isSystemError(err, 'EACCES')) return `no permission to open TAP interface ${ifname} (needs root or CAP_NET_ADMIN)`;
  if (isSystemError(err, 'EBUSY')) return `TAP interface ${ifname} is in use`;
  if (isSystemError(err, 'EINVAL')) return `${ifname} exists and is not a TAP interface`;
  return `cannot open TAP interface ${ifname}: ${(err as Error).message}`;
}

/** A client stream: the peer must be listening now (QEMU's stream client fails the same way). */
function checkConnect(a: StreamAddress, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = a.kind === 'unix' ? connect({ path: a.path }) : connect({ host: a.host, port: a.port });
    s.once('connect', () => {
      s.destroy();
      resolve();
    });
    s.once('error', (err: NodeJS.ErrnoException) => reject(new NetdevError(`${what}: cannot connect to ${describeAddress(a)} (${err.code ?? err.message})`)));
  });
}

/** A server stream: the address must be free to bind. A UNIX socket file nobody listens on
 *  (left by an earlier run) is removed, as QEMU does before binding. */
async function checkListen(a: StreamAddress, what: string): Promise<void> {
  if (a.kind === 'unix') {
    let st;
    try {
      st = lstatSync(a.path);
    } catch {
      st = null;
    }
    if (st) {
      if (!st.isSocket()) throw new NetdevError(`${what}: ${a.path} exists and is not a socket`);
      const live = await checkConnect(a, what).then(() => true, () => false);
      if (live) throw new NetdevError(`${what}: something already listens on ${a.path}`);
      unlinkSync(a.path);
    }
  }
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => reject(new NetdevError(`${what}: cannot listen on ${describeAddress(a)} (${err.code ?? err.message})`)));
    server.once('listening', () => server.close(() => resolve()));
    if (a.kind === 'unix') server.listen(a.path);
    else server.listen(a.port, a.host);
  });
}

function checkUdpBind(host: string, port: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
    s.once('error', (err: NodeJS.ErrnoException) => {
      s.close();
      reject(new NetdevError(`${what}: cannot bind ${host}:${port} (${err.code ?? err.message})`));
    });
    s.bind(port, host, () => s.close(() => resolve()));
  });
}
