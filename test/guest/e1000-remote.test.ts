// A real, unmodified Linux guest (Debian 6.1 kernel, e1000 driver) drives our e1000 through
// QEMU 7.2's multi-process proxy. Its wire is a dgram netdev to QEMU's own in-process e1000 in
// the same guest, which the guest script puts in its own network namespace, so every packet
// crosses both NICs (guest/scripts/e1000-pair.sh). One boot: driver and identity, link, ping,
// 64 MiB TCP each way with md5, then the host pulls and plugs the cable through
// `hvmio remote --monitor` (set_link) and the guest sees carrier go and come back.

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explain, root, runGuestWithRemote, scratch, type GuestRun } from '../helpers/guest-kit.js';
import { freeUdpPorts, monitorCommand } from '../helpers/net-guest.js';
import type { NetStats } from '../../src/workers/net/net-stats.js';
import { expandGuestScript } from '../../src/host/run/guest-script.js';

describe('real Linux guest, e1000, through x-pci-proxy-dev, wired to QEMU\'s e1000', () => {
  let run: GuestRun;
  let dir: string;
  const monitorReplies: string[] = [];
  let netInfo: Record<string, NetStats> | null = null;

  beforeAll(async () => {
    dir = scratch('e1000-guest-');
    const monitor = join(dir, 'monitor.sock');
    const [ours, theirs] = await freeUdpPorts(2);
    const pending: Promise<void>[] = [];
    run = await runGuestWithRemote({
      script: expandGuestScript(join(root, 'guest', 'scripts', 'e1000-pair.sh')),
      devid: 'nic0',
      proxyArgs: [
        '-netdev', `dgram,id=q1,local.type=inet,local.host=127.0.0.1,local.port=${theirs},remote.type=inet,remote.host=127.0.0.1,remote.port=${ours}`,
        '-device', 'e1000,netdev=q1,mac=52:54:00:00:00:02',
      ],
      remoteArgs: [
        '--monitor', monitor,
        '--netdev', `dgram,id=n0,local=127.0.0.1:${ours},remote=127.0.0.1:${theirs}`,
        '--device', 'e1000,id=nic0,netdev=n0,mac=52:54:00:00:00:01',
      ],
      timeoutS: 400,
      onLine: (line) => {
        const say = async (cmd: string) => {
          monitorReplies.push(`${cmd} -> ${await monitorCommand(monitor, cmd)}`);
        };
        if (line.startsWith('LINK-TEST ready')) {
          pending.push((async () => {
            netInfo = JSON.parse(await monitorCommand(monitor, 'info network')) as Record<string, NetStats>;
            await say('set_link nic0 off');
          })());
        }
        if (line.startsWith('LINK-TEST down')) pending.push(say('set_link nic0 on'));
      },
    });
    await Promise.allSettled(pending);
  }, 480_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each(['driver', 'link', 'ping', 'tcp-out', 'tcp-in', 'link-down', 'no-ping-while-down', 'link-up-again', 'ping-after-link'])(
    'guest check %s passes',
    (name) => {
      const c = run.checks.get(name);
      expect(c, explain(run)).toBeDefined();
      expect(c!.pass, `${name}: ${c!.detail}\n${explain(run)}`).toBe(true);
    },
  );

  it('the guest ran to the end and the MAC is the one on the command line', () => {
    expect(run.rc, explain(run)).toBe(0);
    expect(run.values.get('mac')).toBe('52:54:00:00:00:01');
  });

  it('the link changes went through the monitor', () => {
    expect(monitorReplies).toEqual(['set_link nic0 off -> OK', 'set_link nic0 on -> OK']);
  });

  it('the worker counted both 64 MiB transfers, and the monitor saw the traffic while the guest ran', () => {
    const stats = run.remoteStats as unknown as { net: NetStats; restarts: number } | null;
    expect(stats, explain(run)).not.toBeNull();
    expect(stats!.restarts).toBe(0);
    expect(stats!.net.bytesOut).toBeGreaterThan(64 * 1024 * 1024);
    expect(stats!.net.bytesIn).toBeGreaterThan(64 * 1024 * 1024);
    expect(stats!.net.txDrops.fault + stats!.net.rxDrops.fault).toBe(0);
    expect(netInfo?.nic0?.framesIn ?? 0).toBeGreaterThan(1000);
    expect(netInfo?.nic0?.linkUp).toBe(true);
    expect(stats!.net.linkUp).toBe(true);
  });
});
