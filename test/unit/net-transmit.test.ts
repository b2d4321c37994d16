// e1000 core transmit path: legacy descriptors; context + data descriptors with IP and
// TCP/UDP checksum insertion; TSO segmentation (per-segment IP length/ID, TCP sequence and
// flags, checksums) checked against checksums computed here independently (RFC 1071); VLAN
// insertion; short-frame padding; zero copy (payload bytes are referenced in guest memory,
// only headers come from core memory); DD written back only after the backend completed the
// frame; back-pressure (NET_TX_BUSY, net_tx_ready) and resumption when slots free up.

import { describe, expect, it } from 'vitest';
import { CTRL, ICR, NetRig, REG, TCTL, TXD, TxRing } from '../helpers/net-harness.js';
import {
  ETH_LEN, IPV4_LEN, TCP_LEN, be16, be32, internetChecksum, ipv4ChecksumsValid, ipv6PseudoSum, onesComplementSum,
  payloadPattern, putBe16, tcpFrame, udpFrame,
} from '../helpers/inet-checksum.js';

const RING = 0x10000;
const DATA = 0x100000;

const TUCMD = { TCP: 1, IP: 2, TSE: 4, RS: 8, IDE: 0x80 } as const;
const POPTS = { IXSM: 1, TXSM: 2 } as const;

describe('e1000 transmit: legacy descriptors', () => {
  it('sends a frame gathered from several buffers, zero copy, and writes DD back after completion', async () => {
    const rig = await NetRig.create();
    const tx = new TxRing(rig, RING, 16);
    const frame = tcpFrame({ payload: payloadPattern(900) });
    rig.put(DATA, frame.subarray(0, 54));
    rig.put(DATA + 0x1000, frame.subarray(54, 500));
    rig.put(DATA + 0x3000, frame.subarray(500));
    tx.legacy(DATA, 54, TXD.IFCS);
    tx.legacy(DATA + 0x1000, 446, TXD.IFCS);
    const last = tx.legacy(DATA + 0x3000, frame.length - 500, TXD.EOP | TXD.IFCS | TXD.RS);
    rig.read(REG.ICR);
    rig.write(REG.IMS, ICR.TXDW);
    tx.kick();
    expect(rig.sent).toHaveLength(1);
    expect(rig.sent[0]!.bytes).toEqual(frame);
    // Zero copy: every SG entry is a guest buffer.
    expect(rig.sent[0]!.sg.map((e) => [e.addr, e.len, e.coreMemory])).toEqual([
      [DATA, 54, false], [DATA + 0x1000, 446, false], [DATA + 0x3000, frame.length - 500, false],
    ]);
    expect(rig.read(REG.TDH)).toBe(3);
    expect(tx.done(last)).toBe(false); // not before the backend took it
    expect(rig.irq).toBe(0);
    rig.completeTx();
    expect(tx.done(last)).toBe(true);
    expect(tx.done(0)).toBe(false); // no RS, no write-back
    expect(rig.irq).toBe(1);
    expect(rig.read(REG.ICR) & ICR.TXDW).toBe(ICR.TXDW);
    expect(rig.read(REG.GPTC)).toBe(1);
    expect(rig.read(REG.GOTCL)).toBe(frame.length + 4);
  });

  it('inserts a legacy checksum (CSS/CSO) and a VLAN tag (VLE with CTRL.VME)', async () => {
    const rig = await NetRig.create();
    const tx = new TxRing(rig, RING, 8);
    const frame = udpFrame(payloadPattern(300), 'offload');
    const udp = ETH_LEN + IPV4_LEN;
    rig.put(DATA, frame);
    tx.legacy(DATA, frame.length, TXD.EOP | TXD.IFCS | TXD.RS | TXD.IC | TXD.VLE, { css: udp, cso: udp + 6, special: 0x2064 });
    tx.kick();
    const plain = rig.sent[0]!.bytes;
    // Without CTRL.VME no tag; the checksum is the complemented sum from CSS to the end.
    expect(plain.length).toBe(frame.length);
    const expected = internetChecksum(frame.subarray(udp));
    expect(be16(plain, udp + 6)).toBe(expected);
    expect(ipv4ChecksumsValid(plain).l4).toBe(true);
    rig.completeTx();
    rig.write(REG.CTRL, rig.read(REG.CTRL) | CTRL.VME);
    tx.legacy(DATA, frame.length, TXD.EOP | TXD.IFCS | TXD.RS | TXD.VLE, { special: 0x2064 });
    tx.kick();
    const tagged = rig.sent[1]!.bytes;
    expect(tagged.length).toBe(frame.length + 4);
    expect([...tagged.subarray(12, 16)]).toEqual([0x81, 0x00, 0x20, 0x64]);
    expect(tagged.subarray(0, 12)).toEqual(frame.subarray(0, 12));
    expect(tagged.subarray(16)).toEqual(frame.subarray(12));
    // The tag lives in a header copy; the rest is still the guest buffer.
    expect(rig.sent[1]!.sg[0]!.coreMemory).toBe(true);
    expect(rig.sent[1]!.sg.slice(1).every((e) => !e.coreMemory)).toBe(true);
  });

  it('pads short frames to 60 bytes with TCTL.PSP, and not without', async () => {
    const rig = await NetRig.create();
    const tx = new TxRing(rig, RING, 8, TCTL.EN | TCTL.PSP);
    const short = payloadPattern(42);
    rig.put(DATA, short);
    tx.legacy(DATA, 42, TXD.EOP | TXD.RS);
    tx.kick();
    expect(rig.sent[0]!.bytes.length).toBe(60);
    expect(rig.sent[0]!.bytes.subarray(0, 42)).toEqual(short);
    expect(rig.sent[0]!.bytes.subarray(42).every((b) => b === 0)).toBe(true);
    rig.write(REG.TCTL, TCTL.EN);
    tx.legacy(DATA, 42, TXD.EOP | TXD.RS);
    tx.kick();
    expect(rig.sent[1]!.bytes.length).toBe(42);
  });
});

