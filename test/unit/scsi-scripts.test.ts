// LSI53C895A core: the SCRIPTS processor's instruction classes that do not touch the SCSI
// bus — read/modify/write and the ALU with carry, transfer control (absolute, relative,
// CALL/RETURN, carry and data conditions, INT, INTFLY), memory move, LOAD/STORE — plus
// illegal instructions (IID), bus faults (BF), single step, manual start, the instruction
// budget and the runaway cap.

import { describe, expect, it } from 'vitest';
import { DSTAT, ISTAT, LsiRig, R, RAM_BAR, SPACE_RAM, TIMER_SCRIPTS } from './scsi-rig.js';
import { OP, Script } from './scsi-assembler.js';

const SCRIPT = 0x1000;
const DATA = 0x8000;

async function run(build: (s: Script) => void, setup?: (rig: LsiRig) => void): Promise<LsiRig> {
  const rig = await LsiRig.create();
  const s = new Script(SCRIPT);
  build(s);
  rig.load(s);
  setup?.(rig);
  rig.start(SCRIPT);
  return rig;
}

/** DSTAT after the script stopped (read once: it clears). */
function stopReason(rig: LsiRig): number {
  return rig.read(R.DSTAT) & 0x7f;
}

describe('read/modify/write and the ALU', () => {
  it('SHL, SHR, ADD and ADDC carry through the carry flag', async () => {
    const rig = await run((s) =>
      s
        .modify(R.SCRATCHA, OP.MOVE, 0x81)
        .modify(R.SCRATCHA, OP.SHL) // 0x02, carry 1
        .modify(R.SCRATCHA + 1, OP.MOVE, 0x10)
        .modify(R.SCRATCHA + 1, OP.SHR) // carry in at bit 7: 0x88, carry 0
        .modify(R.SCRATCHA + 2, OP.MOVE, 0xf0)
        .modify(R.SCRATCHA + 2, OP.ADD, 0x20) // 0x10, carry 1
        .modify(R.SCRATCHA + 3, OP.MOVE, 0x01)
        .modify(R.SCRATCHA + 3, OP.ADDC, 0x01) // 1 + 1 + carry = 3
        .int(1),
    );
    expect(stopReason(rig)).toBe(DSTAT.SIR);
    expect(rig.read32(R.SCRATCHA)).toBe(0x03108802);
  });

  it('OR, XOR, AND; moves to and from SFBR; SFBR as the operand', async () => {
    const rig = await run((s) =>
      s
        .modify(R.SCRATCHB, OP.MOVE, 0xf0)
        .modify(R.SCRATCHB, OP.OR, 0x0c) // fc
        .modify(R.SCRATCHB + 1, OP.MOVE, 0xff)
        .modify(R.SCRATCHB + 1, OP.XOR, 0x0f) // f0
        .modify(R.SCRATCHB + 2, OP.MOVE, 0x3c)
        .modify(R.SCRATCHB + 2, OP.AND, 0x0f) // 0c
        .toSfbr(R.SCRATCHB, OP.OR, 0x01) // SFBR = fd
        .fromSfbr(R.SCRATCHB + 3, OP.ADD, 0x02) // ff
        .modify(R.TEMP, OP.MOVE, 0x10)
        .modify(R.TEMP, OP.OR, 0, true) // TEMP0 = 0x10 | SFBR = fd
        .fromSfbr(R.TEMP + 1, OP.MOVE, 0x42) // operator move: the data, not SFBR
        .int(1),
    );
    expect(stopReason(rig)).toBe(DSTAT.SIR);
    expect(rig.read32(R.SCRATCHB)).toBe(0xff0cf0fc);
    expect(rig.read(R.SFBR)).toBe(0xfd);
    expect(rig.read(R.TEMP)).toBe(0xfd);
    expect(rig.read(R.TEMP + 1)).toBe(0x42);
  });

  it('register instructions reach registers above 7Fh (A7 in bit 7)', async () => {
    const rig = await run((s) => s.modify(R.SCRATCHC + 0x30, OP.MOVE, 0x5a).modify(R.IA + 1, OP.MOVE, 0xa5).int(1));
    expect(rig.read(R.SCRATCHC + 0x30)).toBe(0x5a);
    expect(rig.read(R.IA + 1)).toBe(0xa5);
  });

  it('reading CTEST2 from SCRIPTS clears SIGP (the way sym53c8xx does it)', async () => {
    const rig = await run((s) => s.toSfbr(R.CTEST2, OP.OR, 0).int(1), (r) => r.write(R.ISTAT, ISTAT.SIGP));
    expect(rig.read(R.SFBR) & 0x40).toBe(0x40);
    expect(rig.read(R.ISTAT) & ISTAT.SIGP).toBe(0);
  });
});

