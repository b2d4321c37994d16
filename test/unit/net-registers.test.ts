// e1000 core register blocks: config checks at init, reset values, CTRL.RST, STATUS, the
// interrupt cause/mask registers (ICR read-to-clear, ICS, IMS, IMC, level INTA#), statistics
// read-to-clear with the 64-bit octet pairs, access widths, and the BAR1 IOADDR/IODATA window.

import { describe, expect, it } from 'vitest';
import { loadCore } from '../helpers/core-harness.js';
import { CTRL, DEFAULT_MAC, ICR, NetRig, RCTL, REG, STATUS, setupReceive } from '../helpers/net-harness.js';
import { E1000_CONFIG_SIZE, E1000InitResult, encodeE1000Config } from '../../src/workers/net/config.js';
import { IRQ_PCI_INTA, type NetCoreExports } from '../../src/workers/common/core-abi.js';

describe('e1000 init', () => {
  it('accepts a good config and refuses bad ones with the documented codes', async () => {
    const h = await loadCore<NetCoreExports>('net');
    const good = encodeE1000Config({ mac: DEFAULT_MAC });
    expect(h.init(good.subarray(0, E1000_CONFIG_SIZE - 1))).toBe(E1000InitResult.badSize);
    const badMagic = good.slice();
    badMagic[0] ^= 1;
    expect(h.init(badMagic)).toBe(E1000InitResult.badMagic);
    const multicast = good.slice();
    multicast[4] = 0x01;
    expect(h.init(multicast)).toBe(E1000InitResult.badMac);
    const zero = good.slice();
    zero.fill(0, 4, 10);
    expect(h.init(zero)).toBe(E1000InitResult.badMac);
    const flags = good.slice();
    flags[12] = 0x3;
    expect(h.init(flags)).toBe(E1000InitResult.badFlags);
    expect(h.init(good)).toBe(E1000InitResult.ok);
  });
});

