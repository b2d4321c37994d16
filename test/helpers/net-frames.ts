// Ethernet frames for the network backend tests, built here byte by byte so that what a peer
// answers can be checked against what the test computed itself.

/** A frame of `len` bytes: broadcast destination, source 52:54:00:00:00:xx, ethertype 0x88b5
 *  (IEEE local experimental), then a pattern derived from `seed`. */
export function patternFrame(len: number, seed: number): Uint8Array {
  const f = new Uint8Array(len);
  f.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0x00, 0x00, 0x00, seed & 0xff, 0x88, 0xb5].slice(0, len));
  for (let i = 14; i < len; i++) f[i] = (i * 31 + seed * 7) & 0xff;
  return f;
}

export function parseIp4(text: string): number[] {
  return text.split('.').map(Number);
}

/** An ARP request (RFC 826) from `mac`/`senderIp` asking who has `targetIp`. */
export function arpRequest(mac: readonly number[], senderIp: string, targetIp: string): Uint8Array {
  const f = new Uint8Array(42);
  f.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 0);
  f.set(mac, 6);
  f.set([0x08, 0x06], 12);
  f.set([0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01], 14); // Ethernet, IPv4, request
  f.set(mac, 22);
  f.set(parseIp4(senderIp), 28);
  f.set([0, 0, 0, 0, 0, 0], 32);
  f.set(parseIp4(targetIp), 38);
  return f;
}

/** If `f` is an ARP reply, the sender's MAC and IP (what the asker learns). */
export function arpReplyOf(f: Uint8Array): { mac: number[]; ip: string; targetIp: string } | null {
  if (f.length < 42 || f[12] !== 0x08 || f[13] !== 0x06 || f[20] !== 0 || f[21] !== 2) return null;
  return { mac: [...f.subarray(22, 28)], ip: [...f.subarray(28, 32)].join('.'), targetIp: [...f.subarray(38, 42)].join('.') };
}

/** If `f` is an ARP request, who asks for which address. */
export function arpRequestOf(f: Uint8Array): { senderIp: string; targetIp: string } | null {
  if (f.length < 42 || f[12] !== 0x08 || f[13] !== 0x06 || f[20] !== 0 || f[21] !== 1) return null;
  return { senderIp: [...f.subarray(28, 32)].join('.'), targetIp: [...f.subarray(38, 42)].join('.') };
}

/** Splits `bytes` into segments at the given cut points (views, no copies). */
export function cut(bytes: Uint8Array, at: readonly number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const c of [...at, bytes.length]) {
    out.push(bytes.subarray(prev, c));
    prev = c;
  }
  return out;
}

/** Collects what a backend hands out (copies: the backend's views are valid only during the call). */
export class FrameLog {
  readonly frames: Uint8Array[] = [];
  writable = 0;
  peers: boolean[] = [];
  private waiters: (() => void)[] = [];

  readonly events = {
    receive: (f: Uint8Array) => {
      this.frames.push(new Uint8Array(f)); // a copy (Buffer#slice would be a view)
      for (const w of this.waiters.splice(0)) w();
    },
    writable: () => {
      this.writable++;
      for (const w of this.waiters.splice(0)) w();
    },
    peer: (c: boolean) => {
      this.peers.push(c);
      for (const w of this.waiters.splice(0)) w();
    },
  };

  /** Resolves once `cond` holds (re-checked on each event), or rejects after `ms`. */
  async until(cond: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
    const end = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }
}

/** An ARP reply from `mac`/`ip` to the asker of `request`. */
export function arpReplyTo(request: Uint8Array, mac: readonly number[], ip: string): Uint8Array {
  const f = new Uint8Array(42);
  f.set(request.subarray(6, 12), 0);
  f.set(mac, 6);
  f.set([0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x02], 12);
  f.set(mac, 22);
  f.set(parseIp4(ip), 28);
  f.set(request.subarray(22, 32), 32); // the asker's MAC and IP
  return f;
}

/** RFC 1071 Internet checksum of `bytes`. */
export function inetChecksum(bytes: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i + 1 < bytes.length; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if (bytes.length & 1) sum += bytes[bytes.length - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** An IPv4/UDP frame (UDP checksum 0: none, allowed over IPv4 by RFC 768). */
export function udpFrame(o: {
  dstMac: readonly number[]; srcMac: readonly number[]; srcIp: string; dstIp: string; srcPort: number; dstPort: number; payload: Uint8Array;
}): Uint8Array {
  const ipLen = 20 + 8 + o.payload.length;
  const f = new Uint8Array(14 + ipLen);
  f.set(o.dstMac, 0);
  f.set(o.srcMac, 6);
  f.set([0x08, 0x00], 12);
  const ip = f.subarray(14, 34);
  ip.set([0x45, 0, ipLen >> 8, ipLen & 0xff, 0, 1, 0x40, 0, 64, 17, 0, 0]);
  ip.set(parseIp4(o.srcIp), 12);
  ip.set(parseIp4(o.dstIp), 16);
  const c = inetChecksum(ip);
  ip[10] = c >> 8;
  ip[11] = c & 0xff;
  const udp = f.subarray(34);
  udp.set([o.srcPort >> 8, o.srcPort & 0xff, o.dstPort >> 8, o.dstPort & 0xff, (8 + o.payload.length) >> 8, (8 + o.payload.length) & 0xff, 0, 0]);
  udp.set(o.payload, 8);
  return f;
}

/** If `f` is IPv4/UDP, its addresses, ports and payload. */
export function udpOf(f: Uint8Array): { srcIp: string; dstIp: string; dstPort: number; payload: Uint8Array } | null {
  if (f.length < 42 || f[12] !== 0x08 || f[13] !== 0x00 || (f[14]! >> 4) !== 4 || f[23] !== 17) return null;
  const ihl = (f[14]! & 0xf) * 4;
  const udp = 14 + ihl;
  const len = (f[udp + 4]! << 8) | f[udp + 5]!;
  return {
    srcIp: [...f.subarray(26, 30)].join('.'),
    dstIp: [...f.subarray(30, 34)].join('.'),
    dstPort: (f[udp + 2]! << 8) | f[udp + 3]!,
    payload: f.slice(udp + 8, udp + len),
  };
}
