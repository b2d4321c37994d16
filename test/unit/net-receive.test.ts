// e1000 core receive path: frames delivered the way the worker does (header, net_rx_begin,
// data into the SG ranges, net_rx_end) land in the guest's buffers with legacy descriptors
// written back; ring wrap; the full-ring rule (RDH == RDT means no free descriptor) with MPC
// and RNBC counting and RXO; frames spanning several buffers; buffer sizes; FCS accounting
// (SECRC); the unicast / multicast-hash / broadcast / promiscuous / VLAN filters and VLAN
// stripping.

import { describe, expect, it } from 'vitest';
import {
  CTRL, ICR, NetRig, RCTL, REG, RXD_STATUS, rxDescriptor, setupReceive,
} from '../helpers/net-harness.js';
import { NET_RX_BAD_LENGTH, NET_RX_DISABLED, NET_RX_FILTERED, NET_RX_NO_BUFFER } from '../../src/workers/common/core-abi.js';
import { MAC_A, payloadPattern } from '../helpers/inet-checksum.js';

const RING = 0x10000;
const BUFFERS = 0x40000;

function frameTo(dst: readonly number[], length: number, seed = 1): Uint8Array {
  const f = payloadPattern(length, seed);
  f.set(dst, 0);
  f.set([0x52, 0x54, 0x00, 0x99, 0x99, 0x99], 6);
  f[12] = 0x08;
  f[13] = 0x00;
  return f;
}

const OWN = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56];
const BROADCAST = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff];

