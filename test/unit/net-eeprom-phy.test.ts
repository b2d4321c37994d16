// e1000 core: the EEPROM read the way Linux e1000 reads an 82540's Microwire part (EECD
// request/grant, CS, opcode and address shifted out on SK, 16 data bits shifted in) and
// through EERD; the image's MAC words, signature words and 0xBABA checksum; MDIC to the PHY
// (IDs, error for other addresses, MDAC), autonegotiation completing on its timer with LSC,
// PHY reset, and link changes from the control plane.

import { describe, expect, it } from 'vitest';
import { CTRL, ICR, NetRig, REG, STATUS, TIMER } from '../helpers/net-harness.js';

const EECD = { SK: 1, CS: 2, DI: 4, DO: 8, REQ: 0x40, GNT: 0x80, PRES: 0x100, SIZE: 0x200 } as const;

/** e1000_read_eeprom for e1000_eeprom_microwire with 6 address bits. */
function microwireRead(rig: NetRig, first: number, count: number, sequential = false): number[] {
  let eecd = rig.read(REG.EECD);
  eecd |= EECD.REQ;
  rig.write(REG.EECD, eecd);
  if ((rig.read(REG.EECD) & EECD.GNT) === 0) throw new Error('EEPROM grant not given');
  eecd = rig.read(REG.EECD) & ~(EECD.DI | EECD.SK);
  rig.write(REG.EECD, eecd);
  eecd |= EECD.CS;
  rig.write(REG.EECD, eecd);
  const clock = (up: boolean) => {
    eecd = up ? eecd | EECD.SK : eecd & ~EECD.SK;
    rig.write(REG.EECD, eecd);
  };
  const shiftOut = (data: number, bits: number) => {
    eecd &= ~EECD.DO;
    for (let mask = 1 << (bits - 1); mask; mask >>= 1) {
      eecd &= ~EECD.DI;
      if (data & mask) eecd |= EECD.DI;
      rig.write(REG.EECD, eecd);
      clock(true);
      clock(false);
    }
    eecd &= ~EECD.DI;
    rig.write(REG.EECD, eecd);
  };
  const shiftIn = () => {
    let data = 0;
    for (let i = 0; i < 16; i++) {
      data <<= 1;
      clock(true);
      if (rig.read(REG.EECD) & EECD.DO) data |= 1;
      clock(false);
    }
    return data;
  };
  const standby = () => {
    eecd &= ~(EECD.CS | EECD.SK);
    rig.write(REG.EECD, eecd);
    clock(true);
    eecd |= EECD.CS;
    rig.write(REG.EECD, eecd);
    clock(false);
  };
  const words: number[] = [];
  if (sequential) {
    shiftOut(0x6, 3);
    shiftOut(first, 6);
    for (let i = 0; i < count; i++) words.push(shiftIn());
  } else {
    for (let i = 0; i < count; i++) {
      shiftOut(0x6, 3);
      shiftOut(first + i, 6);
      words.push(shiftIn());
      standby();
    }
  }
  // release
  eecd &= ~(EECD.CS | EECD.DI);
  rig.write(REG.EECD, eecd);
  clock(true);
  clock(false);
  rig.write(REG.EECD, eecd & ~EECD.REQ);
  return words;
}

function eerdRead(rig: NetRig, word: number): number {
  rig.write(REG.EERD, (word << 8) | 1);
  const v = rig.read(REG.EERD);
  expect(v & 0x10).toBe(0x10); // DONE
  return v >>> 16;
}

