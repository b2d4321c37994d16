// `--netdev` and `--device e1000` parsing (QEMU's key names and our short forms), the e1000's
// PCI identity, and the command line's answer to bad network options: one line, exit 2,
// before any guest runs.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDeviceOptions } from '../../src/host/cli/device-options.js';
import { OptionError } from '../../src/host/cli/keyval.js';
import { parseNetdev, parseNetdevOptions } from '../../src/host/cli/netdev-options.js';
import { defaultMacFor, e1000Identity, prepareE1000 } from '../../src/host/devices/e1000.js';
import { validateIdentity } from '../../src/host/pci/pci-identity.js';
import { formatMac } from '../../src/workers/net/config.js';
import { lines, root, runHvmio, type CliRun } from '../helpers/guest-kit.js';

describe('--netdev', () => {
  it.each([
    ['stream,id=n0,path=/run/x.sock', { type: 'stream', id: 'n0', server: false, address: { kind: 'unix', path: '/run/x.sock' } }],
    ['stream,id=n0,addr.type=unix,addr.path=/run/x.sock,server=on', { type: 'stream', id: 'n0', server: true, address: { kind: 'unix', path: '/run/x.sock' } }],
    ['stream,id=n2,path=/run/q.sock,reconnect=1', { type: 'stream', id: 'n2', server: false, reconnectS: 1, address: { kind: 'unix', path: '/run/q.sock' } }],
    ['stream,id=n1,host=127.0.0.1,port=5555', { type: 'stream', id: 'n1', server: false, address: { kind: 'inet', host: '127.0.0.1', port: 5555 } }],
    ['stream,id=n1,addr.type=inet,addr.host=::1,addr.port=5555,server=off', { type: 'stream', id: 'n1', server: false, address: { kind: 'inet', host: '::1', port: 5555 } }],
    ['dgram,id=d,local=127.0.0.1:4001,remote=127.0.0.1:4002', { type: 'dgram', id: 'd', local: { host: '127.0.0.1', port: 4001 }, remote: { host: '127.0.0.1', port: 4002 } }],
    [
      'dgram,id=d,local.type=inet,local.host=127.0.0.1,local.port=4001,remote.type=inet,remote.host=127.0.0.1,remote.port=4002',
      { type: 'dgram', id: 'd', local: { host: '127.0.0.1', port: 4001 }, remote: { host: '127.0.0.1', port: 4002 } },
    ],
    ['dgram,id=d,local=[::1]:4001,remote=localhost:4002', { type: 'dgram', id: 'd', local: { host: '::1', port: 4001 }, remote: { host: '127.0.0.1', port: 4002 } }],
    ['user,id=u', { type: 'user', id: 'u' }],
    ['tap,id=t,ifname=tap0,script=no,downscript=no', { type: 'tap', id: 't', ifname: 'tap0' }],
    ['hub,id=h,hubid=3', { type: 'hub', id: 'h', hubid: 3 }],
    ['hubport,id=h,hubid=0', { type: 'hub', id: 'h', hubid: 0 }],
  ])('%s', (text, spec) => {
    expect(parseNetdev(text)).toEqual(spec);
  });

  it.each([
    ['socket,id=n0', /unknown type \(known: stream, dgram, user, tap, hub\)/],
    ['user', /needs id=NAME/],
    ['user,id=0abc', /must start with a letter/],
    ['user,id=u,net=10.0.0.0/8', /unknown key "net"/],
    ['stream,id=n0', /needs path=SOCKET or host=H,port=P/],
    ['stream,id=n0,path=/a,host=127.0.0.1', /path= excludes host= and port=/],
    ['stream,id=n0,host=127.0.0.1', /needs port=P/],
    ['stream,id=n0,host=example.org,port=1', /not an IPv4 or IPv6 address/],
    ['stream,id=n0,port=70000', /not a port number/],
    ['stream,id=n0,path=/a,server=maybe', /not on\/off/],
    ['stream,id=n0,path=/a,server=on,reconnect=1', /reconnect= is for a client/],
    ['stream,id=n0,path=/a,reconnect=soon', /not a number of seconds/],
    [`stream,id=n0,path=/${'x'.repeat(120)}`, /longer than a UNIX socket path/],
    ['dgram,id=d,local=127.0.0.1:1', /needs remote=HOST:PORT/],
    ['dgram,id=d,local=127.0.0.1,remote=127.0.0.1:2', /local "127.0.0.1" is not HOST:PORT/],
    ['dgram,id=d,local=127.0.0.1:1,remote=127.0.0.1:2,local.type=unix', /local.type "unix" is not supported/],
    ['tap,id=t', /needs ifname=NAME/],
    ['tap,id=t,ifname=much-too-long-name0', /is not an interface name/],
    ['tap,id=t,ifname=tap0,script=/etc/qemu-ifup', /only script=no/],
    ['hub,id=h', /needs hubid=N/],
    ['hub,id=h,hubid=-1', /not a whole number/],
  ])('%s is refused: %s', (text, message) => {
    expect(() => parseNetdev(text)).toThrow(OptionError);
    expect(() => parseNetdev(text)).toThrow(message);
  });

  it('refuses an id used twice', () => {
    expect(() => parseNetdevOptions(['user,id=a', 'hub,id=a,hubid=1'])).toThrow(/id "a" used twice/);
  });
});

