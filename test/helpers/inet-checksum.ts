// Independent reference for the e1000 tests: the Internet checksum of RFC 1071 and builders
// for the Ethernet/IPv4/IPv6/TCP/UDP frames a driver would hand to the NIC, written from
// the RFCs (791, 793, 768, 8200), not from the core under test.

/** RFC 1071: one's-complement sum of big-endian 16-bit words (odd byte padded with zero),
 *  folded, not complemented. */
export function onesComplementSum(data: Uint8Array, initial = 0): number {
  let sum = initial;
  for (let i = 0; i + 1 < data.length; i += 2) sum += (data[i]! << 8) | data[i + 1]!;
  if (data.length % 2 === 1) sum += data[data.length - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/** The checksum field value: complement of the sum. */
export function internetChecksum(data: Uint8Array, initial = 0): number {
  return ~onesComplementSum(data, initial) & 0xffff;
}

export function be16(b: Uint8Array, at: number): number {
  return (b[at]! << 8) | b[at + 1]!;
}
export function be32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}
export function putBe16(b: Uint8Array, at: number, v: number): void {
  b[at] = (v >> 8) & 0xff;
  b[at + 1] = v & 0xff;
}
export function putBe32(b: Uint8Array, at: number, v: number): void {
  b[at] = (v >>> 24) & 0xff;
  b[at + 1] = (v >>> 16) & 0xff;
  b[at + 2] = (v >>> 8) & 0xff;
  b[at + 3] = v & 0xff;
}

/** Pseudo-header sum (RFC 793 / 768) for IPv4, with `length` the L4 length. */
export function ipv4PseudoSum(src: Uint8Array, dst: Uint8Array, protocol: number, length: number): number {
  const p = new Uint8Array(12);
  p.set(src, 0);
  p.set(dst, 4);
  p[9] = protocol;
  putBe16(p, 10, length);
  return onesComplementSum(p);
}

/** RFC 8200 section 8.1 pseudo-header for IPv6. */
export function ipv6PseudoSum(src: Uint8Array, dst: Uint8Array, protocol: number, length: number): number {
  const p = new Uint8Array(40);
  p.set(src, 0);
  p.set(dst, 16);
  putBe32(p, 32, length);
  p[39] = protocol;
  return onesComplementSum(p);
}

export const MAC_A = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56] as const;
export const MAC_B = [0x52, 0x54, 0x00, 0xab, 0xcd, 0xef] as const;
export const IP_A = new Uint8Array([10, 0, 2, 15]);
export const IP_B = new Uint8Array([10, 0, 2, 2]);

export function payloadPattern(length: number, seed = 1): Uint8Array {
  const p = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    p[i] = x >>> 24;
  }
  return p;
}

export interface TcpFrameOptions {
  dst?: readonly number[];
  src?: readonly number[];
  payload: Uint8Array;
  seq?: number;
  flags?: number;
  ipId?: number;
  /** Fill the checksums as a finished frame (true) or leave them as the driver does for
   *  offload: IP checksum 0, TCP checksum = pseudo-header sum (with or without length). */
  checksums?: 'complete' | 'offload' | 'tso';
}

export const ETH_LEN = 14;
export const IPV4_LEN = 20;
export const TCP_LEN = 20;
export const UDP_LEN = 8;

/** Ethernet + IPv4 + TCP (no options). */
export function tcpFrame(o: TcpFrameOptions): Uint8Array {
  const f = new Uint8Array(ETH_LEN + IPV4_LEN + TCP_LEN + o.payload.length);
  f.set(o.dst ?? MAC_B, 0);
  f.set(o.src ?? MAC_A, 6);
  putBe16(f, 12, 0x0800);
  const ip = ETH_LEN;
  f[ip] = 0x45;
  putBe16(f, ip + 2, IPV4_LEN + TCP_LEN + o.payload.length);
  putBe16(f, ip + 4, o.ipId ?? 0x1234);
  putBe16(f, ip + 6, 0x4000);
  f[ip + 8] = 64;
  f[ip + 9] = 6;
  f.set(IP_A, ip + 12);
  f.set(IP_B, ip + 16);
  const tcp = ip + IPV4_LEN;
  putBe16(f, tcp, 40000);
  putBe16(f, tcp + 2, 5001);
  putBe32(f, tcp + 4, o.seq ?? 0x10000000);
  putBe32(f, tcp + 8, 0x20000000);
  f[tcp + 12] = 5 << 4;
  f[tcp + 13] = o.flags ?? 0x18; // PSH|ACK
  putBe16(f, tcp + 14, 65535);
  f.set(o.payload, tcp + TCP_LEN);
  const l4len = TCP_LEN + o.payload.length;
  const mode = o.checksums ?? 'complete';
  if (mode === 'complete') {
    putBe16(f, ip + 10, internetChecksum(f.subarray(ip, ip + IPV4_LEN)));
    putBe16(f, tcp + 16, internetChecksum(f.subarray(tcp), ipv4PseudoSum(IP_A, IP_B, 6, l4len)));
  } else if (mode === 'offload') {
    putBe16(f, tcp + 16, ipv4PseudoSum(IP_A, IP_B, 6, l4len));
  } else {
    putBe16(f, tcp + 16, ipv4PseudoSum(IP_A, IP_B, 6, 0));
  }
  return f;
}

/** Ethernet + IPv4 + UDP. */
export function udpFrame(payload: Uint8Array, checksums: 'complete' | 'offload' = 'complete'): Uint8Array {
  const f = new Uint8Array(ETH_LEN + IPV4_LEN + UDP_LEN + payload.length);
  f.set(MAC_B, 0);
  f.set(MAC_A, 6);
  putBe16(f, 12, 0x0800);
  const ip = ETH_LEN;
  f[ip] = 0x45;
  putBe16(f, ip + 2, IPV4_LEN + UDP_LEN + payload.length);
  f[ip + 8] = 64;
  f[ip + 9] = 17;
  f.set(IP_A, ip + 12);
  f.set(IP_B, ip + 16);
  const udp = ip + IPV4_LEN;
  putBe16(f, udp, 5353);
  putBe16(f, udp + 2, 53);
  putBe16(f, udp + 4, UDP_LEN + payload.length);
  f.set(payload, udp + UDP_LEN);
  const l4len = UDP_LEN + payload.length;
  if (checksums === 'complete') {
    putBe16(f, ip + 10, internetChecksum(f.subarray(ip, ip + IPV4_LEN)));
    putBe16(f, udp + 6, internetChecksum(f.subarray(udp), ipv4PseudoSum(IP_A, IP_B, 17, l4len)) || 0xffff);
  } else {
    putBe16(f, udp + 6, ipv4PseudoSum(IP_A, IP_B, 17, l4len));
  }
  return f;
}

/** Verifies an Ethernet/IPv4/TCP-or-UDP frame's checksums independently. */
export function ipv4ChecksumsValid(f: Uint8Array): { ip: boolean; l4: boolean } {
  const ip = ETH_LEN;
  const ihl = (f[ip]! & 0xf) * 4;
  const total = be16(f, ip + 2);
  const protocol = f[ip + 9]!;
  const ipOk = onesComplementSum(f.subarray(ip, ip + ihl)) === 0xffff;
  const l4 = f.subarray(ip + ihl, ip + total);
  const pseudo = ipv4PseudoSum(f.subarray(ip + 12, ip + 16), f.subarray(ip + 16, ip + 20), protocol, l4.length);
  return { ip: ipOk, l4: onesComplementSum(l4, pseudo) === 0xffff };
}