describe('e1000 registers', () => {
  it('has the documented power-on values and the MAC in RAL0/RAH0', async () => {
    const rig = await NetRig.create({ mac: [0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc] });
    expect(rig.read(REG.RAL0)).toBe(0xaa005452);
    expect(rig.read(REG.RAH0) >>> 0).toBe((0x80000000 | 0xccbb) >>> 0);
    expect(rig.read(REG.CTRL) & CTRL.SLU).toBe(CTRL.SLU);
    const status = rig.read(REG.STATUS);
    expect(status & (STATUS.LU | STATUS.FD)).toBe(STATUS.LU | STATUS.FD);
    expect(status & (3 << 6)).toBe(STATUS.SPEED_1000);
    expect(status & STATUS.TXOFF).toBe(0);
    expect(rig.read(REG.RCTL)).toBe(0);
    expect(rig.read(REG.TCTL)).toBe(0);
    expect(rig.read(REG.IMS)).toBe(0);
    expect(rig.read(REG.VET)).toBe(0x8100);
    expect(rig.read(REG.RDLEN)).toBe(0);
    expect(rig.read(REG.MDIC) & (1 << 28)).not.toBe(0);
  });

  it('CTRL.RST self-clears and returns the MAC registers to their defaults, keeping the link', async () => {
    const rig = await NetRig.create();
    rig.write(REG.IMS, ICR.RXT0);
    rig.write(REG.RCTL, RCTL.EN | RCTL.UPE);
    rig.write(REG.RDLEN, 4096);
    rig.write(REG.RAL0, 0x11223344);
    rig.write(REG.CTRL, rig.read(REG.CTRL) | CTRL.RST);
    expect(rig.read(REG.CTRL) & CTRL.RST).toBe(0);
    expect(rig.read(REG.IMS)).toBe(0);
    expect(rig.read(REG.RCTL)).toBe(0);
    expect(rig.read(REG.RDLEN)).toBe(0);
    expect(rig.read(REG.RAL0)).toBe(0x12005452);
    expect(rig.read(REG.STATUS) & STATUS.LU).toBe(STATUS.LU);
  });

  it('ICR is read-to-clear, ICS sets causes, IMS/IMC mask them, INTA# follows cause & mask', async () => {
    const rig = await NetRig.create();
    rig.read(REG.ICR); // LSC from the link coming up
    expect(rig.irq).toBe(0);
    rig.write(REG.ICS, ICR.RXT0 | ICR.TXDW);
    expect(rig.irq).toBe(0); // masked
    rig.write(REG.IMS, ICR.TXDW);
    expect(rig.read(REG.IMS)).toBe(ICR.TXDW);
    expect(rig.irq).toBe(1);
    rig.write(REG.IMS, ICR.LSC);
    expect(rig.read(REG.IMS)).toBe(ICR.TXDW | ICR.LSC); // IMS sets, never clears
    rig.write(REG.IMC, ICR.TXDW);
    expect(rig.read(REG.IMS)).toBe(ICR.LSC);
    expect(rig.irq).toBe(0);
    rig.write(REG.IMS, ICR.TXDW);
    expect(rig.irq).toBe(1);
    const icr = rig.read(REG.ICR);
    expect(icr).toBe(ICR.RXT0 | ICR.TXDW); // every cause, masked or not; no INT_ASSERTED on 82540
    expect(rig.irq).toBe(0);
    expect(rig.read(REG.ICR)).toBe(0);
    // Writing 1s to ICR clears those causes.
    rig.write(REG.ICS, ICR.RXT0 | ICR.RXO);
    rig.write(REG.ICR, ICR.RXO);
    expect(rig.read(REG.ICR)).toBe(ICR.RXT0);
    // Reserved cause bits do not stick.
    rig.write(REG.ICS, 0x80000000);
    expect(rig.read(REG.ICR)).toBe(0);
    expect(rig.h.irqChanges.every((c) => c.line === IRQ_PCI_INTA)).toBe(true);
  });

  it('statistics clear on read; the 64-bit octet counters clear when the high half is read', async () => {
    const rig = await NetRig.create();
    setupReceive(rig, { ring: 0x10000, count: 8, buffers: 0x20000, rctl: RCTL.EN | RCTL.BAM | RCTL.SECRC });
    const frame = new Uint8Array(100).fill(0xff, 0, 6);
    expect(rig.deliver(frame)).toBeGreaterThan(0);
    expect(rig.deliver(frame)).toBeGreaterThan(0);
    expect(rig.read(REG.GPRC)).toBe(2);
    expect(rig.read(REG.GPRC)).toBe(0);
    expect(rig.read(REG.BPRC)).toBe(2);
    expect(rig.read(REG.TPR)).toBe(2);
    expect(rig.read(REG.GORCL)).toBe(2 * 104); // counted with the FCS
    expect(rig.read(REG.GORCL)).toBe(2 * 104); // low half alone does not clear
    expect(rig.read(REG.GORCH)).toBe(0);
    expect(rig.read(REG.GORCL)).toBe(0);
    expect(rig.read(REG.TORL)).toBe(2 * 104);
    rig.write(REG.GPRC, 55); // read-only
    expect(rig.read(REG.GPRC)).toBe(0);
  });

  it('handles byte, word and 8-byte accesses and ignores accesses outside the BAR', async () => {
    const rig = await NetRig.create();
    rig.write(REG.RDBAL, 0x12345670);
    expect(rig.read(REG.RDBAL, 1)).toBe(0x70);
    expect(rig.read(REG.RDBAL + 1, 1)).toBe(0x56);
    expect(rig.read(REG.RDBAL + 2, 2)).toBe(0x1234);
    rig.write(REG.RDBAL + 1, 0xab, 1);
    expect(rig.read(REG.RDBAL)).toBe(0x1234ab70);
    // 8-byte write spanning RDBAL/RDBAH
    rig.core.io_write(0, BigInt(REG.RDBAL), 8, 0x0000000100002000n);
    expect(rig.read(REG.RDBAL)).toBe(0x2000);
    expect(rig.read(REG.RDBAH)).toBe(1);
    expect(rig.core.io_read(0, BigInt(REG.RDBAL), 8)).toBe(0x0000000100002000n);
    expect(rig.core.io_read(0, 0x20000n, 4)).toBe(0n);
    rig.core.io_write(0, 0x1fffen, 4, 0xffffffffn); // straddles the end: only the inside part
    expect(rig.core.io_read(0, 0xffffffffn, 4)).toBe(0n);
    expect(rig.core.io_read(0, 0n, 0)).toBe(0n);
    expect(rig.core.io_read(0, 0n, 16)).toBe(0n);
  });

  it('reaches every register through IOADDR/IODATA in BAR1', async () => {
    const rig = await NetRig.create();
    rig.ioWrite(REG.RDTR, 0x40);
    expect(rig.read(REG.RDTR)).toBe(0x40);
    expect(rig.ioRead(REG.RAL0)).toBe(0x12005452);
    rig.ioWrite(REG.ICS, ICR.MDAC);
    expect(rig.ioRead(REG.ICR) & ICR.MDAC).toBe(ICR.MDAC);
    // IOADDR reads back; other I/O offsets read 0 and ignore writes.
    rig.core.io_write(1, 0n, 4, BigInt(REG.STATUS));
    expect(rig.core.io_read(1, 0n, 4)).toBe(BigInt(REG.STATUS));
    expect(rig.core.io_read(1, 8n, 4)).toBe(0n);
    rig.core.io_write(1, 12n, 4, 0xffffffffn);
  });
});