describe('transfer control', () => {
  it('JUMP absolute and relative, CALL and RETURN through TEMP', async () => {
    const rig = await run((s) =>
      s
        .jump('a')
        .int(0xbad)
        .label('a')
        .call('sub')
        .label('back')
        .jump('b', { relative: true })
        .int(0xbad2)
        .label('b')
        .int(0x600d)
        .label('sub')
        .modify(R.SCRATCHA, OP.MOVE, 0x77)
        .ret(),
    );
    expect(stopReason(rig)).toBe(DSTAT.SIR);
    expect(rig.read32(R.DSPS)).toBe(0x600d);
    expect(rig.read(R.SCRATCHA)).toBe(0x77);
    expect(rig.read32(R.TEMP)).toBe(SCRIPT + 24); // 'back': the address after the CALL
  });

  it('relative jumps go backwards too, and ADDER shows the computed address', async () => {
    const s = new Script(SCRIPT);
    s.jump('fwd').label('bwd').int(0x1).label('fwd').jump('bwd', { relative: true });
    const rig = await LsiRig.create();
    rig.load(s);
    rig.start(SCRIPT);
    expect(rig.read32(R.DSPS)).toBe(1);
    expect(rig.read32(R.ADDER)).toBe(s.addressOf('bwd'));
  });

  it('carry and data conditions, if true and if false, with a mask', async () => {
    const rig = await run((s) =>
      s
        .set({ carry: true })
        .jump('c1', { carry: true })
        .int(0xe1)
        .label('c1')
        .clear({ carry: true })
        .jump('fail', { carry: true })
        .modify(R.SFBR, OP.MOVE, 0xa5)
        .jump('fail', { data: { value: 0xa4 } })
        .jump('d1', { data: { value: 0xa4, mask: 0xfe } }) // bit 0 ignored
        .int(0xe2)
        .label('d1')
        .jump('fail', { data: { value: 0xa5 }, ifFalse: true })
        .jump('d2', { data: { value: 0x00 }, ifFalse: true })
        .int(0xe3)
        .label('d2')
        .ret({ data: { value: 0x11 } }) // not taken
        .int(0x600d, { data: { value: 0xa5 } })
        .label('fail')
        .int(0xfa11),
    );
    expect(rig.read32(R.DSPS)).toBe(0x600d);
  });

  it('a conditional INT that does not hold runs on; a NOP is never taken', async () => {
    const rig = await run((s) => s.int(0x1, { carry: true }).nop().int(0x2));
    expect(rig.read32(R.DSPS)).toBe(0x2);
  });
});

describe('memory move and LOAD/STORE', () => {
  it('memory move copies between guest memory and SCRIPTS RAM and leaves TEMP alone', async () => {
    const payload = Uint8Array.from({ length: 5000 }, (_, i) => (i * 31 + 7) & 0xff);
    const rig = await run(
      (s) => s.memoryMove(5000, DATA, DATA + 0x10000).memoryMove(64, DATA, RAM_BAR + 0x800).memoryMove(64, RAM_BAR + 0x800, DATA + 0x20000).int(1),
      (r) => {
        r.putBytes(DATA, payload);
        r.write32(R.TEMP, 0x13572468);
      },
    );
    expect(stopReason(rig)).toBe(DSTAT.SIR);
    expect(rig.bytes(DATA + 0x10000, 5000)).toEqual(payload);
    expect(rig.bytes(DATA + 0x20000, 64)).toEqual(payload.subarray(0, 64));
    expect(rig.core.io_read(SPACE_RAM, 0x800n, 4)).toBe(BigInt(new DataView(payload.buffer).getUint32(0, true)));
    expect(rig.read32(R.TEMP)).toBe(0x13572468);
    expect(rig.read32(R.DSP)).toBe(SCRIPT + 3 * 12 + 8);
  });

  it('LOAD and STORE, absolute and DSA-relative (negative offsets too)', async () => {
    const rig = await run(
      (s) =>
        s
          .load(R.SCRATCHA, 4, DATA)
          .load(R.SCRATCHB + 2, 2, 0x0a, true) // DSA + 10 → DATA + 0x10a
          .store(R.SCRATCHA, 4, -8 & 0xffffff, true) // DSA - 8
          .store(R.SCRATCHA + 1, 1, RAM_BAR + 0x41)
          .int(1),
      (r) => {
        r.putDword(DATA, 0x44332211);
        r.putDword(DATA + 0x108, 0x88776655);
        r.write32(R.DSA, DATA + 0x100);
      },
    );
    expect(stopReason(rig)).toBe(DSTAT.SIR);
    expect(rig.read32(R.SCRATCHA)).toBe(0x44332211);
    expect(rig.read(R.SCRATCHB + 2, 2)).toBe(0x8877);
    expect(rig.dword(DATA + 0xf8)).toBe(0x44332211);
    expect(rig.core.io_read(SPACE_RAM, 0x41n, 1)).toBe(0x22n);
  });
});