describe('e1000 receive ring', () => {
  it('writes frames into the buffers and descriptors back, RDH advancing and wrapping', async () => {
    const rig = await NetRig.create();
    setupReceive(rig, { ring: RING, count: 8, buffers: BUFFERS });
    rig.read(REG.ICR);
    rig.write(REG.IMS, ICR.RXT0);
    for (let i = 0; i < 20; i++) {
      const f = frameTo(OWN, 60 + i * 10, i);
      expect(rig.deliver(f)).toBe(1);
      const index = i % 8;
      const d = rxDescriptor(rig, RING, index);
      expect(d.status & (RXD_STATUS.DD | RXD_STATUS.EOP)).toBe(RXD_STATUS.DD | RXD_STATUS.EOP);
      expect(d.status & RXD_STATUS.IXSM).toBe(RXD_STATUS.IXSM); // checksum left to the stack
      expect(d.length).toBe(f.length); // SECRC set: no FCS counted
      expect(d.errors).toBe(0);
      expect(rig.ram.subarray(d.addr, d.addr + f.length)).toEqual(f);
      expect(rig.read(REG.RDH)).toBe((i + 1) % 8);
      expect(rig.irq).toBe(1);
      expect(rig.read(REG.ICR) & ICR.RXT0).toBe(ICR.RXT0);
      // The driver gives the descriptor back.
      rig.ram.fill(0, RING + index * 16 + 8, RING + index * 16 + 16);
      rig.write(REG.RDT, index);
    }
    expect(rig.read(REG.GPRC)).toBe(20);
  });

  it('counts the FCS in the length when SECRC is clear, in the reserved space', async () => {
    const rig = await NetRig.create();
    setupReceive(rig, { ring: RING, count: 8, buffers: BUFFERS, rctl: RCTL.EN | RCTL.BAM | RCTL.LPE, bufferSize: 2048 });
    const f = frameTo(OWN, 2046);
    // 2046 + 4 bytes FCS needs two 2048-byte buffers; the second holds only FCS bytes.
    expect(rig.deliver(f)).toBe(1);
    const d0 = rxDescriptor(rig, RING, 0);
    const d1 = rxDescriptor(rig, RING, 1);
    expect(d0.length).toBe(2048);
    expect(d0.status & RXD_STATUS.EOP).toBe(0);
    expect(d1.length).toBe(2);
    expect(d1.status & RXD_STATUS.EOP).toBe(RXD_STATUS.EOP);
    expect(rig.read(REG.RDH)).toBe(2);
  });

  it('spreads a long frame over several buffers (LPE, BSIZE 256 and BSEX 4096)', async () => {
    const rig = await NetRig.create();
    // BSIZE 11 = 256 bytes
    setupReceive(rig, { ring: RING, count: 64, buffers: BUFFERS, bufferSize: 256, rctl: RCTL.EN | RCTL.SECRC | RCTL.LPE | (3 << 16) });
    const f = frameTo(OWN, 1000);
    expect(rig.deliver(f)).toBeGreaterThan(0);
    const parts: number[] = [];
    const out = new Uint8Array(1000);
    let off = 0;
    for (let i = 0; i < 4; i++) {
      const d = rxDescriptor(rig, RING, i);
      parts.push(d.length);
      out.set(rig.ram.subarray(d.addr, d.addr + d.length), off);
      off += d.length;
      expect(d.status & RXD_STATUS.EOP).toBe(i === 3 ? RXD_STATUS.EOP : 0);
      expect(d.status & RXD_STATUS.DD).toBe(RXD_STATUS.DD);
    }
    expect(parts).toEqual([256, 256, 256, 232]);
    expect(out).toEqual(f);
    expect(rig.read(REG.RDH)).toBe(4);
    // BSEX with BSIZE 11: 4096-byte buffers; a 9000-byte jumbo frame takes three.
    const rig2 = await NetRig.create();
    setupReceive(rig2, { ring: RING, count: 8, buffers: BUFFERS, bufferSize: 4096, rctl: RCTL.EN | RCTL.SECRC | RCTL.LPE | RCTL.BSEX | (3 << 16) });
    expect(rig2.deliver(frameTo(OWN, 9000))).toBeGreaterThan(0);
    expect([0, 1, 2].map((i) => rxDescriptor(rig2, RING, i).length)).toEqual([4096, 4096, 808]);
  });

  it('RDH == RDT is an empty ring: the frame is dropped whole and counted in MPC and RNBC, with RXO', async () => {
    const rig = await NetRig.create();
    setupReceive(rig, { ring: RING, count: 8, buffers: BUFFERS, tail: 3 });
    rig.read(REG.ICR);
    rig.write(REG.IMS, ICR.RXO);
    for (let i = 0; i < 3; i++) expect(rig.deliver(frameTo(OWN, 100))).toBe(1);
    expect(rig.read(REG.RDH)).toBe(3);
    expect(rig.irq).toBe(0);
    const before = rig.ram.slice(BUFFERS + 3 * 2048, BUFFERS + 4 * 2048);
    expect(rig.deliver(frameTo(OWN, 100))).toBe(NET_RX_NO_BUFFER);
    expect(rig.deliver(frameTo(OWN, 100))).toBe(NET_RX_NO_BUFFER);
    expect(rig.ram.slice(BUFFERS + 3 * 2048, BUFFERS + 4 * 2048)).toEqual(before);
    expect(rxDescriptor(rig, RING, 3).status).toBe(0);
    expect(rig.read(REG.RDH)).toBe(3);
    expect(rig.read(REG.MPC)).toBe(2);
    expect(rig.read(REG.RNBC)).toBe(2);
    expect(rig.irq).toBe(1);
    expect(rig.read(REG.ICR) & ICR.RXO).toBe(ICR.RXO);
    // A frame needing more descriptors than are free is dropped whole too.
    rig.write(REG.RDT, 7); // free: 3 .. 6 (four descriptors)
    rig.write(REG.RCTL, RCTL.EN | RCTL.SECRC | RCTL.LPE | (3 << 16)); // 256-byte buffers
    expect(rig.deliver(frameTo(OWN, 1100))).toBe(NET_RX_NO_BUFFER); // needs five
    expect(rig.read(REG.RDH)).toBe(3);
    expect(rig.deliver(frameTo(OWN, 1000))).toBeGreaterThan(0);
    expect(rig.read(REG.RDH)).toBe(7);
    rig.write(REG.RDT, 2); // free: 7, 0, 1
    expect(rig.deliver(frameTo(OWN, 700))).toBeGreaterThan(0);
    expect(rig.read(REG.RDH)).toBe(2); // wrapped
    expect([7, 0, 1].map((i) => rxDescriptor(rig, RING, i).length)).toEqual([256, 256, 188]);
  });

  it('raises RXDMT0 when the free descriptors fall to the RDMTS threshold', async () => {
    const rig = await NetRig.create();
    setupReceive(rig, { ring: RING, count: 16, buffers: BUFFERS, tail: 15 });
    rig.read(REG.ICR);
    let firstAt = -1;
    for (let i = 0; i < 10; i++) {
      rig.deliver(frameTo(OWN, 64));
      if (firstAt < 0 && rig.read(REG.ICR) & ICR.RXDMT0) firstAt = i;
    }
    // RDMTS 00: half of 16 = 8 free left after the 7th frame (15 - 7).
    expect(firstAt).toBe(6);
  });

  it('refuses frames when disabled, too short, or too long without LPE', async () => {
    const rig = await NetRig.create();
    expect(rig.deliver(frameTo(OWN, 100))).toBe(NET_RX_DISABLED);
    setupReceive(rig, { ring: RING, count: 8, buffers: BUFFERS });
    expect(rig.deliver(new Uint8Array(13))).toBe(NET_RX_BAD_LENGTH);
    expect(rig.read(REG.RUC)).toBe(1);
    expect(rig.deliver(frameTo(OWN, 1519))).toBe(NET_RX_BAD_LENGTH);
    expect(rig.read(REG.ROC)).toBe(1);
    expect(rig.deliver(frameTo(OWN, 1518))).toBe(1);
    rig.core.net_set_link(0);
    expect(rig.deliver(frameTo(OWN, 100))).toBe(NET_RX_DISABLED);
  });

  it('marks a frame whose buffer was outside RAM with RXE', async () => {
    const rig = await NetRig.create();
    setupReceive(rig, { ring: RING, count: 8, buffers: BUFFERS });
    new DataView(rig.ram.buffer).setBigUint64(RING, 0x7fff0000n, true);
    expect(rig.deliver(frameTo(OWN, 100))).toBe(1);
    const d = rxDescriptor(rig, RING, 0);
    expect(d.status & RXD_STATUS.DD).toBe(RXD_STATUS.DD);
    expect(d.errors & 0x80).toBe(0x80);
    expect(rig.read(REG.GPRC)).toBe(0);
  });
});

