// `--netdev dgram,local=HOST:PORT,remote=HOST:PORT`: QEMU's UDP datagram netdev (net/dgram.c,
// QEMU 7.2): one Ethernet frame per datagram, no header, sent to `remote`, received on `local`
// from anyone. Transmit hands the guest's segments to sendmsg as an iovec (Node's dgram send
// with a list of buffers), so they are not copied; `done` runs once the kernel has them.

import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { DgramBackendSpec } from '../backend-spec.js';
import { MAX_FRAME_BYTES, NetBackendError, TxQueueBound, type NetBackend, type NetBackendEvents, type TxOutcome } from './backend.js';

/** Largest UDP payload over IPv4. */
const MAX_DATAGRAM_BYTES = 65507;
/** Socket buffers asked for (the kernel caps them at net.core.[rw]mem_max): a burst of
 *  full-size frames from the peer should not overflow the receive queue at once. */
const SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

export class DgramBackend implements NetBackend {
  private readonly bound: TxQueueBound;
  private closed = false;
  readonly connected = true;

  private constructor(
    private readonly spec: DgramBackendSpec,
    private readonly socket: Socket,
    events: NetBackendEvents,
  ) {
    this.bound = new TxQueueBound(() => events.writable());
    socket.on('message', (msg) => {
      if (msg.length <= MAX_FRAME_BYTES) events.receive(msg);
    });
  }

  static async open(spec: DgramBackendSpec, events: NetBackendEvents): Promise<DgramBackend> {
    const socket = createSocket({ type: isIPv6(spec.local.host) ? 'udp6' : 'udp4' });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', (err: NodeJS.ErrnoException) => {
        socket.close();
        reject(new NetBackendError(`cannot bind ${spec.local.host}:${spec.local.port}: ${err.code ?? err.message}`));
      });
      socket.bind(spec.local.port, spec.local.host, () => resolve());
    });
    for (const set of [() => socket.setRecvBufferSize(SOCKET_BUFFER_BYTES), () => socket.setSendBufferSize(SOCKET_BUFFER_BYTES)]) {
      try {
        set();
      } catch {
        // The kernel's default then; only bursts suffer.
      }
    }
    const b = new DgramBackend(spec, socket, events);
    socket.on('error', () => {
      // ICMP port unreachable and the like: the datagram is lost, as on a real wire.
    });
    return b;
  }

  transmit(segments: readonly Uint8Array[], bytes: number, done: (outcome: TxOutcome) => void): boolean {
    if (this.closed) {
      queueMicrotask(() => done('no-peer'));
      return true;
    }
    if (bytes > MAX_DATAGRAM_BYTES) {
      queueMicrotask(() => done('error'));
      return true;
    }
    if (!this.bound.take(bytes)) return false;
    this.socket.send(segments as Uint8Array[], this.spec.remote.port, this.spec.remote.host, (err) => {
      this.bound.release(bytes);
      done(err ? 'error' : 'sent');
    });
    return true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((r) => this.socket.close(() => r()));
  }
}
