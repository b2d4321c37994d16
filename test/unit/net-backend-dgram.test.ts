// The dgram backend against a UDP peer written here: one frame per datagram both ways, the
// frame built from several SharedArrayBuffer segments arrives as one datagram, the peer's
// datagrams come in from any source address, and a local address in use is refused.

import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import type { TxOutcome } from '../../src/workers/net/backends/backend.js';
import { DgramBackend } from '../../src/workers/net/backends/dgram.js';
import { cut, FrameLog, patternFrame } from '../helpers/net-frames.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function udpPeer(): Promise<{ socket: Socket; port: number; got: Buffer[] }> {
  const socket = createSocket('udp4');
  const got: Buffer[] = [];
  socket.on('message', (m) => got.push(m));
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  cleanup.push(() => new Promise<void>((r) => socket.close(() => r())));
  return { socket, port: socket.address().port, got };
}

async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('DgramBackend', () => {
  it('exchanges frames with a UDP peer, one datagram per frame', async () => {
    const peer = await udpPeer();
    const local = await freeUdpPort();
    const log = new FrameLog();
    const b = await DgramBackend.open({ type: 'dgram', local: { host: '127.0.0.1', port: local }, remote: { host: '127.0.0.1', port: peer.port } }, log.events);
    cleanup.push(() => b.close());

    const ram = new Uint8Array(new SharedArrayBuffer(8192));
    const frames = [patternFrame(1514, 1), patternFrame(60, 2)];
    const outcomes: TxOutcome[] = [];
    let at = 0;
    for (const f of frames) {
      ram.set(f, at);
      expect(b.transmit(cut(ram.subarray(at, at + f.length), [6, 14, 40]), f.length, (o) => outcomes.push(o))).toBe(true);
      at += f.length;
    }
    await log.until(() => peer.got.length === 2 && outcomes.length === 2, 5000, 'datagrams');
    expect(outcomes).toEqual(['sent', 'sent']);
    expect(peer.got.map((g) => new Uint8Array(g))).toEqual(frames);

    // From the peer's own socket and from another one: QEMU's dgram takes both.
    peer.socket.send(patternFrame(300, 3), local, '127.0.0.1');
    const other = await udpPeer();
    other.socket.send(patternFrame(70, 4), local, '127.0.0.1');
    await log.until(() => log.frames.length === 2, 5000, 'inbound datagrams');
    expect(log.frames.sort((x, y) => x.length - y.length)).toEqual([patternFrame(70, 4), patternFrame(300, 3)]);
  });

  it('a local address already in use is a NetBackendError', async () => {
    const peer = await udpPeer();
    await expect(
      DgramBackend.open({ type: 'dgram', local: { host: '127.0.0.1', port: peer.port }, remote: { host: '127.0.0.1', port: 9 } }, new FrameLog().events),
    ).rejects.toThrow(/cannot bind 127\.0\.0\.1:\d+: EADDRINUSE/);
  });
});
