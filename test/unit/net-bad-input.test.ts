// e1000 core against the guest inputs behind QEMU e1000's CVEs: receive rings with RDLEN 0,
// RDH or RDT past the end, or outside RAM; transmit rings whose TDT never meets TDH, chains
// without EOP (short and ring-long), zero-length, undersized and oversized frames, TSO with
// header lengths larger than the packet or MSS 0, descriptors and buffers outside RAM. Each
// call returns (bounded work), nothing traps, nothing touches memory it should not, the bad
// frame is dropped the way the hardware would, and a good frame afterwards still works.

import { describe, expect, it } from 'vitest';
import { NetRig, RCTL, REG, TXD, TxRing, rxDescriptor, setupReceive } from '../helpers/net-harness.js';
import { NET_RX_NO_BUFFER } from '../../src/workers/common/core-abi.js';
import { ETH_LEN, IPV4_LEN, TCP_LEN, payloadPattern, tcpFrame } from '../helpers/inet-checksum.js';

const RING = 0x10000;
const BUFFERS = 0x40000;
const DATA = 0x100000;
const OWN = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56];
const TUCMD = { TCP: 1, IP: 2, TSE: 4 } as const;

function frame(len = 100): Uint8Array {
  const f = payloadPattern(len);
  f.set(OWN, 0);
  return f;
}

describe('e1000 bad receive rings', () => {
  it('RDLEN 0, RDH or RDT past the ring, and a ring outside RAM: dropped and counted, no write', async () => {
    const rig = await NetRig.create();
    setupReceive(rig, { ring: RING, count: 8, buffers: BUFFERS });
    const snapshot = rig.ram.slice();
    rig.write(REG.RDLEN, 0);
    expect(rig.deliver(frame())).toBe(NET_RX_NO_BUFFER);
    rig.write(REG.RDLEN, 8 * 16);
    rig.write(REG.RDH, 8);
    expect(rig.deliver(frame())).toBe(NET_RX_NO_BUFFER);
    rig.write(REG.RDH, 0xffff);
    expect(rig.deliver(frame())).toBe(NET_RX_NO_BUFFER);
    rig.write(REG.RDH, 0);
    rig.write(REG.RDT, 9);
    expect(rig.deliver(frame())).toBe(NET_RX_NO_BUFFER);
    rig.write(REG.RDT, 7);
    rig.write(REG.RDBAL, 0xfff00000);
    expect(rig.deliver(frame())).toBe(NET_RX_NO_BUFFER);
    rig.write(REG.RDBAH, 0xffffffff);
    rig.write(REG.RDBAL, 0xfffffff0);
    rig.write(REG.RDLEN, 0xfff80); // the largest ring, wrapping the address space
    rig.write(REG.RDT, 0xfff7);
    expect(rig.deliver(frame())).toBe(NET_RX_NO_BUFFER);
    expect(rig.read(REG.MPC)).toBe(6);
    expect(Buffer.from(rig.ram).equals(Buffer.from(snapshot))).toBe(true);
    // Back to a good configuration: works.
    rig.write(REG.RDBAH, 0);
    rig.write(REG.RDBAL, RING);
    rig.write(REG.RDLEN, 8 * 16);
    rig.write(REG.RDH, 0);
    rig.write(REG.RDT, 7);
    expect(rig.deliver(frame())).toBe(1);
    expect(rxDescriptor(rig, RING, 0).status & 1).toBe(1);
  });

  it('descriptor buffers at the top of the address space or outside RAM never fault the core', async () => {
    const rig = await NetRig.create();
    setupReceive(rig, { ring: RING, count: 8, buffers: BUFFERS, rctl: RCTL.EN | RCTL.SECRC | RCTL.LPE | (3 << 16) });
    const view = new DataView(rig.ram.buffer);
    view.setBigUint64(RING, 0xffffffffffffff00n, true);
    view.setBigUint64(RING + 16, 0xffffffffffffffffn, true);
    expect(rig.deliver(frame(400))).toBe(2);
    expect(rxDescriptor(rig, RING, 1).errors & 0x80).toBe(0x80);
    expect(rig.read(REG.RDH)).toBe(2);
  });

  it('a frame between begin and end survives ring reconfiguration: the end is ignored', async () => {
    const rig = await NetRig.create();
    setupReceive(rig, { ring: RING, count: 8, buffers: BUFFERS });
    const header = rig.core.net_rx_header_ptr();
    new Uint8Array(rig.core.memory.buffer).set(frame(), header);
    expect(rig.core.net_rx_begin(100)).toBe(1);
    rig.write(REG.RDLEN, 0);
    rig.core.net_rx_end(100, 0);
    expect(rxDescriptor(rig, RING, 0).status).toBe(0);
    rig.core.net_rx_end(100, 0); // a stray end: ignored
  });
});

