// e1000 core: seeded random guests. Random register writes (biased to the ones with
// behaviour), random descriptor contents in the transmit and receive rings, random frames
// from the backend, random completions, back-pressure, link changes, timers and resets.
// Whatever happens the core must not trap, every call must return, every SG entry it hands
// out must lie inside its own memory (core entries) or be a plain guest address, and after a
// reset a correctly programmed device must still move a frame each way.

import { describe, expect, it } from 'vitest';
import { NetRig, RCTL, REG, TXD, TxRing, rxDescriptor, setupReceive } from '../helpers/net-harness.js';
import { payloadPattern } from '../helpers/inet-checksum.js';

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

const RAM = 1 << 20;
const TX_RING = 0x10000;
const RX_RING = 0x20000;
const INTERESTING = [
  REG.CTRL, REG.EECD, REG.EERD, REG.CTRL_EXT, REG.MDIC, REG.VET, REG.ICR, REG.ITR, REG.ICS, REG.IMS, REG.IMC,
  REG.RCTL, REG.TCTL, REG.RDBAL, REG.RDBAH, REG.RDLEN, REG.RDH, REG.RDT, REG.RDTR, REG.RADV, REG.TDBAL,
  REG.TDBAH, REG.TDLEN, REG.TDH, REG.TDT, REG.TIDV, REG.TADV, REG.RXCSUM, REG.MTA, REG.RAL0, REG.RAH0, REG.VFTA,
];