describe('e1000 transmit: checksum offload with context descriptors', () => {
  it('inserts IP and TCP checksums as Linux e1000_tx_csum asks (TXSM, IXSM)', async () => {
    const rig = await NetRig.create();
    const tx = new TxRing(rig, RING, 16);
    const frame = tcpFrame({ payload: payloadPattern(1400, 7), checksums: 'offload' });
    const ip = ETH_LEN;
    const tcp = ip + IPV4_LEN;
    rig.put(DATA, frame.subarray(0, 100));
    rig.put(DATA + 0x2001, frame.subarray(100)); // odd address and split inside the payload
    tx.context({ ipcss: ip, ipcso: ip + 10, ipcse: tcp - 1, tucss: tcp, tucso: tcp + 16, tucse: 0, tucmd: TUCMD.TCP | TUCMD.IP });
    tx.data(DATA, 100, TXD.IFCS, POPTS.TXSM | POPTS.IXSM);
    tx.data(DATA + 0x2001, frame.length - 100, TXD.EOP | TXD.IFCS | TXD.RS);
    tx.kick();
    const out = rig.sent[0]!.bytes;
    expect(out.length).toBe(frame.length);
    expect(ipv4ChecksumsValid(out)).toEqual({ ip: true, l4: true });
    expect(out.subarray(tcp + TCP_LEN)).toEqual(frame.subarray(tcp + TCP_LEN));
    // The payload is not copied: only the first bytes (up to the TCP checksum) are.
    const sg = rig.sent[0]!.sg;
    expect(sg[0]!.coreMemory).toBe(true);
    expect(sg[0]!.len).toBe(tcp + 18);
    expect(sg.slice(1).every((e) => !e.coreMemory)).toBe(true);
    // The guest's buffer is untouched.
    expect(rig.ram.subarray(DATA, DATA + 100)).toEqual(frame.subarray(0, 100));
  });

  it('UDP checksum 0 goes out as 0xFFFF; TUCSE bounds the summed range', async () => {
    const rig = await NetRig.create();
    const tx = new TxRing(rig, RING, 16);
    const frame = udpFrame(payloadPattern(200, 3), 'offload');
    const udp = ETH_LEN + IPV4_LEN;
    rig.put(DATA, frame);
    tx.context({ tucss: udp, tucso: udp + 6, tucse: 0, tucmd: 0 });
    tx.data(DATA, frame.length, TXD.EOP | TXD.RS, POPTS.TXSM);
    tx.kick();
    expect(ipv4ChecksumsValid(rig.sent[0]!.bytes).l4).toBe(true);
    // TUCSE = end of the UDP header only
    tx.context({ tucss: udp, tucso: udp + 6, tucse: udp + 7, tucmd: 0 });
    tx.data(DATA, frame.length, TXD.EOP | TXD.RS, POPTS.TXSM);
    tx.kick();
    const expected = internetChecksum(frame.subarray(udp, udp + 8));
    expect(be16(rig.sent[1]!.bytes, udp + 6)).toBe(expected === 0 ? 0xffff : expected);
  });
});

