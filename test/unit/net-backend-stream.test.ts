// The stream backend against peers written here: QEMU's framing (4-byte big-endian length
// before each frame) both ways, frames split across reads at every position, client and
// server mode, a peer that stops reading (bounded queue, then "busy", then "writable" when it
// reads again), and frames handed over as views of a SharedArrayBuffer (guest RAM) intact.

import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_FRAME_BYTES, TX_QUEUE_FRAMES, type TxOutcome } from '../../src/workers/net/backends/backend.js';
import { StreamBackend } from '../../src/workers/net/backends/stream.js';
import { StreamFrameReader } from '../../src/workers/net/backends/stream-framing.js';
import { cut, FrameLog, patternFrame } from '../helpers/net-frames.js';

function framed(frames: Uint8Array[]): Uint8Array {
  const total = frames.reduce((n, f) => n + 4 + f.length, 0);
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  let at = 0;
  for (const f of frames) {
    dv.setUint32(at, f.length, false);
    out.set(f, at + 4);
    at += 4 + f.length;
  }
  return out;
}

/** Splits a framed byte stream back into frames (the test's own decoder). */
function unframe(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  while (at + 4 <= bytes.length) {
    const len = dv.getUint32(at, false);
    if (at + 4 + len > bytes.length) break;
    out.push(bytes.slice(at + 4, at + 4 + len));
    at += 4 + len;
  }
  return out;
}

describe('StreamFrameReader', () => {
  const frames = [patternFrame(60, 1), patternFrame(1514, 2), patternFrame(14, 3), patternFrame(9000, 4)];
  const stream = framed(frames);

  it('gives back every frame whatever the read boundaries', () => {
    for (const step of [1, 2, 3, 5, 7, 64, 1000, 4099, stream.length]) {
      const got: Uint8Array[] = [];
      const r = new StreamFrameReader({ frame: (f) => got.push(f.slice()), invalid: () => { throw new Error('invalid'); } });
      for (let i = 0; i < stream.length; i += step) r.push(stream.subarray(i, i + step));
      expect(got, `step ${step}`).toEqual(frames);
      expect(r.idle).toBe(true);
    }
  });

  it('hands out a frame that lies whole in one chunk as a view of that chunk', () => {
    const views: Uint8Array[] = [];
    const r = new StreamFrameReader({ frame: (f) => views.push(f), invalid: () => {} });
    r.push(stream);
    expect(views.every((v) => v.buffer === stream.buffer)).toBe(true);
  });

  it('skips a frame longer than MAX_FRAME_BYTES and a zero-length one, and stays in step', () => {
    const big = new Uint8Array(4 + MAX_FRAME_BYTES + 1);
    new DataView(big.buffer).setUint32(0, MAX_FRAME_BYTES + 1, false);
    const zero = new Uint8Array(4);
    const after = framed([patternFrame(100, 9)]);
    const all = new Uint8Array(big.length + zero.length + after.length);
    all.set(big, 0);
    all.set(zero, big.length);
    all.set(after, big.length + zero.length);
    const got: Uint8Array[] = [];
    const invalid: number[] = [];
    const r = new StreamFrameReader({ frame: (f) => got.push(f.slice()), invalid: (n) => invalid.push(n) });
    for (let i = 0; i < all.length; i += 777) r.push(all.subarray(i, i + 777));
    expect(invalid).toEqual([MAX_FRAME_BYTES + 1, 0]);
    expect(got).toEqual([patternFrame(100, 9)]);
  });
});

