// `--netdev stream`: QEMU's stream netdev (net/stream.c in QEMU 7.2) over a UNIX or TCP socket,
// as client (connect once at start) or server (server=on: listen, one peer at a time, the next
// one taken after the current one leaves, as QEMU's listener does). Interoperates with QEMU
// `-netdev stream` and with passt, which speaks the same framing on its UNIX socket.
//
// Transmit: the prefix and the guest's segments go to the socket as one writev (cork/uncork:
// the chunks of every frame queued in one event-loop turn end up in a single libuv write), so
// the guest's buffers are never copied; `done` runs from the write's callback, when libuv no
// longer holds them. Receive: reads land in one reused buffer (net.Socket's `onread`) and
// whole frames are handed out as views of it.

import { connect, createServer, type Server, type Socket } from 'node:net';
import type { StreamAddress, StreamBackendSpec } from '../backend-spec.js';
import { NetBackendError, TxQueueBound, type NetBackend, type NetBackendEvents, type TxOutcome } from './backend.js';
import { StreamFrameReader, streamLengthPrefix } from './stream-framing.js';

/** How long a client keeps trying a UNIX listener whose backlog is full. */
const BUSY_LISTENER_RETRY_MS = 3000;

class BusyListener extends Error {
  constructor(readonly error: NetBackendError) {
    super(error.message);
  }
}

/** Bytes one read may take: several full-size frames, so that most arrive whole. */
const READ_BUFFER_BYTES = 256 * 1024;

export function describeAddress(a: StreamAddress): string {
  return a.kind === 'unix' ? a.path : `${a.host}:${a.port}`;
}

export class StreamBackend implements NetBackend {
  private socket: Socket | null = null;
  private server: Server | null = null;
  private corked = false;
  private closed = false;
  private readonly bound: TxQueueBound;
  private readonly readBuffer = new Uint8Array(READ_BUFFER_BYTES);
  private retryTimer: NodeJS.Timeout | null = null;
  /** Set in reconnect mode: starts the next connection attempt. */
  private reconnect: (() => void) | null = null;
  /** Frames with an invalid length prefix (zero or above MAX_FRAME_BYTES). */
  invalidFrames = 0;

  private constructor(
    private readonly spec: StreamBackendSpec,
    private readonly events: NetBackendEvents,
  ) {
    this.bound = new TxQueueBound(() => events.writable());
  }

  /** Connects (client) or listens (server); a failure is a NetBackendError with the reason. */
  static async open(spec: StreamBackendSpec, events: NetBackendEvents): Promise<StreamBackend> {
    const b = new StreamBackend(spec, events);
    if (spec.server) await b.listen();
    else if (spec.reconnectMs) b.keepConnecting();
    else {
      // A UNIX listener with a full backlog answers EAGAIN: passt takes one peer at a time and
      // may still be closing the host's reachability probe (src/host/net/netdev-setup.ts).
      const until = Date.now() + BUSY_LISTENER_RETRY_MS;
      for (;;) {
        try {
          await b.connectOnce();
          break;
        } catch (err) {
          if (!(err instanceof BusyListener) || Date.now() > until) throw err instanceof BusyListener ? err.error : err;
          await new Promise((r) => setTimeout(r, 10));
        }
      }
    }
    return b;
  }

  get connected(): boolean {
    return this.socket !== null;
  }

  transmit(segments: readonly Uint8Array[], bytes: number, done: (outcome: TxOutcome) => void): boolean {
    const socket = this.socket;
    if (!socket) {
      queueMicrotask(() => done('no-peer'));
      return true;
    }
    if (!this.bound.take(bytes)) return false;
    if (!this.corked) {
      this.corked = true;
      socket.cork();
      process.nextTick(() => {
        this.corked = false;
        socket.uncork();
      });
    }
    socket.write(streamLengthPrefix(bytes));
    const last = segments.length - 1;
    const finish = (err?: Error | null) => {
      this.bound.release(bytes);
      done(err ? 'error' : 'sent');
    };
    if (last < 0) {
      socket.write(new Uint8Array(0), finish);
      return true;
    }
    for (let i = 0; i < last; i++) socket.write(segments[i]!);
    socket.write(segments[last]!, finish);
    return true;
  }

  /** reconnect=: connect now and whenever the connection fails or drops, every reconnectMs,
   *  until closed. Frames sent meanwhile are dropped as on an unplugged wire. */
  private keepConnecting(): void {
    const attempt = (): void => {
      if (this.closed) return;
      this.connectOnce().catch(() => {
        if (!this.closed) this.retryTimer = setTimeout(attempt, this.spec.reconnectMs);
      });
    };
    this.reconnect = attempt;
    attempt();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.socket?.destroy();
    this.socket = null;
    if (this.server) await new Promise<void>((r) => this.server!.close(() => r()));
  }

  private reader(): StreamFrameReader {
    return new StreamFrameReader({
      frame: (f) => this.events.receive(f),
      invalid: () => this.invalidFrames++,
    });
  }

  private connectOnce(): Promise<void> {
    const a = this.spec.address;
    const reader = this.reader();
    return new Promise((resolve, reject) => {
      const onread = {
        buffer: this.readBuffer,
        callback: (nread: number, buf: Uint8Array) => {
          reader.push(buf.subarray(0, nread));
          return true;
        },
      };
      const s = a.kind === 'unix' ? connect({ path: a.path, onread }) : connect({ host: a.host, port: a.port, onread, noDelay: true });
      const fail = (err: NodeJS.ErrnoException) => {
        const error = new NetBackendError(`cannot connect to ${describeAddress(a)}: ${err.code ?? err.message}`);
        reject(err.code === 'EAGAIN' ? new BusyListener(error) : error);
      };
      s.once('error', fail);
      s.once('connect', () => {
        s.off('error', fail);
        this.adopt(s);
        resolve();
      });
    });
  }

  private listen(): Promise<void> {
    const a = this.spec.address;
    return new Promise((resolve, reject) => {
      const server = createServer({ noDelay: true }, (s) => {
        if (this.socket || this.closed) {
          s.destroy(); // one peer at a time
          return;
        }
        const reader = this.reader();
        s.on('data', (chunk: Buffer) => reader.push(chunk));
        this.adopt(s);
      });
      server.once('error', (err: NodeJS.ErrnoException) => reject(new NetBackendError(`cannot listen on ${describeAddress(a)}: ${err.code ?? err.message}`)));
      server.once('listening', () => {
        this.server = server;
        resolve();
      });
      if (a.kind === 'unix') server.listen(a.path);
      else server.listen(a.port, a.host);
    });
  }

  private adopt(s: Socket): void {
    this.socket = s;
    s.on('error', () => {
      // 'close' follows; writes in flight complete with their error.
    });
    s.once('close', () => {
      if (this.socket === s) this.socket = null;
      if (this.closed) return;
      this.events.peer(false, `${describeAddress(this.spec.address)} closed the connection`);
      const again = this.reconnect;
      if (again) this.retryTimer = setTimeout(again, this.spec.reconnectMs);
    });
    this.events.peer(true);
  }
}