describe('e1000 transmit: TCP segmentation offload', () => {
  async function tso(payloadLength: number, mss: number, options: { vlan?: boolean; fin?: boolean } = {}) {
    const rig = await NetRig.create();
    const tx = new TxRing(rig, RING, 64);
    const payload = payloadPattern(payloadLength, 11);
    const frame = tcpFrame({ payload, seq: 0xfffff000, flags: options.fin ? 0x19 : 0x18, ipId: 0xfffe, checksums: 'tso' });
    const ip = ETH_LEN;
    const tcp = ip + IPV4_LEN;
    const hdr = tcp + TCP_LEN;
    rig.put(DATA, frame.subarray(0, hdr));
    // Payload in 4 KiB pieces like the driver's fragments, at scattered addresses.
    const pieces: [number, number][] = [];
    for (let off = hdr, i = 0; off < frame.length; off += 4096, i++) {
      const len = Math.min(4096, frame.length - off);
      const addr = DATA + 0x10000 + i * 0x1800 + (i % 3);
      rig.put(addr, frame.subarray(off, off + len));
      pieces.push([addr, len]);
    }
    if (options.vlan) rig.write(REG.CTRL, rig.read(REG.CTRL) | CTRL.VME);
    tx.context({
      ipcss: ip, ipcso: ip + 10, ipcse: tcp - 1, tucss: tcp, tucso: tcp + 16, tucse: 0,
      tucmd: TUCMD.TCP | TUCMD.IP | TUCMD.TSE, paylen: payloadLength, hdrlen: hdr, mss,
    });
    const vle = options.vlan ? TXD.VLE : 0;
    tx.data(DATA, hdr, TXD.TSE | TXD.IFCS, POPTS.TXSM | POPTS.IXSM);
    pieces.forEach(([addr, len], i) => {
      const lastPiece = i === pieces.length - 1;
      tx.data(addr, len, TXD.TSE | TXD.IFCS | (lastPiece ? TXD.EOP | TXD.RS | vle : 0), 0, options.vlan ? 0x0123 : 0);
    });
    tx.kick();
    return { rig, tx, frame, payload, hdr };
  }

  it('cuts the payload into MSS segments with correct headers and independently verified checksums', async () => {
    const payloadLength = 20000;
    const mss = 1448;
    const { rig, payload, hdr } = await tso(payloadLength, mss);
    const segments = Math.ceil(payloadLength / mss);
    expect(rig.sent).toHaveLength(segments);
    const tcp = ETH_LEN + IPV4_LEN;
    let joined = new Uint8Array(0);
    rig.sent.forEach((s, i) => {
      const f = s.bytes;
      const len = Math.min(mss, payloadLength - i * mss);
      expect(f.length).toBe(hdr + len);
      expect(be16(f, ETH_LEN + 2)).toBe(IPV4_LEN + TCP_LEN + len); // IP total length
      expect(be16(f, ETH_LEN + 4)).toBe((0xfffe + i) & 0xffff); // IP ID increments (wraps)
      expect(be32(f, tcp + 4)).toBe((0xfffff000 + i * mss) >>> 0); // sequence (wraps)
      const last = i === segments - 1;
      expect(f[tcp + 13]! & 0x08).toBe(last ? 0x08 : 0); // PSH only on the last
      expect(f[tcp + 13]! & 0x10).toBe(0x10); // ACK on all
      expect(ipv4ChecksumsValid(f)).toEqual({ ip: true, l4: true });
      // Header from core memory, payload straight from the guest buffers.
      expect(s.sg[0]!.coreMemory).toBe(true);
      expect(s.sg[0]!.len).toBe(hdr);
      expect(s.sg.slice(1).every((e) => !e.coreMemory)).toBe(true);
      const merged = new Uint8Array(joined.length + len);
      merged.set(joined);
      merged.set(f.subarray(hdr), joined.length);
      joined = merged;
    });
    expect(joined).toEqual(payload);
    expect(rig.read(REG.TSCTC)).toBe(1);
    expect(rig.read(REG.GPTC)).toBe(segments);
  });

  it('FIN only on the last segment; a payload that is an exact multiple of MSS', async () => {
    const { rig } = await tso(3 * 1000, 1000, { fin: true });
    expect(rig.sent).toHaveLength(3);
    const tcp = ETH_LEN + IPV4_LEN;
    expect(rig.sent.map((s) => s.bytes[tcp + 13]! & 0x09)).toEqual([0, 0, 0x09]);
    for (const s of rig.sent) expect(ipv4ChecksumsValid(s.bytes)).toEqual({ ip: true, l4: true });
  });

  it('inserts the VLAN tag into every segment', async () => {
    const { rig, hdr } = await tso(5000, 1460, { vlan: true });
    expect(rig.sent).toHaveLength(4);
    for (const s of rig.sent) {
      const f = s.bytes;
      expect([...f.subarray(12, 16)]).toEqual([0x81, 0x00, 0x01, 0x23]);
      const untagged = new Uint8Array(f.length - 4);
      untagged.set(f.subarray(0, 12));
      untagged.set(f.subarray(16), 12);
      expect(ipv4ChecksumsValid(untagged)).toEqual({ ip: true, l4: true });
      expect(s.sg[0]!.len).toBe(hdr + 4);
    }
  });

  it('writes DD back only when every segment has completed', async () => {
    const { rig, tx } = await tso(10000, 1000);
    expect(rig.sent).toHaveLength(10);
    const eop = 3; // context, header, 3 payload pieces: EOP is descriptor 4
    rig.completeTx(9);
    expect(tx.done(eop + 1)).toBe(false);
    rig.completeTx(1);
    expect(tx.done(eop + 1)).toBe(true);
  });
});