describe('e1000 EEPROM', () => {
  it('reads the 64-word image by bit-banging EECD; MAC in words 0-2; words sum to 0xBABA', async () => {
    const rig = await NetRig.create({ mac: [0x52, 0x54, 0x00, 0x9a, 0xbc, 0xde] });
    const eecd = rig.read(REG.EECD);
    expect(eecd & EECD.PRES).toBe(EECD.PRES);
    expect(eecd & EECD.SIZE).toBe(0); // 64-word part, 6 address bits
    const words = microwireRead(rig, 0, 64);
    expect(words.slice(0, 3)).toEqual([0x5452, 0x9a00, 0xdebc]);
    expect(words.reduce((a, b) => (a + b) & 0xffff, 0)).toBe(0xbaba);
    expect(words[0x0d]).toBe(0x100e); // device ID
    expect(words[0x0e]).toBe(0x8086); // vendor ID
    expect(words[0x0a]! >> 14).toBe(1); // valid signature in initialization control 1
    expect(words[0x0f]! >> 14).toBe(1); // and in initialization control 2
    // Sequential read continues into the next words.
    expect(microwireRead(rig, 1, 3, true)).toEqual(words.slice(1, 4));
    // EERD returns the same words.
    for (const w of [0, 1, 2, 0x0a, 0x3f]) expect(eerdRead(rig, w)).toBe(words[w]);
    expect(eerdRead(rig, 0x80)).toBe(0xffff);
  });

  it('gives no grant without a request and ignores the pins then', async () => {
    const rig = await NetRig.create();
    expect(rig.read(REG.EECD) & EECD.GNT).toBe(0);
    // Clocking a READ without REQ produces nothing: DO stays high (idle).
    let eecd: number = EECD.CS;
    rig.write(REG.EECD, eecd);
    for (const bit of [1, 1, 0, 0, 0, 0, 0, 0, 0]) {
      eecd = EECD.CS | (bit ? EECD.DI : 0);
      rig.write(REG.EECD, eecd);
      rig.write(REG.EECD, eecd | EECD.SK);
    }
    rig.write(REG.EECD, EECD.CS | EECD.SK);
    expect(rig.read(REG.EECD) & EECD.DO).toBe(EECD.DO);
  });

  it('word checksum is right for any MAC', async () => {
    for (const mac of [[0x02, 0, 0, 0, 0, 1], [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff]] as const) {
      const rig = await NetRig.create({ mac: [...mac] as unknown as [number, number, number, number, number, number] });
      let sum = 0;
      for (let w = 0; w < 64; w++) sum = (sum + eerdRead(rig, w)) & 0xffff;
      expect(sum).toBe(0xbaba);
    }
  });
});