describe('e1000 receive filters', () => {
  async function rigWith(rctl: number): Promise<NetRig> {
    const rig = await NetRig.create();
    setupReceive(rig, { ring: RING, count: 32, buffers: BUFFERS, rctl: RCTL.EN | RCTL.SECRC | rctl });
    return rig;
  }

  it('accepts its own address and the other valid RAR entries, drops other unicast', async () => {
    const rig = await rigWith(0);
    expect(rig.deliver(frameTo(OWN, 64))).toBe(1);
    expect(rig.deliver(frameTo([0x52, 0x54, 0x00, 0x12, 0x34, 0x57], 64))).toBe(NET_RX_FILTERED);
    // RAR[3] = 02:00:00:00:00:09 with AV
    rig.write(REG.RAL0 + 24, 0x00000002);
    rig.write(REG.RAH0 + 24, 0x80000900);
    expect(rig.deliver(frameTo([0x02, 0, 0, 0, 0, 9], 64))).toBe(1);
    rig.write(REG.RAH0 + 24, 0x00000900); // AV clear
    expect(rig.deliver(frameTo([0x02, 0, 0, 0, 0, 9], 64))).toBe(NET_RX_FILTERED);
  });

  it('broadcast only with BAM (or MPE); promiscuous unicast with UPE', async () => {
    expect((await rigWith(0)).deliver(frameTo(BROADCAST, 64))).toBe(NET_RX_FILTERED);
    const bam = await rigWith(RCTL.BAM);
    expect(bam.deliver(frameTo(BROADCAST, 64))).toBe(1);
    expect(bam.read(REG.BPRC)).toBe(1);
    expect((await rigWith(RCTL.MPE)).deliver(frameTo(BROADCAST, 64))).toBe(1);
    const upe = await rigWith(RCTL.UPE);
    expect(upe.deliver(frameTo([0x02, 1, 2, 3, 4, 5], 64))).toBe(1);
    expect(upe.deliver(frameTo([0x01, 0, 0x5e, 0, 0, 1], 64))).toBe(NET_RX_FILTERED); // UPE is unicast only
  });

  it('hashes multicast addresses into the MTA as RCTL.MO selects', async () => {
    const group = [0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb]; // 224.0.0.251
    // Independent hash per SDM 13.5.1 (which 12 of the address's top 16 bits).
    const hashFor = (mo: number) => {
      const word = (group[5]! << 8) | group[4]!; // bits 47:32
      return [(word >> 4) & 0xfff, (word >> 3) & 0xfff, (word >> 2) & 0xfff, word & 0xfff][mo]!;
    };
    for (let mo = 0; mo < 4; mo++) {
      const rig = await rigWith(mo << 12);
      expect(rig.deliver(frameTo(group, 64))).toBe(NET_RX_FILTERED);
      const h = hashFor(mo);
      rig.write(REG.MTA + (h >> 5) * 4, 1 << (h & 31));
      expect(rig.deliver(frameTo(group, 64))).toBe(1);
      expect(rig.read(REG.MPRC)).toBe(1);
      // Another group with a different hash stays filtered.
      expect(rig.deliver(frameTo([0x01, 0x00, 0x5e, 0x00, 0x01, 0x07], 64))).toBe(NET_RX_FILTERED);
    }
    expect((await rigWith(RCTL.MPE)).deliver(frameTo(group, 64))).toBe(1);
  });

  it('VLAN: VFTA filter with VFE, CFI check, and tag stripping into the special field with VME', async () => {
    const rig = await rigWith(RCTL.VFE);
    const tagged = (vid: number, cfi = 0, len = 100) => {
      const inner = frameTo(OWN, len);
      const f = new Uint8Array(len + 4);
      f.set(inner.subarray(0, 12), 0);
      f.set([0x81, 0x00, (5 << 5) | (cfi << 4) | (vid >> 8), vid & 0xff], 12);
      f.set(inner.subarray(12), 16);
      return { f, inner };
    };
    expect(rig.deliver(tagged(100).f)).toBe(NET_RX_FILTERED);
    rig.write(REG.VFTA + (100 >> 5) * 4, 1 << (100 & 31));
    const { f, inner } = tagged(100);
    expect(rig.deliver(f)).toBeGreaterThan(0);
    // Without VME the tag stays in the frame.
    let d = rxDescriptor(rig, RING, 0);
    expect(d.length).toBe(104);
    expect(d.status & RXD_STATUS.VP).toBe(0);
    expect(rig.ram.subarray(d.addr, d.addr + 104)).toEqual(f);
    // With VME it is stripped: the guest sees the untagged frame and the tag in special.
    rig.write(REG.CTRL, rig.read(REG.CTRL) | CTRL.VME);
    expect(rig.deliver(f)).toBeGreaterThan(0);
    d = rxDescriptor(rig, RING, 1);
    expect(d.length).toBe(100);
    expect(d.status & RXD_STATUS.VP).toBe(RXD_STATUS.VP);
    expect(d.special).toBe((5 << 13) | 100);
    expect(rig.ram.subarray(d.addr, d.addr + 100)).toEqual(inner);
    // CFIEN: the CFI bit must match RCTL.CFI (0).
    rig.write(REG.RCTL, rig.read(REG.RCTL) | RCTL.CFIEN);
    rig.write(REG.VFTA + (200 >> 5) * 4, 1 << (200 & 31));
    expect(rig.deliver(tagged(200, 1).f)).toBe(NET_RX_FILTERED);
    expect(rig.deliver(tagged(200, 0).f)).toBeGreaterThan(0);
    // Untagged frames are not subject to the VLAN filter.
    expect(rig.deliver(frameTo(OWN, 64))).toBeGreaterThan(0);
    expect(MAC_A.length).toBe(6);
  });
});