describe('e1000 transmit: back-pressure', () => {
  it('stops on NET_TX_BUSY and resumes in net_tx_ready without losing or repeating a frame', async () => {
    const rig = await NetRig.create();
    const tx = new TxRing(rig, RING, 32);
    for (let i = 0; i < 10; i++) {
      rig.put(DATA + i * 0x800, tcpFrame({ payload: payloadPattern(100 + i, i) }));
      tx.legacy(DATA + i * 0x800, ETH_LEN + IPV4_LEN + TCP_LEN + 100 + i, TXD.EOP | TXD.IFCS | TXD.RS);
    }
    rig.busyAnswers = 1000;
    tx.kick();
    expect(rig.sent).toHaveLength(0);
    const calls = rig.transmitCalls;
    expect(calls).toBe(1); // stopped at the first refusal
    expect(rig.read(REG.TDH)).toBe(0);
    rig.busyAnswers = 0;
    rig.core.net_tx_ready();
    expect(rig.sent).toHaveLength(10);
    expect(rig.sent.map((s) => s.bytes.length)).toEqual([...Array(10).keys()].map((i) => 154 + i));
    expect(rig.read(REG.TDH)).toBe(10);
    // A second refusal in the middle.
    for (let i = 0; i < 4; i++) tx.legacy(DATA, 154, TXD.EOP | TXD.RS);
    rig.completeTx();
    rig.busyAnswers = 0;
    tx.kick();
    expect(rig.sent).toHaveLength(14);
  });

  it('resumes when in-flight slots complete after every slot was taken', async () => {
    const rig = await NetRig.create();
    const tx = new TxRing(rig, RING, 256);
    for (let i = 0; i < 200; i++) tx.legacy(DATA, 60, TXD.EOP | TXD.RS);
    tx.kick();
    const first = rig.sent.length;
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(200); // the core holds a bounded number of frames in flight
    let rounds = 0;
    while (rig.inFlight.length > 0 && rounds++ < 100) rig.completeTx();
    expect(rig.sent).toHaveLength(200);
    expect(rig.read(REG.TDH)).toBe(200);
    for (let i = 0; i < 200; i++) expect(tx.done(i)).toBe(true);
  });

  it('raises TXQE when the ring runs empty', async () => {
    const rig = await NetRig.create();
    const tx = new TxRing(rig, RING, 8);
    rig.read(REG.ICR);
    tx.legacy(DATA, 60, TXD.EOP);
    tx.kick();
    expect(rig.read(REG.ICR) & ICR.TXQE).toBe(ICR.TXQE);
  });
});

