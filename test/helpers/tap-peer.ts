// Child process of net-backend-tap.test.ts, run inside a private network namespace
// (`ip netns exec`). Plays a guest NIC on a TAP interface through the real backend, with the
// namespace's kernel stack as the peer: ARP both ways, a UDP datagram from a kernel socket to
// the "guest" (the kernel must first resolve the guest's address through the TAP), and one
// from the "guest" to a kernel socket. Prints one JSON line with what it saw.

import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { prepareNetdev } from '../../src/host/net/netdev-setup.js';
import { TapBackend } from '../../src/workers/net/backends/tap.js';
import { arpReplyOf, arpReplyTo, arpRequest, arpRequestOf, FrameLog, udpFrame, udpOf } from './net-frames.js';

const IFNAME = 'hvtap0';
const HOST_IP = '10.77.0.1';
const GUEST_IP = '10.77.0.2';
const GUEST_MAC = [0x52, 0x54, 0x00, 0x77, 0x00, 0x02];

const result: Record<string, unknown> = {};
const prepared = await prepareNetdev({ type: 'tap', id: 't0', ifname: IFNAME });
const { backend } = prepared.forWorker();
if (backend.type !== 'tap') throw new Error('not a tap');
const log = new FrameLog();
const tap = new TapBackend(backend, log.events);
execFileSync('ip', ['link', 'set', 'lo', 'up']);
execFileSync('ip', ['addr', 'add', `${HOST_IP}/24`, 'dev', IFNAME]);
execFileSync('ip', ['link', 'set', IFNAME, 'up']);

const send = (f: Uint8Array) => tap.transmit([f.subarray(0, 14), f.subarray(14)], f.length, () => {});

// 1. The guest asks for the host's MAC.
send(arpRequest(GUEST_MAC, GUEST_IP, HOST_IP));
await log.until(() => log.frames.some((f) => arpReplyOf(f)?.ip === HOST_IP), 5000, 'ARP reply from the kernel');
const hostMac = arpReplyOf(log.frames.find((f) => arpReplyOf(f)?.ip === HOST_IP)!)!.mac;
result.arpReply = true;

// 2. A kernel socket sends to the guest. The kernel may know the guest's MAC from its ARP
//    request already (Linux learns the sender of a request for its own address); if it asks,
//    the guest answers.
const sock = createSocket('udp4');
await new Promise<void>((r) => sock.bind(7001, HOST_IP, r));
const fromGuest: Buffer[] = [];
sock.on('message', (m) => fromGuest.push(m));
sock.send(Buffer.from('to the guest'), 7002, GUEST_IP);
let answered = false;
await log.until(() => {
  const ask = log.frames.find((f) => arpRequestOf(f)?.targetIp === GUEST_IP);
  if (ask && !answered) {
    answered = true;
    send(arpReplyTo(ask, GUEST_MAC, GUEST_IP));
  }
  return log.frames.some((f) => udpOf(f)?.dstPort === 7002);
}, 5000, 'UDP to the guest');
await log.until(() => log.frames.some((f) => udpOf(f)?.dstPort === 7002), 5000, 'UDP to the guest');
result.toGuest = Buffer.from(udpOf(log.frames.find((f) => udpOf(f)?.dstPort === 7002)!)!.payload).toString();

// 3. The guest sends to the kernel socket.
send(udpFrame({ dstMac: hostMac, srcMac: GUEST_MAC, srcIp: GUEST_IP, dstIp: HOST_IP, srcPort: 7002, dstPort: 7001, payload: Buffer.from('from the guest') }));
await log.until(() => fromGuest.length > 0, 5000, 'UDP from the guest');
result.fromGuest = fromGuest[0]!.toString();

sock.close();
await tap.close();
await prepared.close();
console.log(JSON.stringify(result));
process.exit(0);