describe('e1000 fuzz', () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it(`survives random guest and backend behaviour (seed ${seed})`, async () => {
      const next = rng(seed * 7919);
      const pick = (n: number) => next() % n;
      const rig = await NetRig.create({ ramBytes: RAM });
      const stats = { sent: 0, received: 0 };
      const view = new DataView(rig.ram.buffer);
      const coreBytes = () => rig.core.memory.buffer.byteLength;
      // Start from a plausible configuration, then wreck it.
      setupReceive(rig, { ring: RX_RING, count: 16, buffers: 0x40000 });
      new TxRing(rig, TX_RING, 16);
      const randomDescriptor = (base: number) => {
        const at = base + pick(32) * 16;
        const chaos = pick(4) === 0;
        const addr = chaos ? Math.floor(next() * 0x10000 + next()) : 0x40000 + pick(0x80000);
        view.setBigUint64(at, BigInt(addr), true);
        if (chaos) {
          view.setUint32(at + 8, next(), true);
          view.setUint32(at + 12, next(), true);
          return;
        }
        // A plausible legacy, context or data descriptor with random lengths and offsets.
        const kind = pick(3);
        const cmd = (pick(2) ? TXD.EOP : 0) | (pick(2) ? TXD.RS : 0) | (pick(4) === 0 ? TXD.IDE : 0) |
          (pick(4) === 0 ? TXD.VLE : 0) | (pick(6) === 0 ? TXD.TSE : 0) | (kind === 0 ? 0 : TXD.DEXT);
        const length = pick(6) === 0 ? pick(0x100000) : pick(3000);
        const dtyp = kind === 2 ? 1 : 0;
        view.setUint32(at + 8, ((length & 0xfffff) | (dtyp << 20) | (cmd << 24)) >>> 0, true);
        if (kind === 1) {
          view.setUint32(at, (pick(60) | (pick(60) << 8) | (pick(80) << 16)) >>> 0, true);
          view.setUint32(at + 4, (pick(80) | (pick(80) << 8) | (pick(3) ? 0 : pick(2000) << 16)) >>> 0, true);
          view.setUint32(at + 12, ((pick(90) << 8) | (pick(4) === 0 ? pick(0x10000) : 1 + pick(1500)) << 16) >>> 0, true);
        } else {
          view.setUint32(at + 12, ((pick(4) << 8) | (pick(0x10000) << 16)) >>> 0, true);
        }
      };
      for (let step = 0; step < 3000; step++) {
        if (step % 200 === 0) {
          // What a driver's watchdog would do: reprogram everything, so that the chaos also
          // runs against working rings.
          rig.write(REG.CTRL, 1 << 26);
          rig.write(REG.CTRL, (1 << 31) | (1 << 6));
          rig.write(REG.CTRL, 1 << 6);
          rig.advance(100_000_000n);
          setupReceive(rig, { ring: RX_RING, count: 8 * (1 + pick(3)), buffers: 0x40000, bufferSize: 2048,
            rctl: RCTL.EN | RCTL.BAM | RCTL.LPE | (pick(2) ? RCTL.UPE : 0) | (pick(2) ? RCTL.SECRC : 0) });
          new TxRing(rig, TX_RING, 8 * (1 + pick(3)), pick(2) ? 10 : 2);
          rig.write(REG.IMS, 0xff);
        }
        switch (pick(13)) {
          case 0: {
            const reg = pick(4) === 0 ? pick(0x20000 / 4) * 4 : INTERESTING[pick(INTERESTING.length)]!;
            let value = next();
            if (reg === REG.CTRL && pick(8) !== 0) value &= ~((1 << 26) | (1 << 31));
            if (reg === REG.RCTL && pick(4) !== 0) value |= RCTL.EN | (pick(2) ? RCTL.UPE | RCTL.MPE | RCTL.BAM : 0);
            if (reg === REG.TCTL && pick(4) !== 0) value |= 2;
            if ((reg === REG.TDBAL || reg === REG.RDBAL) && pick(2)) value = pick(2) ? TX_RING : RX_RING;
            if ((reg === REG.TDLEN || reg === REG.RDLEN) && pick(4) !== 0) value = (1 + pick(4)) * 128;
            if ((reg === REG.TDT || reg === REG.RDT || reg === REG.TDH || reg === REG.RDH) && pick(2)) value = pick(40);
            rig.write(reg, value, [1, 2, 4, 4, 4, 8][pick(6)]);
            break;
          }
          case 2: rig.read(pick(4) === 0 ? pick(0x20000) : INTERESTING[pick(INTERESTING.length)]!, [1, 2, 4, 4][pick(4)]); break;
          case 3: case 4: case 11: randomDescriptor(pick(3) ? TX_RING : RX_RING); break;
          case 5: {
            const f = payloadPattern(pick(5) === 0 ? pick(20000) : 14 + pick(1600), next());
            if (pick(2) && f.length >= 6) f.set([0x52, 0x54, 0x00, 0x12, 0x34, 0x56], 0);
            if (pick(3) === 0 && f.length >= 18) f.set([0x81, 0x00], 12);
            if (rig.deliver(f, { faultStatus: pick(10) === 0 }) > 0) stats.received++;
            break;
          }
          case 6: rig.completeTx(1 + pick(8)); break;
          case 7: rig.busyAnswers = pick(3) === 0 ? pick(5) : 0; rig.core.net_tx_ready(); break;
          case 8: rig.advance(BigInt(pick(1_000_000))); break;
          case 9: if (pick(10) === 0) rig.core.net_set_link(pick(2)); break;
          case 10: if (pick(40) === 0) rig.core.reset(pick(2)); break;
          case 1: rig.write(REG.RDT, pick(24)); break;
          default: rig.write(REG.TDT, pick(24)); break;
        }
        stats.sent += rig.sent.length;
        for (const f of rig.sent.splice(0)) {
          for (const e of f.sg) if (e.coreMemory) expect(e.addr + e.len).toBeLessThanOrEqual(coreBytes());
          expect(f.bytes.length).toBeLessThan(70000);
        }
      }
      // The run exercised both directions, not only the error paths.
      expect(stats.sent).toBeGreaterThan(0);
      expect(stats.received).toBeGreaterThan(0);
      // Recovery: a reset and a correct setup move a frame each way.
      rig.busyAnswers = 0;
      rig.completeTx();
      rig.core.net_set_link(1);
      rig.write(REG.CTRL, 1 << 26);
      rig.write(REG.CTRL, (1 << 31) | (1 << 6));
      rig.write(REG.CTRL, 1 << 6);
      rig.advance(1_000_000_000n);
      rig.ram.fill(0, 0, 0x80000);
      setupReceive(rig, { ring: RX_RING, count: 16, buffers: 0x40000, rctl: RCTL.EN | RCTL.SECRC });
      const incoming = payloadPattern(200, seed);
      incoming.set([0x52, 0x54, 0x00, 0x12, 0x34, 0x56], 0);
      expect(rig.deliver(incoming)).toBe(1);
      const d = rxDescriptor(rig, RX_RING, 0);
      expect(rig.ram.subarray(d.addr, d.addr + 200)).toEqual(incoming);
      const tx = new TxRing(rig, TX_RING, 16);
      rig.put(0x60000, incoming);
      tx.legacy(0x60000, 200, TXD.EOP | TXD.RS);
      tx.kick();
      const sent = rig.sent.at(-1)!;
      expect(sent.bytes).toEqual(incoming);
      rig.completeTx();
      expect(tx.done(0)).toBe(true);
    }, 120_000);
  }
});
