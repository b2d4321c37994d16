// `--netdev` options → NetdevSpec by id. QEMU's key names for the backends QEMU has too, plus
// the short forms our docs use:
//   --netdev stream,id=N,path=SOCKET[,server=on|off]        (QEMU: addr.type=unix,addr.path=)
//   --netdev stream,id=N,host=H,port=P[,server=on|off]      (QEMU: addr.type=inet,addr.host=,addr.port=)
//     a client may add reconnect=SECONDS (QEMU 8's key): keep trying to (re)connect, also at
//     start, instead of failing when the peer is not listening yet
//   --netdev dgram,id=N,local=H:P,remote=H:P                (QEMU: local.type=inet,local.host=,local.port=, remote.*)
//   --netdev user,id=N                                       (passt, started by us)
//   --netdev tap,id=N,ifname=NAME[,script=no][,downscript=no]
//   --netdev hub,id=N,hubid=K                                (QEMU's hubport; `hubport` is accepted too)

import { isIP } from 'node:net';
import type { InetAddress, NetdevSpec } from '../net/netdev-spec.js';
import { NETDEV_TYPES } from '../net/netdev-spec.js';
import { keyMap, OptionError, onOff, parseKeyval } from './keyval.js';

const STREAM_KEYS = ['id', 'path', 'host', 'port', 'server', 'reconnect', 'addr.type', 'addr.path', 'addr.host', 'addr.port'] as const;
const DGRAM_KEYS = ['id', 'local', 'remote', 'local.type', 'local.host', 'local.port', 'remote.type', 'remote.host', 'remote.port'] as const;
const USER_KEYS = ['id'] as const;
const TAP_KEYS = ['id', 'ifname', 'script', 'downscript'] as const;
const HUB_KEYS = ['id', 'hubid'] as const;
/** Linux IFNAMSIZ - 1. */
const MAX_IFNAME = 15;

export function parseNetdevOptions(values: readonly string[]): Map<string, NetdevSpec> {
  const out = new Map<string, NetdevSpec>();
  for (const text of values) {
    const spec = parseNetdev(text);
    if (out.has(spec.id)) throw new OptionError(`--netdev ${spec.type}: id "${spec.id}" used twice`);
    out.set(spec.id, spec);
  }
  return out;
}

export function parseNetdev(text: string): NetdevSpec {
  const opt = parseKeyval(text, '--netdev');
  const type = opt.driver === 'hubport' ? 'hub' : opt.driver;
  if (!(NETDEV_TYPES as readonly string[]).includes(type)) {
    throw new OptionError(`--netdev ${opt.driver}: unknown type (known: ${NETDEV_TYPES.join(', ')})`);
  }
  const keys = type === 'stream' ? STREAM_KEYS : type === 'dgram' ? DGRAM_KEYS : type === 'user' ? USER_KEYS : type === 'tap' ? TAP_KEYS : HUB_KEYS;
  const m = keyMap({ ...opt, driver: type }, keys, '--netdev');
  const id = m.get('id');
  if (!id) throw new OptionError(`--netdev ${type}: needs id=NAME`);
  if (!/^[A-Za-z][A-Za-z0-9_.-]*$/.test(id)) throw new OptionError(`--netdev ${type}: id "${id}" must start with a letter (letters, digits, _ . -)`);
  const what = `--netdev ${type},id=${id}`;
  switch (type) {
    case 'stream':
      return streamSpec(id, m, what);
    case 'dgram':
      return {
        type: 'dgram',
        id,
        local: inetEndpoint(m, 'local', what),
        remote: inetEndpoint(m, 'remote', what),
      };
    case 'user':
      return { type: 'user', id };
    case 'tap': {
      const ifname = m.get('ifname');
      if (!ifname) throw new OptionError(`${what}: needs ifname=NAME`);
      if (ifname.length > MAX_IFNAME || !/^[A-Za-z0-9_.-]+$/.test(ifname)) {
        throw new OptionError(`${what}: ifname "${ifname}" is not an interface name (at most ${MAX_IFNAME} of A-Z a-z 0-9 _ . -)`);
      }
      for (const k of ['script', 'downscript'] as const) {
        const v = m.get(k);
        if (v !== undefined && v !== 'no') throw new OptionError(`${what}: ${k}=${v}: hvmio runs no scripts (only ${k}=no); set the interface up yourself`);
      }
      return { type: 'tap', id, ifname };
    }
    default: {
      const h = m.get('hubid');
      if (h === undefined) throw new OptionError(`${what}: needs hubid=N`);
      if (!/^\d+$/.test(h) || Number(h) > 0xffff_ffff) throw new OptionError(`${what}: hubid "${h}" is not a whole number`);
      return { type: 'hub', id, hubid: Number(h) };
    }
  }
}

