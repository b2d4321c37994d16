// e1000 core interrupt moderation on a fake clock: ITR spaces INTA# assertions at least
// ITR x 256 ns apart; RDTR delays RXT0 and is re-armed by each frame while RADV bounds the
// total delay; RDTR's FPD bit flushes a pending RXT0; TIDV/TADV do the same for TXDW of
// descriptors with IDE, while descriptors without IDE interrupt at once.

import { describe, expect, it } from 'vitest';
import { ICR, NetRig, RCTL, REG, TIMER, TXD, TxRing, setupReceive } from '../helpers/net-harness.js';

const RING = 0x10000;
const BUFFERS = 0x40000;
const OWN = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56];

function frame(): Uint8Array {
  const f = new Uint8Array(64);
  f.set(OWN, 0);
  return f;
}

async function receiveRig(): Promise<NetRig> {
  const rig = await NetRig.create();
  setupReceive(rig, { ring: RING, count: 64, buffers: BUFFERS, rctl: RCTL.EN | RCTL.SECRC });
  rig.read(REG.ICR);
  rig.write(REG.IMS, ICR.RXT0);
  return rig;
}

describe('e1000 interrupt moderation', () => {
  it('ITR: at most one assertion per interval; causes arriving meanwhile wait for its end', async () => {
    const rig = await receiveRig();
    rig.write(REG.ITR, 1000); // 256 us
    const interval = 1000n * 256n;
    rig.deliver(frame());
    expect(rig.irq).toBe(1);
    expect(rig.timerCalls.at(-1)).toEqual([TIMER.ITR, interval]);
    rig.read(REG.ICR); // the driver handles it
    expect(rig.irq).toBe(0);
    rig.advance(10_000n);
    rig.deliver(frame());
    expect(rig.irq).toBe(0); // still inside the interval
    rig.advance(interval - 10_001n);
    expect(rig.irq).toBe(0);
    rig.advance(1n);
    expect(rig.irq).toBe(1); // interval over: asserted, and a new interval starts
    expect(rig.timers.get(TIMER.ITR)).toBe(rig.now + interval);
    rig.read(REG.ICR);
    // Nothing pending: the next interval's end asserts nothing.
    rig.advance(interval);
    expect(rig.irq).toBe(0);
    // After a quiet interval a new cause asserts at once.
    rig.deliver(frame());
    expect(rig.irq).toBe(1);
    // ITR 0 turns moderation off.
    rig.read(REG.ICR);
    rig.write(REG.ITR, 0);
    rig.deliver(frame());
    expect(rig.irq).toBe(1);
  });

  it('RDTR delays RXT0, re-armed per frame; RADV bounds the delay', async () => {
    const rig = await receiveRig();
    rig.write(REG.RDTR, 100); // 102.4 us
    rig.write(REG.RADV, 250); // 256 us
    rig.deliver(frame());
    expect(rig.irq).toBe(0);
    expect(rig.timers.get(TIMER.RDTR)).toBe(rig.now + 102_400n);
    expect(rig.timers.get(TIMER.RADV)).toBe(rig.now + 256_000n);
    const start = rig.now;
    // A frame every 80 us keeps re-arming RDTR; RADV fires at 256 us.
    for (let i = 0; i < 3; i++) {
      rig.advance(80_000n);
      expect(rig.irq).toBe(0);
      rig.deliver(frame());
    }
    rig.advance(start + 256_000n - rig.now - 1n);
    expect(rig.irq).toBe(0);
    rig.advance(1n);
    expect(rig.irq).toBe(1);
    expect(rig.read(REG.ICR) & ICR.RXT0).toBe(ICR.RXT0);
    // A single frame with silence after it: RDTR fires.
    rig.deliver(frame());
    rig.advance(102_399n);
    expect(rig.irq).toBe(0);
    rig.advance(1n);
    expect(rig.irq).toBe(1);
  });

  it('RDTR FPD flushes the pending receive interrupt; RDTR 0 interrupts at once', async () => {
    const rig = await receiveRig();
    rig.write(REG.RDTR, 1000);
    rig.deliver(frame());
    expect(rig.irq).toBe(0);
    rig.write(REG.RDTR, 0x80000000 | 1000);
    expect(rig.irq).toBe(1);
    expect(rig.read(REG.RDTR)).toBe(1000); // FPD reads 0
    expect(rig.timers.has(TIMER.RDTR)).toBe(false);
    rig.read(REG.ICR);
    rig.write(REG.RDTR, 0);
    rig.deliver(frame());
    expect(rig.irq).toBe(1);
  });

  it('TIDV/TADV delay TXDW of descriptors with IDE; without IDE TXDW is immediate', async () => {
    const rig = await NetRig.create();
    const tx = new TxRing(rig, 0x20000, 16);
    rig.read(REG.ICR);
    rig.write(REG.IMS, ICR.TXDW);
    rig.write(REG.TIDV, 8); // 8.192 us
    rig.write(REG.TADV, 32); // 32.768 us
    tx.legacy(0x30000, 60, TXD.EOP | TXD.RS | TXD.IDE);
    tx.kick();
    rig.completeTx();
    expect(tx.done(0)).toBe(true);
    expect(rig.irq).toBe(0);
    rig.advance(8_191n);
    expect(rig.irq).toBe(0);
    rig.advance(1n);
    expect(rig.irq).toBe(1);
    rig.read(REG.ICR);
    // A steady stream: TADV fires although TIDV keeps being re-armed.
    const start = rig.now;
    for (let i = 0; i < 6; i++) {
      tx.legacy(0x30000, 60, TXD.EOP | TXD.RS | TXD.IDE);
      tx.kick();
      rig.completeTx();
      expect(rig.irq).toBe(0);
      rig.advance(i < 5 ? 6_000n : 0n);
    }
    expect(rig.now - start).toBe(30_000n);
    while (!rig.irq && rig.now - start < 100_000n) rig.advance(16n);
    expect(rig.now - start).toBe(32_768n); // TADV, 32 x 1.024 us after the first

    rig.read(REG.ICR);
    rig.advance(1_000_000n);
    rig.read(REG.ICR);
    tx.legacy(0x30000, 60, TXD.EOP | TXD.RS);
    tx.kick();
    rig.completeTx();
    expect(rig.irq).toBe(1);
  });
});