describe('illegal instructions stop SCRIPTS with IID', () => {
  const cases: [string, (s: Script) => void][] = [
    ['transfer control opcode 4', (s) => s.raw(0xa0080000, 0)],
    ['transfer control reserved bit 22', (s) => s.raw(0x80480000, 0)],
    ['carry test with a data comparison', (s) => s.raw(0x80240000, 0)],
    ['LOAD of 0 bytes', (s) => s.raw(0xe1340000, DATA)],
    ['LOAD of 5 bytes', (s) => s.raw(0xe1340005, DATA)],
    ['LOAD with reserved bits 27:26', (s) => s.raw(0xe5340004, DATA)],
    ['LOAD misaligned with its register', (s) => s.load(R.SCRATCHA, 1, DATA + 1)],
    ['LOAD across a dword', (s) => s.load(R.SCRATCHA + 2, 4, DATA + 2)],
    ['memory move with reserved bits', (s) => s.raw(0xc2000004, DATA, DATA + 0x100)],
    ['memory move with different alignments', (s) => s.memoryMove(4, DATA + 1, DATA + 0x100)],
    ['block move of zero bytes', (s) => s.move(0, 0, DATA)],
    ['an all-zero dword pair', (s) => s.raw(0, 0)],
  ];
  for (const [name, build] of cases) {
    it(name, async () => {
      const rig = await run((s) => {
        build(s);
        s.int(0x600d);
      });
      expect(stopReason(rig)).toBe(DSTAT.IID);
      expect(rig.running()).toBe(false);
      expect(rig.read32(R.DSPS)).not.toBe(0x600d);
    });
  }

  it('LOAD/STORE aimed at the chip\'s own registers (BAR1)', async () => {
    const rig = await run(
      (s) => s.load(R.SCRATCHA, 4, 0xfeb00000 + R.DSA).int(0x600d),
      (r) => r.config(0x14, 4, 0xfeb00000),
    );
    expect(stopReason(rig)).toBe(DSTAT.IID);
  });
});

describe('bus faults', () => {
  it('fetching outside guest RAM stops with BF and DSP on the instruction', async () => {
    const rig = await LsiRig.create();
    rig.start(0x10000000);
    expect(stopReason(rig)).toBe(DSTAT.BF);
    expect(rig.read32(R.DSP)).toBe(0x10000000);
  });

  it('LOAD, STORE and memory moves outside guest RAM are bus faults; so is the register BAR', async () => {
    for (const build of [
      (s: Script) => s.load(R.SCRATCHA, 4, 0x7ffffff0),
      (s: Script) => s.store(R.SCRATCHA, 4, 0xfffffff0),
      (s: Script) => s.memoryMove(16, DATA, 0xfeb00000),
      (s: Script) => s.memoryMove(0x10000, 0x3f8000, DATA), // runs off the end of RAM
    ]) {
      const rig = await run((s) => {
        build(s);
        s.int(0x600d);
      });
      expect(stopReason(rig)).toBe(DSTAT.BF);
    }
  });

  it('without PCI bus mastering every host memory access faults; SCRIPTS RAM still works', async () => {
    const rig = await LsiRig.create({ noBusMaster: true });
    const s = new Script(RAM_BAR).load(R.SCRATCHA, 4, RAM_BAR + 0x100).int(1).load(R.SCRATCHA, 4, DATA).int(2);
    rig.load(s);
    rig.core.io_write(SPACE_RAM, 0x100n, 4, 0x12345678n);
    rig.start(RAM_BAR);
    expect(stopReason(rig)).toBe(DSTAT.SIR);
    expect(rig.read32(R.SCRATCHA)).toBe(0x12345678);
    rig.start(RAM_BAR + 16);
    expect(stopReason(rig)).toBe(DSTAT.BF);
    rig.start(SCRIPT);
    expect(stopReason(rig)).toBe(DSTAT.BF);
  });
});