function streamSpec(id: string, m: Map<string, string>, what: string): NetdevSpec {
  const spec = streamAddressSpec(id, m, what);
  const r = m.get('reconnect');
  if (r === undefined || spec.type !== 'stream') return spec;
  if (spec.server) throw new OptionError(`${what}: reconnect= is for a client (server=off)`);
  if (!/^\d+$/.test(r) || Number(r) > 3600) throw new OptionError(`${what}: reconnect "${r}" is not a number of seconds (0-3600)`);
  return Number(r) > 0 ? { ...spec, reconnectS: Number(r) } : spec;
}

function streamAddressSpec(id: string, m: Map<string, string>, what: string): NetdevSpec {
  const server = m.has('server') ? onOff(m.get('server')!, `${what} server`) : false;
  const path = m.get('path') ?? m.get('addr.path');
  const host = m.get('host') ?? m.get('addr.host');
  const port = m.get('port') ?? m.get('addr.port');
  const addrType = m.get('addr.type');
  if (m.has('path') && m.has('addr.path')) throw new OptionError(`${what}: give path= or addr.path=, not both`);
  if ((m.has('host') && m.has('addr.host')) || (m.has('port') && m.has('addr.port'))) throw new OptionError(`${what}: give host=/port= or addr.host=/addr.port=, not both`);
  if (path !== undefined && (host !== undefined || port !== undefined)) throw new OptionError(`${what}: path= excludes host= and port=`);
  if (addrType !== undefined && addrType !== 'unix' && addrType !== 'inet') throw new OptionError(`${what}: addr.type "${addrType}" is not unix or inet`);
  if (path !== undefined) {
    if (addrType === 'inet') throw new OptionError(`${what}: addr.type=inet with a path`);
    if (!path) throw new OptionError(`${what}: path= is empty`);
    if (Buffer.byteLength(path) > 107) throw new OptionError(`${what}: path "${path}" is longer than a UNIX socket path may be (107 bytes)`);
    return { type: 'stream', id, server, address: { kind: 'unix', path } };
  }
  if (host === undefined && port === undefined) throw new OptionError(`${what}: needs path=SOCKET or host=H,port=P`);
  if (addrType === 'unix') throw new OptionError(`${what}: addr.type=unix needs addr.path=`);
  if (port === undefined) throw new OptionError(`${what}: needs port=P with host=`);
  return { type: 'stream', id, server, address: { kind: 'inet', host: checkHost(host ?? '127.0.0.1', what), port: checkPort(port, what, server) } };
}

/** `local=H:P` or QEMU's `local.type=inet,local.host=H,local.port=P` (same for remote). */
function inetEndpoint(m: Map<string, string>, side: 'local' | 'remote', what: string): InetAddress {
  const short = m.get(side);
  const type = m.get(`${side}.type`);
  const host = m.get(`${side}.host`);
  const port = m.get(`${side}.port`);
  if (type !== undefined && type !== 'inet') throw new OptionError(`${what}: ${side}.type "${type}" is not supported (only inet)`);
  if (short !== undefined) {
    if (host !== undefined || port !== undefined) throw new OptionError(`${what}: give ${side}=HOST:PORT or ${side}.host=/${side}.port=, not both`);
    const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(short);
    if (!match) throw new OptionError(`${what}: ${side} "${short}" is not HOST:PORT`);
    return { host: checkHost(match[1] ?? match[2] ?? '', what), port: checkPort(match[3]!, what, side === 'local') };
  }
  if (host === undefined || port === undefined) throw new OptionError(`${what}: needs ${side}=HOST:PORT`);
  return { host: checkHost(host, what), port: checkPort(port, what, side === 'local') };
}

/** Numeric addresses only: the backends bind and send without a resolver in between. */
function checkHost(host: string, what: string): string {
  if (host === 'localhost') return '127.0.0.1';
  if (isIP(host) === 0) throw new OptionError(`${what}: host "${host}" is not an IPv4 or IPv6 address`);
  return host;
}

function checkPort(text: string, what: string, zeroAllowed: boolean): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65535 || (n === 0 && !zeroAllowed)) throw new OptionError(`${what}: port "${text}" is not a port number (1-65535)`);
  return n;
}