describe('e1000 transmit statistics', () => {
  it('counts broadcast and multicast frames (BPTC, MPTC) and octets with the FCS', async () => {
    const rig = await NetRig.create();
    const tx = new TxRing(rig, RING, 16);
    const frame = (dst: number[]) => {
      const f = payloadPattern(100);
      f.set(dst, 0);
      return f;
    };
    rig.put(DATA, frame([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
    rig.put(DATA + 0x100, frame([0x01, 0x00, 0x5e, 0, 0, 1]));
    rig.put(DATA + 0x200, frame([0x02, 0, 0, 0, 0, 1]));
    tx.legacy(DATA, 100, TXD.EOP);
    tx.legacy(DATA + 0x100, 100, TXD.EOP);
    tx.legacy(DATA + 0x200, 100, TXD.EOP);
    tx.kick();
    expect(rig.read(REG.GPTC)).toBe(3);
    expect(rig.read(REG.BPTC)).toBe(1);
    expect(rig.read(REG.MPTC)).toBe(1);
    expect(rig.read(REG.TOTL)).toBe(3 * 104);
  });
});

describe('e1000 transmit: IPv6', () => {
  it('inserts a UDP-over-IPv6 checksum from a context with IP clear (Linux NETIF_F_HW_CSUM)', async () => {
    const rig = await NetRig.create();
    const tx = new TxRing(rig, RING, 8);
    const payload = payloadPattern(333, 5);
    const src = new Uint8Array(16).fill(0x11);
    const dst = new Uint8Array(16).fill(0x22);
    const f = new Uint8Array(ETH_LEN + 40 + 8 + payload.length);
    f.set([0x33, 0x33, 0, 0, 0, 1, 0x52, 0x54, 0, 0x12, 0x34, 0x56, 0x86, 0xdd]);
    const ip = ETH_LEN;
    f[ip] = 0x60;
    putBe16(f, ip + 4, 8 + payload.length);
    f[ip + 6] = 17;
    f[ip + 7] = 64;
    f.set(src, ip + 8);
    f.set(dst, ip + 24);
    const udp = ip + 40;
    putBe16(f, udp, 1000);
    putBe16(f, udp + 2, 2000);
    putBe16(f, udp + 4, 8 + payload.length);
    f.set(payload, udp + 8);
    // The stack leaves the pseudo-header sum (with length) in the field.
    putBe16(f, udp + 6, ipv6PseudoSum(src, dst, 17, 8 + payload.length));
    rig.put(DATA, f);
    tx.context({ tucss: udp, tucso: udp + 6, tucmd: 0 });
    tx.data(DATA, f.length, TXD.EOP | TXD.RS, POPTS.TXSM);
    tx.kick();
    const out = rig.sent[0]!.bytes;
    const check = onesComplementSum(out.subarray(udp), ipv6PseudoSum(src, dst, 17, 8 + payload.length));
    expect(check).toBe(0xffff);
    expect(be16(out, udp + 6)).not.toBe(be16(f, udp + 6));
  });
});