describe('--device e1000', () => {
  const netdevs = parseNetdevOptions(['user,id=n0', 'hub,id=h1,hubid=1']);

  it('takes its netdev, a MAC and the link state', () => {
    const specs = parseDeviceOptions(['e1000,id=nic0,netdev=n0,mac=52:54:00:12:34:56', 'e1000,id=nic1,netdev=h1,link=off'], { ideMode: 'native' }, netdevs);
    expect(specs).toEqual([
      { kind: 'e1000', id: 'nic0', mac: [0x52, 0x54, 0x00, 0x12, 0x34, 0x56], netdev: netdevs.get('n0'), linkUp: true },
      { kind: 'e1000', id: 'nic1', mac: defaultMacFor('nic1'), netdev: netdevs.get('h1'), linkUp: false },
    ]);
  });

  it('derives a default MAC from the id: QEMU prefix, stable, different per id', () => {
    const a = formatMac(defaultMacFor('nic0'));
    expect(a).toMatch(/^52:54:00(:[0-9a-f]{2}){3}$/);
    expect(formatMac(defaultMacFor('nic0'))).toBe(a);
    expect(formatMac(defaultMacFor('nic1'))).not.toBe(a);
  });

  it.each([
    [['e1000,id=x'], /needs netdev=NAME/],
    [['e1000,id=x,netdev=zz'], /no --netdev with id "zz"/],
    [['e1000,id=x,netdev=n0', 'e1000,id=y,netdev=n0'], /netdev "n0" is already used by x/],
    [['e1000,id=x,netdev=n0,mac=01:00:5e:00:00:01'], /multicast/],
    [['e1000,id=x,netdev=n0,mac=52:54:00:12:34'], /not six hex bytes/],
    [['e1000,id=x,netdev=n0,speed=10'], /unknown key "speed"/],
    [['e1000,id=x,netdev=n0,link=sideways'], /not on\/off/],
  ])('%j is refused: %s', (values, message) => {
    const all = parseNetdevOptions(['user,id=n0']);
    expect(() => parseDeviceOptions(values, { ideMode: 'native' }, all)).toThrow(message);
  });

  it('refuses a netdev no NIC uses', () => {
    expect(() => parseDeviceOptions(['e1000,id=x,netdev=n0'], { ideMode: 'native' }, netdevs)).toThrow(/--netdev h1: no --device e1000,netdev=h1 uses it/);
  });

  it('has the 82540EM identity with the BARs the proxy forwards', () => {
    const id = e1000Identity();
    validateIdentity(id);
    expect([id.vendorId, id.deviceId, id.classCode, id.interruptPin]).toEqual([0x8086, 0x100e, 0x020000, 1]);
    expect(id.bars.slice(0, 2)).toEqual([{ kind: 'mem32', size: 128 * 1024 }, { kind: 'io', size: 64 }]);
    const p = prepareE1000({ kind: 'e1000', id: 'nic0', mac: [0x52, 0x54, 0, 1, 2, 3], netdev: { type: 'user', id: 'n0' }, linkUp: false });
    expect([...p.config.subarray(4, 10)]).toEqual([0x52, 0x54, 0, 1, 2, 3]);
    expect(p.config[12]).toBe(0);
  });
});

describe('hvmio with bad network options', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hvmio-cli-net-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function oneLineExit2(r: CliRun, message: RegExp): void {
    expect(r.code, r.stderr).toBe(2);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  }

  it('an unknown netdev type', async () => {
    oneLineExit2(await runHvmio(['sim', '--netdev', 'vde,id=n0', '--device', 'e1000,netdev=n0']), /^hvmio sim: --netdev vde: unknown type/);
  });

  it('an unreachable stream socket, before the simulated guest runs', async () => {
    const r = await runHvmio(['sim', '--size', '1', '--netdev', `stream,id=n0,path=${join(dir, 'nobody.sock')}`, '--device', 'e1000,id=nic0,netdev=n0']);
    oneLineExit2(r, /--netdev stream,id=n0: cannot connect to .*nobody\.sock \(ENOENT\)/);
    expect(r.stdout).not.toMatch(/PASS|write:/);
  });

  it('a dgram local address that is taken', async () => {
    const { createSocket } = await import('node:dgram');
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
    try {
      const r = await runHvmio(['sim', '--size', '1', '--netdev', `dgram,id=d,local=127.0.0.1:${s.address().port},remote=127.0.0.1:9`, '--device', 'e1000,netdev=d']);
      oneLineExit2(r, /--netdev dgram,id=d: cannot bind 127\.0\.0\.1:\d+ \(EADDRINUSE\)/);
    } finally {
      s.close();
    }
  });

  it('missing passt', async () => {
    const r = await new Promise<CliRun>((resolve, reject) => {
      const child = spawn(process.execPath, [join(root, 'bin', 'hvmio'), 'sim', '--size', '1', '--netdev', 'user,id=u', '--device', 'e1000,netdev=u'], {
        cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PATH: dir },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    });
    oneLineExit2(r, /--netdev user,id=u: passt is not installed/);
  });

  it('a TAP interface without permission or TUN support', async () => {
    // As root with /dev/net/tun the name "lo" still fails: it is not a TAP interface.
    const r = await runHvmio(['sim', '--size', '1', '--netdev', 'tap,id=t,ifname=lo', '--device', 'e1000,netdev=t']);
    oneLineExit2(r, /--netdev tap,id=t: (lo exists and is not a TAP interface|no permission|\/dev\/net\/tun does not exist|cannot open TAP)/);
  });
});
