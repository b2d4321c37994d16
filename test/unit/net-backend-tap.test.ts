// The TAP backend in a private network namespace (root and /dev/net/tun needed; skipped with
// the reason printed otherwise): the test creates the namespace, a child process in it opens
// its own TAP interface through the native addon and exchanges ARP and UDP with the
// namespace's kernel (test/helpers/tap-peer.ts); the namespace, and with it the interface,
// is removed afterwards. Also: the clear errors of opening a TAP without the means to.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareNetdev } from '../../src/host/net/netdev-setup.js';

const ROOT = join(import.meta.dirname, '..', '..');
const why = process.getuid?.() !== 0 ? 'not root' : !existsSync('/dev/net/tun') ? 'no /dev/net/tun' : spawnSync('ip', ['-V']).error ? 'no ip (iproute2)' : null;
if (why) console.log(`net-backend-tap: skipped: ${why}`);

describe.skipIf(why !== null)('TAP backend', () => {
  it('exchanges ARP and UDP with the kernel of a private network namespace', () => {
    const ns = `hvmio-tap-${process.pid}`;
    execFileSync('ip', ['netns', 'add', ns]);
    try {
      const r = spawnSync('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', join(ROOT, 'test', 'helpers', 'tap-peer.ts')], {
        cwd: ROOT, encoding: 'utf8', timeout: 60_000,
      });
      expect(r.status, r.stderr).toBe(0);
      const result = JSON.parse(r.stdout.trim().split('\n').pop()!);
      expect(result).toEqual({ arpReply: true, toGuest: 'to the guest', fromGuest: 'from the guest' });
    } finally {
      execFileSync('ip', ['netns', 'del', ns]);
    }
  });

  it('an interface name that exists and is not a TAP is one clear error', async () => {
    await expect(prepareNetdev({ type: 'tap', id: 't0', ifname: 'lo' })).rejects.toThrow(/--netdev tap,id=t0: (lo exists and is not a TAP interface|cannot open TAP interface lo)/);
  });
});