describe('StreamBackend', () => {
  let dir: string;
  let path: string;
  const cleanup: (() => Promise<void> | void)[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hvmio-stream-'));
    path = join(dir, 's');
  });
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A peer server: collects every byte, can pause reading, sends what the test asks. */
  async function peerServer(): Promise<{ server: Server; sockets: Socket[]; received: () => Uint8Array; connected: Promise<Socket> }> {
    const chunks: Buffer[] = [];
    const sockets: Socket[] = [];
    let resolveConn!: (s: Socket) => void;
    const connected = new Promise<Socket>((r) => (resolveConn = r));
    const server = createServer((s) => {
      sockets.push(s);
      s.on('data', (c: Buffer) => chunks.push(c));
      resolveConn(s);
    });
    await new Promise<void>((r) => server.listen(path, r));
    cleanup.push(() => new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }));
    return { server, sockets, received: () => new Uint8Array(Buffer.concat(chunks)), connected };
  }

  it('client: frames out as prefix + bytes, from SharedArrayBuffer segments, and frames in split at odd places', async () => {
    const peer = await peerServer();
    const log = new FrameLog();
    const b = await StreamBackend.open({ type: 'stream', address: { kind: 'unix', path }, server: false }, log.events);
    cleanup.push(() => b.close());
    const sock = await peer.connected;
    expect(b.connected).toBe(true);

    // Guest RAM is a SharedArrayBuffer: frames go out as views of it, several segments each.
    const ram = new Uint8Array(new SharedArrayBuffer(64 * 1024));
    const sent = [patternFrame(1514, 1), patternFrame(60, 2), patternFrame(4000, 3)];
    let at = 0;
    const outcomes: TxOutcome[] = [];
    for (const f of sent) {
      ram.set(f, at);
      const view = ram.subarray(at, at + f.length);
      expect(b.transmit(cut(view, [14, Math.min(34, f.length)]), f.length, (o) => outcomes.push(o))).toBe(true);
      at += f.length;
    }
    expect(outcomes).toEqual([]); // never inside transmit
    await log.until(() => outcomes.length === 3, 10_000, 'tx completions');
    expect(outcomes).toEqual(['sent', 'sent', 'sent']);
    await log.until(() => unframe(peer.received()).length === 3, 10_000, 'peer to get the frames');
    expect(unframe(peer.received())).toEqual(sent);

    // Peer → backend, written in pieces that cut prefixes and bodies.
    const inbound = [patternFrame(100, 4), patternFrame(1514, 5), patternFrame(60, 6)];
    const bytes = framed(inbound);
    for (const piece of cut(bytes, [2, 3, 50, 104, 107, 900, 1600])) {
      sock.write(piece);
      await new Promise((r) => setTimeout(r, 5));
    }
    await log.until(() => log.frames.length === 3, 10_000, 'inbound frames');
    expect(log.frames).toEqual(inbound);
  });

  it('client: an unreachable socket is a NetBackendError naming it', async () => {
    await expect(StreamBackend.open({ type: 'stream', address: { kind: 'unix', path }, server: false }, new FrameLog().events)).rejects.toThrow(
      new RegExp(`cannot connect to ${path}`),
    );
  });

  it('client with reconnect: waits for a peer that is not there yet, and comes back after it drops the connection', async () => {
    const log = new FrameLog();
    const b = await StreamBackend.open({ type: 'stream', address: { kind: 'unix', path }, server: false, reconnectMs: 50 }, log.events);
    cleanup.push(() => b.close());
    expect(b.connected).toBe(false);
    const lost: TxOutcome[] = [];
    b.transmit([patternFrame(60, 1)], 60, (o) => lost.push(o));
    await log.until(() => lost.length === 1);
    expect(lost).toEqual(['no-peer']);
    const peer = await peerServer();
    const first = await peer.connected;
    await log.until(() => b.connected, 5000, 'the first connection');
    first.destroy();
    await log.until(() => peer.sockets.length === 2 && b.connected, 5000, 'the second connection');
    const f = patternFrame(90, 2);
    b.transmit([f], f.length, () => {});
    await log.until(() => unframe(peer.received()).length === 1, 5000, 'a frame over the new connection');
    expect(unframe(peer.received())).toEqual([f]);
    expect(log.peers).toEqual([true, false, true]);
  });

  it('server: takes a client, exchanges frames, drops frames while nobody is connected, takes the next client', async () => {
    const log = new FrameLog();
    const b = await StreamBackend.open({ type: 'stream', address: { kind: 'unix', path }, server: true }, log.events);
    cleanup.push(() => b.close());
    const lost: TxOutcome[] = [];
    b.transmit([patternFrame(60, 1)], 60, (o) => lost.push(o));
    await log.until(() => lost.length === 1);
    expect(lost).toEqual(['no-peer']);

    for (const round of [1, 2]) {
      const client = connect({ path });
      await new Promise((r) => client.once('connect', r));
      const got: Buffer[] = [];
      client.on('data', (c: Buffer) => got.push(c));
      await log.until(() => b.connected, 5000, 'server to accept');
      const f = patternFrame(200 + round, round);
      b.transmit([f.subarray(0, 10), f.subarray(10)], f.length, () => {});
      await log.until(() => unframe(new Uint8Array(Buffer.concat(got))).length === 1, 5000, 'client to get a frame');
      expect(unframe(new Uint8Array(Buffer.concat(got)))).toEqual([f]);
      client.write(framed([patternFrame(300, round)]));
      await log.until(() => log.frames.length === round, 5000, 'server to get a frame');
      expect(log.frames[round - 1]).toEqual(patternFrame(300, round));
      client.destroy();
      await log.until(() => !b.connected, 5000, 'server to see the client go');
    }
    expect(log.peers).toEqual([true, false, true, false]);
  });

  it('a peer that does not read: the queue stops at its bound with "busy", and "writable" comes once it reads again', async () => {
    const peer = await peerServer();
    const log = new FrameLog();
    const b = await StreamBackend.open({ type: 'stream', address: { kind: 'unix', path }, server: false }, log.events);
    cleanup.push(() => b.close());
    const sock = await peer.connected;
    sock.pause();
    const frame = patternFrame(16 * 1024, 7);
    let accepted = 0;
    let done = 0;
    // Socket buffers take a few MiB before writes stay queued; keep offering until refused.
    for (let i = 0; i < 100_000; i++) {
      if (!b.transmit([frame], frame.length, () => done++)) break;
      accepted++;
      if (i % 64 === 63) await new Promise((r) => setTimeout(r, 1));
    }
    expect(accepted).toBeLessThan(100_000);
    expect(accepted - done).toBeLessThanOrEqual(TX_QUEUE_FRAMES);
    expect(log.writable).toBe(0);
    sock.resume();
    await log.until(() => log.writable === 1, 20_000, 'writable');
    await log.until(() => done === accepted, 20_000, 'every completion');
    await log.until(() => unframe(peer.received()).length === accepted, 20_000, 'peer to get everything');
    expect(unframe(peer.received()).every((f) => f.length === frame.length && f[100] === frame[100])).toBe(true);
  });
});