describe('starting and stepping', () => {
  it('single step stops after each instruction with SSI; DCNTL STD steps on', async () => {
    const rig = await LsiRig.create();
    rig.load(new Script(SCRIPT).modify(R.SCRATCHA, OP.MOVE, 1).modify(R.SCRATCHA, OP.MOVE, 2).int(3));
    rig.write(R.DCNTL, 0x10);
    rig.start(SCRIPT);
    expect(stopReason(rig)).toBe(DSTAT.SSI);
    expect([rig.read(R.SCRATCHA), rig.read32(R.DSP)]).toEqual([1, SCRIPT + 8]);
    rig.write(R.DCNTL, 0x10 | 0x04);
    expect(stopReason(rig)).toBe(DSTAT.SSI);
    expect([rig.read(R.SCRATCHA), rig.read32(R.DSP)]).toEqual([2, SCRIPT + 16]);
    rig.write(R.DCNTL, 0x04); // leave single step: run to the INT
    expect(stopReason(rig)).toBe(DSTAT.SIR);
  });

  it('in manual start mode a DSP write does not start SCRIPTS; STD does', async () => {
    const rig = await LsiRig.create();
    rig.load(new Script(SCRIPT).int(5));
    rig.write(R.DMODE, 0x01);
    rig.start(SCRIPT);
    expect(rig.read(R.ISTAT) & ISTAT.DIP).toBe(0);
    rig.write(R.DCNTL, 0x04);
    expect(stopReason(rig)).toBe(DSTAT.SIR);
  });
});

describe('bounded execution', () => {
  const counterLoop = (s: Script) =>
    s.label('loop').modify(R.SCRATCHA, OP.ADD, 1).modify(R.SCRATCHA + 1, OP.ADDC, 0).modify(R.SCRATCHA + 2, OP.ADDC, 0).jump('loop');

  it('yields after its instruction budget and continues from a zero-delay timer; ABRT stops it', async () => {
    const rig = await LsiRig.create();
    const s = new Script(SCRIPT);
    counterLoop(s);
    rig.load(s);
    rig.start(SCRIPT, { drain: false });
    expect(rig.timers.get(TIMER_SCRIPTS)).toBe(0n);
    expect(rig.running()).toBe(true);
    // 10,000 instructions of 4 per iteration.
    expect(rig.read32(R.SCRATCHA)).toBe(2500);
    rig.timers.delete(TIMER_SCRIPTS);
    rig.core.timer_fired(TIMER_SCRIPTS);
    expect(rig.read32(R.SCRATCHA)).toBe(5000);
    rig.write(R.ISTAT, ISTAT.ABRT);
    expect(rig.running()).toBe(false);
    expect(rig.timers.has(TIMER_SCRIPTS)).toBe(false);
    expect(stopReason(rig)).toBe(DSTAT.ABRT);
  });

  it('a program that never waits is stopped with IID after the runaway limit', async () => {
    const rig = await LsiRig.create();
    const s = new Script(SCRIPT);
    counterLoop(s);
    rig.load(s);
    rig.write(R.DIEN, DSTAT.IID);
    rig.start(SCRIPT, { drain: false });
    const slices = rig.drainYields(1000);
    expect(slices).toBe(400);
    expect(rig.running()).toBe(false);
    expect(rig.irq()).toBe(true);
    expect(stopReason(rig)).toBe(DSTAT.IID);
    expect(rig.read32(R.SCRATCHA)).toBe(1_000_000);
    expect(rig.h.logs.some((l) => l.text.includes('never wait'))).toBe(true);
  });
});
