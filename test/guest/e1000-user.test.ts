// `--netdev user` in a real guest: `hvmio remote` starts passt, our e1000 (through QEMU's
// proxy) gets a DHCP lease from it and pings the gateway, which passt answers for the host.
// QEMU, the remote and passt run in a private network namespace shaped like a host with one
// uplink (a TAP interface as the template passt copies addresses from, a default route) and
// with ping sockets allowed (net.ipv4.ping_group_range is per namespace): passt sends the
// guest's echo requests on from ping sockets, and the namespace itself holds the gateway's
// address so that they are answered. The machine's own network and settings stay as they are.

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { passtAvailable } from '../../src/host/net/passt.js';
import { explain, root, runGuestWithRemote, type GuestRun } from '../helpers/guest-kit.js';
import { Netns, netnsUnavailable } from '../helpers/netns.js';
import type { NetStats } from '../../src/workers/net/net-stats.js';
import { expandGuestScript } from '../../src/host/run/guest-script.js';

const why = netnsUnavailable() ?? (passtAvailable() ? null : 'passt is not installed (scripts/ensure-packages.sh)');
if (why) console.log(`e1000-user: skipped: ${why}`);

describe.skipIf(why !== null)('real Linux guest, e1000 on --netdev user (passt)', () => {
  let run: GuestRun;
  let ns: Netns;

  beforeAll(async () => {
    ns = new Netns('user');
    ns.sh('ip tuntap add dev uplink0 mode tap && ip addr add 192.0.2.2/24 dev uplink0 && ip link set uplink0 up && ' +
      'ip route add default via 192.0.2.1 dev uplink0 onlink && ip addr add 192.0.2.1/32 dev lo && ' +
      'sysctl -q -w net.ipv4.ping_group_range="0 2147483647"');
    run = await runGuestWithRemote({
      script: expandGuestScript(join(root, 'guest', 'scripts', 'e1000-user.sh')),
      devid: 'nic0',
      remoteArgs: ['--netdev', 'user,id=n0', '--device', 'e1000,id=nic0,netdev=n0'],
      wrapper: ns.wrapper,
      timeoutS: 300,
    });
  }, 400_000);

  afterAll(() => ns?.remove());

  it.each(['link', 'dhcp', 'ping-gateway'])('guest check %s passes', (name) => {
    const c = run.checks.get(name);
    expect(c, explain(run)).toBeDefined();
    expect(c!.pass, `${name}: ${c!.detail}\n${explain(run)}`).toBe(true);
  });

  it('the lease is the namespace uplink\'s address, the gateway its route (passt copies them)', () => {
    expect(run.values.get('ip')).toBe('192.0.2.2');
    expect(run.values.get('router')).toBe('192.0.2.1');
  });

  it('frames went both ways', () => {
    const stats = run.remoteStats as unknown as { net: NetStats } | null;
    expect(stats, explain(run)).not.toBeNull();
    // At least: DHCP offer and ack, an ARP reply, the echo replies.
    expect(stats!.net.framesIn).toBeGreaterThanOrEqual(6);
    expect(stats!.net.framesOut).toBeGreaterThanOrEqual(6);
  });
});