describe('e1000 PHY', () => {
  it('identifies as the 82540 internal PHY (M88E1011) at address 1 only', async () => {
    const rig = await NetRig.create();
    expect(rig.phyRead(2)).toBe(0x0141);
    expect(rig.phyRead(3) & 0xfff0).toBe(0x0c20);
    expect(() => rig.phyRead(2, 2)).toThrow('MDIC error');
    // MDAC interrupt when requested
    rig.read(REG.ICR);
    rig.write(REG.MDIC, (2 << 26) | (1 << 21) | (1 << 16) | (1 << 29));
    expect(rig.read(REG.ICR) & ICR.MDAC).toBe(ICR.MDAC);
  });

  it('autonegotiation completes on its timer: link, 1000/full, LSC', async () => {
    const rig = await NetRig.create({ noLinkWait: true });
    expect(rig.read(REG.STATUS) & STATUS.LU).toBe(0);
    expect(rig.phyRead(1) & 0x0024).toBe(0); // no link, not complete
    expect(rig.timers.has(TIMER.AUTONEG)).toBe(true);
    rig.write(REG.IMS, ICR.LSC);
    expect(rig.irq).toBe(0);
    rig.advance(rig.timers.get(TIMER.AUTONEG)! - rig.now);
    expect(rig.phyRead(1) & 0x0024).toBe(0x0024);
    expect(rig.read(REG.STATUS) & STATUS.LU).toBe(STATUS.LU);
    expect(rig.phyRead(17) & 0xc400).toBe(0x8400); // M88 PSSR: 1000 Mb/s, link
    expect(rig.phyRead(17) & 0x2000).toBe(0x2000); // full duplex
    expect(rig.phyRead(10) & 0x0800).toBe(0x0800); // partner 1000 full
    expect(rig.irq).toBe(1);
    expect(rig.read(REG.ICR) & ICR.LSC).toBe(ICR.LSC);
  });

  it('restarting autonegotiation (as the driver does) drops the link until the timer', async () => {
    const rig = await NetRig.create();
    rig.read(REG.ICR);
    rig.phyWrite(0, rig.phyRead(0) | 0x1000 | 0x0200);
    expect(rig.phyRead(0) & 0x0200).toBe(0); // restart bit self-clears
    expect(rig.read(REG.STATUS) & STATUS.LU).toBe(0);
    expect(rig.read(REG.ICR) & ICR.LSC).toBe(ICR.LSC);
    rig.advance(100_000_000);
    expect(rig.read(REG.STATUS) & STATUS.LU).toBe(STATUS.LU);
    // PHY reset through PHY_CTRL and through CTRL.PHY_RST
    rig.phyWrite(0, 0x8000 | 0x1140);
    expect(rig.phyRead(0) & 0x8000).toBe(0);
    expect(rig.read(REG.STATUS) & STATUS.LU).toBe(0);
    rig.advance(100_000_000);
    expect(rig.read(REG.STATUS) & STATUS.LU).toBe(STATUS.LU);
    rig.write(REG.CTRL, rig.read(REG.CTRL) | CTRL.PHY_RST);
    rig.advance(100_000_000);
    expect(rig.read(REG.STATUS) & STATUS.LU).toBe(0); // held in reset
    rig.write(REG.CTRL, rig.read(REG.CTRL) & ~CTRL.PHY_RST);
    rig.advance(100_000_000);
    expect(rig.read(REG.STATUS) & STATUS.LU).toBe(STATUS.LU);
    expect(rig.phyRead(2)).toBe(0x0141);
  });

  it('link down/up from the control plane raises LSC each time', async () => {
    const rig = await NetRig.create();
    rig.read(REG.ICR);
    rig.write(REG.IMS, ICR.LSC);
    rig.core.net_set_link(0);
    expect(rig.read(REG.STATUS) & STATUS.LU).toBe(0);
    expect(rig.phyRead(1) & 0x0004).toBe(0);
    expect(rig.irq).toBe(1);
    expect(rig.read(REG.ICR) & ICR.LSC).toBe(ICR.LSC);
    rig.advance(1_000_000_000);
    expect(rig.read(REG.STATUS) & STATUS.LU).toBe(0); // no cable: no negotiation
    rig.core.net_set_link(1);
    rig.advance(100_000_000);
    expect(rig.read(REG.STATUS) & STATUS.LU).toBe(STATUS.LU);
    expect(rig.read(REG.ICR) & ICR.LSC).toBe(ICR.LSC);
    rig.core.net_set_link(1); // no change, no interrupt
    rig.advance(100_000_000);
    expect(rig.read(REG.ICR)).toBe(0);
  });

  it('starts with the link down when the cable is out at power-on', async () => {
    const rig = await NetRig.create({ linkUp: false });
    rig.advance(1_000_000_000);
    expect(rig.read(REG.STATUS) & STATUS.LU).toBe(0);
  });

  it('after a crash restart: the driver mask is back, and queued transmit work pulls the link until the driver resets', async () => {
    const rig = await NetRig.create();
    rig.read(REG.ICR);
    rig.core.reset(1);
    expect(rig.read(REG.IMS)).toBe(ICR.RXT0 | ICR.TXDW | ICR.RXDMT0 | ICR.RXSEQ | ICR.LSC);
    rig.advance(100_000_000);
    expect(rig.read(REG.STATUS) & STATUS.LU).toBe(STATUS.LU);
    rig.read(REG.ICR);
    // The driver, unaware, enables transmit and queues a frame: the link drops with LSC.
    rig.write(REG.TCTL, 2);
    rig.write(REG.TDT, 3);
    expect(rig.read(REG.STATUS) & STATUS.LU).toBe(0);
    expect(rig.irq).toBe(1);
    expect(rig.read(REG.ICR) & ICR.LSC).toBe(ICR.LSC);
    // It stays down for longer than Linux's 2 s watchdog period, then comes back.
    rig.advance(2_500_000_000);
    expect(rig.read(REG.STATUS) & STATUS.LU).toBe(0);
    rig.advance(1_000_000_000);
    expect(rig.read(REG.STATUS) & STATUS.LU).toBe(STATUS.LU);
    // Still not reset: the next TDT write pulls it again.
    rig.write(REG.TDT, 4);
    expect(rig.read(REG.STATUS) & STATUS.LU).toBe(0);
    rig.advance(5_000_000_000);
    // The driver resets the adapter: normal behaviour from then on.
    rig.write(REG.CTRL, CTRL.RST);
    rig.write(REG.TDT, 0);
    expect(rig.read(REG.STATUS) & STATUS.LU).toBe(STATUS.LU);
  });
});
