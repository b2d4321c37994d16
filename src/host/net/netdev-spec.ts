// Network backends as a user names them (`--netdev TYPE,id=NAME,...`, QEMU's key names; parsed
// in src/host/cli/netdev-options.ts) before the host checks and opens them (netdev-setup.ts).

import type { StreamAddress } from '../../workers/net/backend-spec.js';

export interface InetAddress {
  host: string;
  port: number;
}

export type NetdevSpec =
  | { type: 'stream'; id: string; address: StreamAddress; server: boolean; reconnectS?: number }
  | { type: 'dgram'; id: string; local: InetAddress; remote: InetAddress }
  | { type: 'user'; id: string }
  | { type: 'tap'; id: string; ifname: string }
  | { type: 'hub'; id: string; hubid: number };

export type NetdevType = NetdevSpec['type'];
export const NETDEV_TYPES: readonly NetdevType[] = ['stream', 'dgram', 'user', 'tap', 'hub'];
