// Our e1000 (through QEMU's proxy) on QEMU's stream netdev: QEMU's own e1000 in the same guest
// listens (-netdev stream,server=on on a UNIX socket), ours connects with reconnect=1, since
// the kit starts our remote before the QEMU that listens. 16 MiB of TCP each way with md5 and
// a ping (guest/scripts/bench-net.sh), so QEMU's framing and ours agree in both directions.

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explain, root, runGuestWithRemote, scratch, type GuestRun } from '../helpers/guest-kit.js';
import type { NetStats } from '../../src/workers/net/net-stats.js';
import { expandGuestScript } from '../../src/host/run/guest-script.js';

describe('real Linux guest, e1000 on a stream netdev to QEMU\'s e1000', () => {
  let run: GuestRun;
  let dir: string;
  let result: RegExpExecArray | null;

  beforeAll(async () => {
    dir = scratch('e1000-stream-');
    const sock = join(dir, 'wire.sock');
    run = await runGuestWithRemote({
      script: expandGuestScript(join(root, 'guest', 'scripts', 'bench-net.sh')).replaceAll('@MIB@', '16'),
      devid: 'nic0',
      proxyArgs: ['-netdev', `stream,id=q1,server=on,addr.type=unix,addr.path=${sock}`, '-device', 'e1000,netdev=q1,mac=52:54:00:00:00:02'],
      remoteArgs: ['--netdev', `stream,id=n0,path=${sock},reconnect=1`, '--device', 'e1000,id=nic0,netdev=n0,mac=52:54:00:00:00:01'],
      env: { GUEST_APPEND: 'guest_modules=qemu_fw_cfg,e1000' },
      timeoutS: 300,
    });
    result = /NETBENCH tx_ns=(\d+) tx_ok=(\d) rx_ns=(\d+) rx_ok=(\d) ping_ms=(\S+)/.exec(run.console);
  }, 400_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('16 MiB each way arrive intact and pings are answered', () => {
    expect(result, explain(run)).not.toBeNull();
    expect([result![2], result![4]], explain(run)).toEqual(['1', '1']);
    expect(Number(result![5]), explain(run)).toBeGreaterThan(0);
  });

  it('the worker moved the bytes over the stream', () => {
    const stats = run.remoteStats as unknown as { net: NetStats } | null;
    expect(stats, explain(run)).not.toBeNull();
    expect(stats!.net.bytesOut).toBeGreaterThan(16 * 1024 * 1024);
    expect(stats!.net.bytesIn).toBeGreaterThan(16 * 1024 * 1024);
    expect(stats!.net.rxDrops.oversize + stats!.net.rxDrops.fault).toBe(0);
  });
});