describe('e1000 bad transmit rings', () => {
  it('TDT or TDH past the ring: nothing is walked', async () => {
    const rig = await NetRig.create();
    const tx = new TxRing(rig, RING, 8);
    for (let i = 0; i < 8; i++) tx.legacy(DATA, 60, TXD.EOP | TXD.RS);
    rig.write(REG.TDT, 9);
    rig.write(REG.TDT, 0xffff);
    expect(rig.sent).toHaveLength(0);
    rig.write(REG.TDT, 0);
    rig.write(REG.TDH, 12);
    rig.write(REG.TDT, 3);
    expect(rig.sent).toHaveLength(0);
    rig.write(REG.TDH, 0);
    rig.write(REG.TDT, 3);
    expect(rig.sent).toHaveLength(3);
  });

  it('a chain without EOP waits for the rest; a ring-long chain without EOP is dropped in bounded pieces', async () => {
    const rig = await NetRig.create();
    const tx = new TxRing(rig, RING, 1024);
    tx.legacy(DATA, 30, 0);
    tx.legacy(DATA + 30, 30, TXD.RS);
    tx.kick();
    expect(rig.sent).toHaveLength(0);
    expect(rig.read(REG.TDH)).toBe(0);
    tx.legacy(DATA + 60, 40, TXD.EOP | TXD.RS);
    tx.kick();
    expect(rig.sent).toHaveLength(1);
    expect(rig.sent[0]!.bytes.length).toBe(100);
    rig.completeTx();
    // 1000 descriptors, no EOP anywhere (every one asks for status).
    for (let i = 0; i < 1000; i++) tx.legacy(DATA, 64, TXD.RS);
    tx.kick();
    expect(rig.sent).toHaveLength(1);
    // Whole chains of MAX_CHAIN descriptors were dropped and written back; the tail end
    // (shorter than a chain) waits for its EOP.
    const head = rig.read(REG.TDH);
    expect(head).toBeGreaterThan(3 + 256);
    expect(tx.done(3)).toBe(true);
    expect(tx.done(1002)).toBe(false);
    // Its EOP arrives: a frame of 209 separate buffers is more than one frame may have
    // (the SG list of a wire frame is bounded); dropped and written back.
    const end = tx.legacy(DATA, 64, TXD.EOP | TXD.RS);
    tx.kick();
    expect(rig.sent).toHaveLength(1);
    expect(tx.done(end)).toBe(true);
    // The ring still works.
    tx.legacy(DATA, 64, TXD.EOP | TXD.RS);
    tx.kick();
    expect(rig.sent).toHaveLength(2);
  });

  it('zero-length, undersized and oversized frames are dropped with DD written back', async () => {
    const rig = await NetRig.create();
    const tx = new TxRing(rig, RING, 64, 2 /* EN without PSP */);
    const zero = tx.legacy(DATA, 0, TXD.EOP | TXD.RS);
    const tiny = tx.legacy(DATA, 13, TXD.EOP | TXD.RS);
    for (let i = 0; i < 4; i++) tx.legacy(DATA, 5000, 0);
    const huge = tx.legacy(DATA, 5000, TXD.EOP | TXD.RS); // 25000 bytes without TSO
    const good = tx.legacy(DATA, 60, TXD.EOP | TXD.RS);
    tx.kick();
    expect(rig.sent.map((s) => s.bytes.length)).toEqual([60]);
    expect(tx.done(zero)).toBe(true);
    expect(tx.done(tiny)).toBe(true);
    expect(tx.done(huge)).toBe(true);
    rig.completeTx();
    expect(tx.done(good)).toBe(true);
  });

  it('TSO with HDRLEN beyond the packet, MSS 0, or offsets past the header: dropped, TSCTFC counted', async () => {
    const rig = await NetRig.create();
    const tx = new TxRing(rig, RING, 64);
    const hdr = ETH_LEN + IPV4_LEN + TCP_LEN;
    const f = tcpFrame({ payload: payloadPattern(3000), checksums: 'tso' });
    rig.put(DATA, f);
    const tso = (c: { hdrlen: number; mss: number; tucss?: number; ipcss?: number }, total = f.length) => {
      tx.context({ ipcss: c.ipcss ?? ETH_LEN, ipcso: ETH_LEN + 10, tucss: c.tucss ?? ETH_LEN + IPV4_LEN, tucso: ETH_LEN + IPV4_LEN + 16,
        tucmd: TUCMD.TCP | TUCMD.IP | TUCMD.TSE, hdrlen: c.hdrlen, mss: c.mss, paylen: total - c.hdrlen });
      return tx.data(DATA, total, TXD.TSE | TXD.EOP | TXD.RS, 3);
    };
    const bad = [
      tso({ hdrlen: 255, mss: 1000 }, 200), // header longer than the packet
      tso({ hdrlen: hdr, mss: 0 }),
      tso({ hdrlen: hdr, mss: 1000, tucss: 250 }),
      tso({ hdrlen: hdr, mss: 1000, ipcss: 200 }),
      tso({ hdrlen: 5, mss: 1000 }),
    ];
    tx.kick();
    expect(rig.sent).toHaveLength(0);
    for (const i of bad) expect(tx.done(i)).toBe(true);
    expect(rig.read(REG.TSCTFC)).toBe(bad.length);
    // A correct one afterwards.
    tso({ hdrlen: hdr, mss: 1000 });
    tx.kick();
    expect(rig.sent).toHaveLength(3);
  });

  it('descriptors outside RAM are skipped; buffers outside RAM fail in the backend or drop offloaded frames', async () => {
    const rig = await NetRig.create();
    const tx = new TxRing(rig, RING, 8);
    rig.write(REG.TDBAL, 0xfffff000);
    rig.write(REG.TDBAH, 0xffffffff);
    rig.write(REG.TDT, 7);
    expect(rig.sent).toHaveLength(0);
    expect(rig.read(REG.TDH)).toBe(7);
    // Good ring. A plain frame whose first buffer is outside RAM: the core reads its
    // destination address (statistics), gets a master abort, drops it and writes DD back.
    rig.write(REG.TDBAH, 0);
    rig.write(REG.TDBAL, RING);
    rig.write(REG.TDH, 0);
    rig.write(REG.TDT, 0);
    tx.tail = 0;
    const first = tx.legacy(0x7ff00000, 100, TXD.EOP | TXD.RS);
    tx.kick();
    expect(rig.sent).toHaveLength(0);
    expect(tx.done(first)).toBe(true);
    // A later buffer outside RAM is not read by the core: the frame is handed over, the
    // backend fails it, and DD is still written back so the driver can reclaim it.
    tx.legacy(DATA, 60, 0);
    const plain = tx.legacy(0x7ff00000, 100, TXD.EOP | TXD.RS);
    tx.kick();
    expect(rig.sent).toHaveLength(1);
    expect(rig.sent[0]!.fault).toBe(true);
    expect(tx.done(plain)).toBe(false);
    rig.completeTx();
    expect(tx.done(plain)).toBe(true);
    // Checksum offload needs to read the buffer: dropped in the core.
    tx.context({ tucss: 34, tucso: 50, tucmd: TUCMD.TCP });
    const offloaded = tx.data(0x7ff00000, 200, TXD.EOP | TXD.RS, 2);
    tx.kick();
    expect(rig.sent).toHaveLength(1);
    expect(tx.done(offloaded)).toBe(true);
  });

  it('a reset while frames are in flight: late completions are ignored, no stale write-back', async () => {
    const rig = await NetRig.create();
    let tx = new TxRing(rig, RING, 16);
    tx.legacy(DATA, 60, TXD.EOP | TXD.RS);
    tx.kick();
    expect(rig.inFlight).toHaveLength(1);
    rig.write(REG.CTRL, rig.read(REG.CTRL) | (1 << 26));
    rig.ram.fill(0, RING, RING + 256);
    rig.completeTx();
    expect(tx.done(0)).toBe(false);
    tx = new TxRing(rig, RING, 16);
    tx.legacy(DATA, 60, TXD.EOP | TXD.RS);
    tx.kick();
    rig.completeTx();
    expect(tx.done(0)).toBe(true);
    rig.core.net_tx_complete(0x12345678, 0); // unknown id
    rig.core.net_tx_complete(0xffffffff, 0);
  });
});
