// `--netdev tap` in a real guest: our e1000 (through QEMU's proxy) on a TAP interface in a
// private network namespace the test creates (the interface with it; root and /dev/net/tun
// needed, skipped with the reason printed otherwise). The namespace's host side, 10.88.0.1,
// pings the guest and exchanges 16 MiB with it each way over TCP, md5 compared on both ends.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explain, root, runGuestWithRemote, type GuestRun } from '../helpers/guest-kit.js';
import { Netns, netnsUnavailable } from '../helpers/netns.js';
import type { NetStats } from '../../src/workers/net/net-stats.js';

const why = netnsUnavailable();
if (why) console.log(`e1000-tap: skipped: ${why}`);
const BYTES = 16 * 1024 * 1024;

/** Runs a program in the namespace; resolves with its exit code and output. */
function inNs(ns: Netns, args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const c = spawn(ns.wrapper[0]!, [...ns.wrapper.slice(1), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    c.on('close', (code) => resolve({ code, out, err }));
  });
}

describe.skipIf(why !== null)('real Linux guest, e1000 on --netdev tap', () => {
  let run: GuestRun;
  let ns: Netns;
  let ping: { code: number | null; out: string; err: string } | null = null;
  let hostReceived = '';
  let hostSent = '';

  beforeAll(async () => {
    ns = new Netns('tap');
    // A persistent TAP that the remote attaches to; its host side is set up before the guest runs.
    ns.sh('ip tuntap add dev hvtap0 mode tap && ip addr add 10.88.0.1/24 dev hvtap0 && ip link set hvtap0 up');
    const peer = join(root, 'test', 'helpers', 'tcp-peer.mjs');
    const host: Promise<unknown>[] = [];
    run = await runGuestWithRemote({
      script: readFileSync(join(root, 'guest', 'scripts', 'e1000-tap.sh'), 'utf8'),
      devid: 'nic0',
      remoteArgs: ['--netdev', 'tap,id=n0,ifname=hvtap0', '--device', 'e1000,id=nic0,netdev=n0,mac=52:54:00:88:00:02'],
      wrapper: ns.wrapper,
      timeoutS: 300,
      onLine: (line) => {
        if (!line.startsWith('TAP-TEST ready')) return;
        host.push((async () => {
          ping = await inNs(ns, ['ping', '-c', '3', '-W', '3', '10.88.0.2']);
          const receiving = inNs(ns, [process.execPath, peer, 'receive', '10.88.0.1', '5004']).then((r) => (hostReceived = r.out.trim()));
          const sending = inNs(ns, [process.execPath, peer, 'send', '10.88.0.2', '5003', String(BYTES)]).then((r) => (hostSent = r.out.trim()));
          await Promise.all([receiving, sending]);
        })());
      },
    });
    await Promise.allSettled(host);
  }, 400_000);

  afterAll(() => ns?.remove());

  it.each(['link', 'send-to-host'])('guest check %s passes', (name) => {
    const c = run.checks.get(name);
    expect(c, explain(run)).toBeDefined();
    expect(c!.pass, `${name}: ${c!.detail}\n${explain(run)}`).toBe(true);
  });

  it('the host pings the guest', () => {
    expect(ping, explain(run)).not.toBeNull();
    expect(ping!.code, `${ping!.out}${ping!.err}`).toBe(0);
    expect(ping!.out).toMatch(/3 packets transmitted, 3 received/);
  });

  it('16 MiB host -> guest and guest -> host arrive intact', () => {
    expect(hostSent, explain(run)).toMatch(/^[0-9a-f]{32}$/);
    expect(run.values.get('received_md5'), explain(run)).toBe(hostSent);
    expect(run.values.get('sent_md5'), explain(run)).toMatch(/^[0-9a-f]{32}$/);
    expect(hostReceived, explain(run)).toBe(run.values.get('sent_md5'));
  });

  it('the worker counted the traffic', () => {
    const stats = run.remoteStats as unknown as { net: NetStats } | null;
    expect(stats, explain(run)).not.toBeNull();
    expect(stats!.net.bytesIn).toBeGreaterThan(BYTES);
    expect(stats!.net.bytesOut).toBeGreaterThan(BYTES);
  });
});
