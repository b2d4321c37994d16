// `--netdev user`: passt started on a private socket, a frame exchanged with it through the
// stream backend (an ARP request for an address on passt's side, which passt answers itself,
// as it does for every address but the guest's own), and passt stopped with its socket
// directory gone. Skips, saying why, where passt is not installed (scripts/ensure-packages.sh).

import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { passtAvailable, PasstProcess } from '../../src/host/net/passt.js';
import { prepareNetdev } from '../../src/host/net/netdev-setup.js';
import { StreamBackend } from '../../src/workers/net/backends/stream.js';
import { arpReplyOf, arpRequest, FrameLog } from '../helpers/net-frames.js';

const available = passtAvailable();
if (!available) console.log('net-backend-passt: skipped: passt is not installed (run scripts/ensure-packages.sh as root)');

describe.skipIf(!available)('passt (user networking)', () => {
  it('starts, answers an ARP request through the stream backend, and stops', async () => {
    const passt = await PasstProcess.start('n0');
    const pid = passt.pid!;
    try {
      expect(passt.running).toBe(true);
      const log = new FrameLog();
      const b = await StreamBackend.open({ type: 'stream', address: { kind: 'unix', path: passt.socketPath }, server: false }, log.events);
      const mac = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56];
      // Repeat: passt may still be settling right after accepting.
      for (let i = 0; i < 20 && !log.frames.some((f) => arpReplyOf(f)); i++) {
        const req = arpRequest(mac, '0.0.0.0', '198.51.100.7');
        b.transmit([req], req.length, () => {});
        await log.until(() => log.frames.some((f) => arpReplyOf(f) !== null), 500, 'ARP reply').catch(() => {});
      }
      const reply = log.frames.map(arpReplyOf).find((r) => r !== null);
      expect(reply, 'passt answered the ARP request').toBeDefined();
      expect(reply!.ip).toBe('198.51.100.7');
      expect(reply!.mac).toHaveLength(6);
      await b.close();
    } finally {
      await passt.stop();
    }
    expect(passt.running).toBe(false);
    expect(existsSync(passt.socketPath)).toBe(false);
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it('prepareNetdev(user) hands the worker a stream on passt\'s socket and stops passt on close', async () => {
    const p = await prepareNetdev({ type: 'user', id: 'u0' });
    const { backend } = p.forWorker();
    expect(backend.type).toBe('stream');
    if (backend.type !== 'stream' || backend.address.kind !== 'unix') throw new Error('not a unix stream');
    expect(existsSync(backend.address.path)).toBe(true);
    await p.close();
    expect(existsSync(backend.address.path)).toBe(false);
  });
});
