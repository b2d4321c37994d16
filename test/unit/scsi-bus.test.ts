// LSI53C895A core: the SCSI bus as the SCRIPTS see it — selection and its timeout, the
// message system (IDENTIFY, queue tags, WDTR/SDTR/PPR answered like a narrow Ultra2 target,
// MESSAGE REJECT of what a target does not know, messages split over moves), command /
// status / COMMAND COMPLETE, phase mismatch (MA, and the phase mismatch jump sym53c8xx uses on
// this chip), ATN to interrupt a phase, WAIT DISCONNECT and WAIT RESELECT.

import { describe, expect, it } from 'vitest';
import { MemoryImage } from '../helpers/core-harness.js';
import { DSTAT, ISTAT, LsiRig, R, SIST0, SIST1, testTarget } from './scsi-rig.js';
import { OP, PHASE, Script } from './scsi-assembler.js';

const SCRIPT = 0x1000;
const MSG_OUT = 0x9000;
const MSG_IN = 0x9100;
const CDB = 0x9200;
const STATUS = 0x9300;
const BUF = 0xa000;
const TARGET = 2;

async function busRig(): Promise<LsiRig> {
  const rig = await LsiRig.create({ targets: [null, null, testTarget(256, 0)], images: { 0: MemoryImage.patterned(256) } });
  rig.write(R.SCID, 0x47);
  return rig;
}

function runScript(rig: LsiRig, s: Script): void {
  rig.load(s);
  rig.start(s.base);
}

/** Select with ATN and send `msg`; then the caller's instructions. */
function selected(rig: LsiRig, msg: number[]): Script {
  rig.putBytes(MSG_OUT, msg);
  return new Script(SCRIPT)
    .select(TARGET, { atn: true, alt: 'never' })
    .int(0xdead, { when: PHASE.MSG_OUT, ifFalse: true })
    .move(PHASE.MSG_OUT, msg.length, MSG_OUT);
}

function endWith(s: Script, vector: number): Script {
  return s.int(vector).label('never').int(0xbad);
}

/** A full nexus after the messages: CDB, optional data, status, COMMAND COMPLETE, bus free. */
function finishCommand(s: Script, cdb: number[], rig: LsiRig, data?: { phase: 0 | 1; count: number }): Script {
  rig.putBytes(CDB, cdb);
  s.int(0xc0, { when: PHASE.COMMAND, ifFalse: true }).move(PHASE.COMMAND, cdb.length, CDB);
  if (data) s.int(0xd0, { when: data.phase, ifFalse: true }).move(data.phase, data.count, BUF);
  return s
    .int(0x5a, { when: PHASE.STATUS, ifFalse: true })
    .move(PHASE.STATUS, 1, STATUS)
    .int(0x3a, { when: PHASE.MSG_IN, ifFalse: true })
    .move(PHASE.MSG_IN, 1, MSG_IN)
    .modify(R.SCNTL2, OP.AND, 0x7f)
    .clear({ ack: true, atn: true })
    .waitDisconnect();
}

describe('selection', () => {
  it('selecting an absent ID times out at the next instruction that waits for the target (STO)', async () => {
    const rig = await busRig();
    rig.write(R.SIEN1, SIST1.STO);
    const s = new Script(SCRIPT)
      .select(5, { atn: true, alt: 'never' })
      .load(R.SCRATCHA, 4, BUF) // runs while the selection is under way
      .label('wf')
      .int(0x1, { when: PHASE.MSG_OUT, ifFalse: true })
      .int(0x2)
      .label('never')
      .int(0xbad);
    runScript(rig, s);
    expect(rig.read(R.ISTAT) & 3).toBe(ISTAT.SIP);
    expect(rig.irq()).toBe(true);
    expect(rig.read(R.SIST1)).toBe(SIST1.STO);
    // sym53c8xx recognises a selection timeout by DSP just after its WHEN MSG_OUT test.
    expect(rig.read32(R.DSP)).toBe(s.addressOf('wf') + 8);
    expect(rig.read(R.ISTAT) & ISTAT.CON).toBe(0);
    expect(rig.read(R.SDID)).toBe(5);
  });

  it('selecting the chip\'s own ID times out too', async () => {
    const rig = await busRig();
    rig.write(R.SCID, 0x42);
    const rig2 = rig;
    rig2.write(R.SIEN1, SIST1.STO);
    runScript(rig, endWith(new Script(SCRIPT).select(2, { atn: true, alt: 'never' }).jump('never', { when: PHASE.MSG_OUT }), 1));
    expect(rig.read(R.SIST1)).toBe(SIST1.STO);
  });

  it('SELECT without ATN goes straight to COMMAND: LUN 0, no IDENTIFY', async () => {
    const rig = await busRig();
    const s = new Script(SCRIPT).select(TARGET, { alt: 'never' });
    finishCommand(s, [0, 0, 0, 0, 0, 0], rig);
    runScript(rig, endWith(s, 0x600d));
    expect(rig.read32(R.DSPS)).toBe(0x600d);
    expect(rig.ram[STATUS]).toBe(0);
    expect(rig.ram[MSG_IN]).toBe(0);
  });

  it('a complete untagged TEST UNIT READY: status, COMMAND COMPLETE, SFBR/SIDL, bus free', async () => {
    const rig = await busRig();
    rig.ram[STATUS] = 0xff;
    const s = selected(rig, [0x80]);
    finishCommand(s, [0, 0, 0, 0, 0, 0], rig);
    runScript(rig, endWith(s, 0x600d));
    expect(rig.read32(R.DSPS)).toBe(0x600d);
    expect([rig.ram[STATUS], rig.ram[MSG_IN]]).toEqual([0, 0]);
    expect(rig.read(R.SFBR)).toBe(0);
    expect(rig.read(R.ISTAT) & ISTAT.CON).toBe(0);
    expect(rig.read(R.SSTAT0) & 0x04).toBe(0x04); // won arbitration
    expect(rig.h.submitted).toHaveLength(0);
  });
});

describe('messages', () => {
  async function exchange(out: number[], inCount: number): Promise<{ rig: LsiRig; reply: number[]; phaseAfter: number }> {
    const rig = await busRig();
    const s = selected(rig, [0xc0, ...out])
      .int(0x1, { when: PHASE.MSG_IN, ifFalse: true })
      .move(PHASE.MSG_IN, inCount, MSG_IN)
      .clear({ ack: true })
      .int(0x2, { when: PHASE.COMMAND })
      .int(0x3);
    runScript(rig, endWith(s, 0x4));
    const phaseAfter = rig.read32(R.DSPS);
    return { rig, reply: Array.from(rig.bytes(MSG_IN, inCount)), phaseAfter };
  }

  it('WDTR: a narrow target answers 8-bit', async () => {
    const { reply, phaseAfter } = await exchange([0x01, 0x02, 0x03, 0x01], 4);
    expect(reply).toEqual([0x01, 0x02, 0x03, 0x00]);
    expect(phaseAfter).toBe(0x2); // then the command phase
  });

  it('SDTR: period and offset clipped to Fast-40 and 31', async () => {
    expect((await exchange([0x01, 0x03, 0x01, 0x09, 0x3e], 5)).reply).toEqual([0x01, 0x03, 0x01, 0x0a, 0x1f]);
    expect((await exchange([0x01, 0x03, 0x01, 0x19, 0x08], 5)).reply).toEqual([0x01, 0x03, 0x01, 0x19, 0x08]);
  });

  it('PPR: no DT, no wide; period and offset clipped', async () => {
    const { reply } = await exchange([0x01, 0x06, 0x04, 0x09, 0x00, 0x3e, 0x01, 0x02], 8);
    expect(reply).toEqual([0x01, 0x06, 0x04, 0x0a, 0x00, 0x1f, 0x00, 0x00]);
  });

  it('unknown messages are answered with MESSAGE REJECT, and the target carries on', async () => {
    for (const msg of [[0x01, 0x02, 0x55, 0x00], [0x0a], [0x23, 0x01], [0x01, 0x03, 0x03, 0x01, 0x00]]) {
      const { reply, phaseAfter } = await exchange(msg, 1);
      expect(reply).toEqual([0x07]);
      expect(phaseAfter).toBe(0x2);
    }
  });

  it('a message split over two MOVEs is put back together', async () => {
    const rig = await busRig();
    rig.putBytes(MSG_OUT, [0xc0, 0x01, 0x03]);
    rig.putBytes(MSG_OUT + 0x10, [0x01, 0x19, 0x08]);
    const s = new Script(SCRIPT)
      .select(TARGET, { atn: true, alt: 'never' })
      .move(PHASE.MSG_OUT, 3, MSG_OUT)
      .int(0x1, { when: PHASE.MSG_OUT, ifFalse: true }) // still message out: the SDTR is incomplete
      .move(PHASE.MSG_OUT, 3, MSG_OUT + 0x10)
      .move(PHASE.MSG_IN, 5, MSG_IN)
      .clear({ ack: true });
    runScript(rig, endWith(s, 0x600d));
    expect(rig.read32(R.DSPS)).toBe(0x600d);
    expect(Array.from(rig.bytes(MSG_IN, 5))).toEqual([0x01, 0x03, 0x01, 0x19, 0x08]);
  });

  it('NOP and INITIATOR DETECTED ERROR are accepted silently', async () => {
    const rig = await busRig();
    const s = selected(rig, [0xc0, 0x08, 0x05]);
    finishCommand(s, [0, 0, 0, 0, 0, 0], rig);
    runScript(rig, endWith(s, 0x600d));
    expect(rig.read32(R.DSPS)).toBe(0x600d);
  });
});

describe('phase mismatch', () => {
  const inquiry = [0x12, 0, 0, 0, 36, 0];

  function inquiryWithLongMove(rig: LsiRig): Script {
    rig.putBytes(CDB, inquiry);
    return selected(rig, [0x80])
      .move(PHASE.COMMAND, 6, CDB)
      .label('data')
      .move(PHASE.DATA_IN, 64, BUF) // the target has only 36 bytes
      .int(0x1)
      .label('pm')
      .int(0x2)
      .label('pm2')
      .int(0x3)
      .label('never')
      .int(0xbad);
  }

  it('without the jump: SIST0 MA, DBC/DNAD hold the residue, the phase is STATUS', async () => {
    const rig = await busRig();
    rig.write(R.SIEN0, SIST0.MA);
    const s = inquiryWithLongMove(rig);
    runScript(rig, s);
    expect(rig.read(R.SIST0)).toBe(SIST0.MA);
    expect(rig.read32(R.DBC) & 0xffffff).toBe(28);
    expect(rig.read32(R.DNAD)).toBe(BUF + 36);
    expect(rig.read32(R.DSP)).toBe(s.addressOf('data') + 8);
    expect(rig.read(R.SSTAT1) & 7).toBe(PHASE.STATUS);
    expect(new TextDecoder().decode(rig.bytes(BUF + 8, 5))).toBe('HVMIO');
  });

  it('with CCNTL0 ENPMJ: a jump to PMJAD1 with RBC, UA and IA set, no interrupt', async () => {
    const rig = await busRig();
    const s = inquiryWithLongMove(rig);
    s.assemble();
    rig.write(R.CCNTL0, 0x80);
    rig.write32(R.PMJAD1, s.addressOf('pm'));
    rig.write32(R.PMJAD2, s.addressOf('pm2'));
    runScript(rig, s);
    expect(rig.read32(R.DSPS)).toBe(0x2);
    expect(rig.read(R.SIST0)).toBe(0);
    expect(rig.read32(R.RBC) & 0xffffff).toBe(28);
    expect(rig.read32(R.UA)).toBe(BUF + 36);
    expect(rig.read32(R.IA)).toBe(s.addressOf('data'));
  });

  it('with PMJCTL the direction picks the address: data in goes to PMJAD2', async () => {
    const rig = await busRig();
    const s = inquiryWithLongMove(rig);
    s.assemble();
    rig.write(R.CCNTL0, 0x80 | 0x40);
    rig.write32(R.PMJAD1, s.addressOf('pm'));
    rig.write32(R.PMJAD2, s.addressOf('pm2'));
    runScript(rig, s);
    expect(rig.read32(R.DSPS)).toBe(0x3);
  });

  it('a COMMAND move longer than the CDB is a mismatch: MA, unless ENNDJ', async () => {
    for (const ccntl0 of [0x80, 0xa0]) {
      const rig = await busRig();
      rig.putBytes(CDB, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
      const s = selected(rig, [0x80]).move(PHASE.COMMAND, 12, CDB).int(0x1).label('pm').int(0x2).label('never').int(0xbad);
      s.assemble();
      rig.write(R.CCNTL0, ccntl0);
      rig.write32(R.PMJAD1, s.addressOf('pm'));
      runScript(rig, s);
      if (ccntl0 === 0x80) {
        expect(rig.read(R.SIST0)).toBe(SIST0.MA);
        expect(rig.read32(R.DBC) & 0xffffff).toBe(6);
      } else {
        expect(rig.read32(R.DSPS)).toBe(0x2);
      }
    }
  });

  it('a STATUS move of two bytes gets one, then the target is in MESSAGE IN', async () => {
    const rig = await busRig();
    rig.putBytes(CDB, [0, 0, 0, 0, 0, 0]);
    const s = selected(rig, [0x80]).move(PHASE.COMMAND, 6, CDB).move(PHASE.STATUS, 2, STATUS).int(0x1).label('never').int(0xbad);
    runScript(rig, s);
    expect(rig.read(R.SIST0)).toBe(SIST0.MA);
    expect(rig.read(R.SSTAT1) & 7).toBe(PHASE.MSG_IN);
    expect(rig.read32(R.DBC) & 0xffffff).toBe(1);
  });
});

describe('ATN, disconnect and reselection waits', () => {
  it('ATN in a data phase: the target takes MESSAGE OUT; ABORT TASK ends the task, nothing reaches the backend', async () => {
    const rig = await busRig();
    rig.putBytes(CDB, [0x28, 0, 0, 0, 0, 8, 0, 0, 4, 0]);
    rig.ram[MSG_OUT + 0x10] = 0x0d;
    const s = selected(rig, [0xc0, 0x20, 0x05])
      .move(PHASE.COMMAND, 10, CDB)
      .move(PHASE.DATA_IN, 512, BUF) // one of four blocks
      .set({ atn: true })
      .int(0x1, { when: PHASE.MSG_OUT, ifFalse: true })
      .move(PHASE.MSG_OUT, 1, MSG_OUT + 0x10)
      .waitDisconnect();
    runScript(rig, endWith(s, 0x600d));
    expect(rig.read32(R.DSPS)).toBe(0x600d);
    expect(rig.read(R.ISTAT) & ISTAT.CON).toBe(0);
    expect(rig.h.submitted).toHaveLength(0);
    // The nexus is free again: the same tag can be used at once.
    const again = selected(rig, [0xc0, 0x20, 0x05]);
    finishCommand(again, [0, 0, 0, 0, 0, 0], rig);
    rig.ram[STATUS] = 0xff;
    runScript(rig, endWith(again, 0x600e));
    expect([rig.read32(R.DSPS), rig.ram[STATUS]]).toEqual([0x600e, 0]);
  });

  it('MESSAGE REJECT of DISCONNECT: the target keeps the bus until its request is done', async () => {
    const rig = await busRig();
    rig.putBytes(CDB, [0x28, 0, 0, 0, 0, 8, 0, 0, 1, 0]);
    rig.ram[MSG_OUT + 0x10] = 0x07;
    const s = selected(rig, [0xc0, 0x20, 0x01])
      .move(PHASE.COMMAND, 10, CDB)
      .move(PHASE.DATA_IN, 512, BUF)
      .move(PHASE.MSG_IN, 1, MSG_IN) // SAVE DATA POINTER
      .clear({ ack: true })
      .move(PHASE.MSG_IN, 1, MSG_IN + 1) // DISCONNECT
      .set({ atn: true })
      .clear({ ack: true })
      .move(PHASE.MSG_OUT, 1, MSG_OUT + 0x10) // MESSAGE REJECT
      .move(PHASE.STATUS, 1, STATUS) // waits for REQ until the read is done
      .move(PHASE.MSG_IN, 1, MSG_IN + 2)
      .clear({ ack: true })
      .waitDisconnect();
    rig.ram[STATUS] = 0xff;
    runScript(rig, endWith(s, 0x600d));
    expect(Array.from(rig.bytes(MSG_IN, 2))).toEqual([0x02, 0x04]);
    expect(rig.running()).toBe(true);
    expect(rig.read(R.ISTAT) & ISTAT.CON).toBe(ISTAT.CON);
    expect(rig.h.submitted).toHaveLength(1);
    rig.flushIo();
    expect(rig.read32(R.DSPS)).toBe(0x600d);
    expect([rig.ram[STATUS], rig.ram[MSG_IN + 2]]).toEqual([0, 0]);
  });

  it('a stray SET ACK shows on SBCL but moves no phase along', async () => {
    const rig = await busRig();
    const s = selected(rig, [0x80]).set({ ack: true }).int(0x1);
    runScript(rig, endWith(s, 2));
    expect(rig.read(R.SBCL) & 0xc7).toBe(0x80 | 0x40 | PHASE.COMMAND); // REQ, ACK, COMMAND
    const rest = new Script(0x3000);
    finishCommand(rest.clear({ ack: true }), [0, 0, 0, 0, 0, 0], rig);
    rig.ram[STATUS] = 0xff;
    rig.load(rest.int(0x600d));
    rig.start(0x3000);
    expect([rig.read32(R.DSPS), rig.ram[STATUS]]).toEqual([0x600d, 0]);
  });

  it('WAIT DISCONNECT while the target asks for another phase is illegal (IID)', async () => {
    const rig = await busRig();
    runScript(rig, endWith(selected(rig, [0x80]).waitDisconnect(), 1));
    expect(rig.read(R.DSTAT) & 0x7f).toBe(DSTAT.IID);
  });

  it('a disconnect while SCNTL2 SDU is set is unexpected (UDC)', async () => {
    const rig = await busRig();
    rig.write(R.SIEN0, SIST0.UDC);
    const s = selected(rig, [0x80]);
    rig.putBytes(CDB, [0, 0, 0, 0, 0, 0]);
    s.move(PHASE.COMMAND, 6, CDB).move(PHASE.STATUS, 1, STATUS).move(PHASE.MSG_IN, 1, MSG_IN)
      .modify(R.SCNTL2, OP.OR, 0x80).clear({ ack: true }).int(0x1);
    runScript(rig, endWith(s, 2));
    expect(rig.read(R.SIST0)).toBe(SIST0.UDC);
    expect(rig.irq()).toBe(false);
  });

  it('WAIT RESELECT with nothing to reselect parks (no interrupt); SIGP sends it to its alternate address', async () => {
    const rig = await busRig();
    const s = new Script(SCRIPT).waitReselect('woken').int(0x1).label('woken').int(0x2);
    runScript(rig, s);
    expect(rig.running()).toBe(true);
    expect(rig.read(R.ISTAT) & 3).toBe(0);
    expect(rig.read32(R.DSP)).toBe(SCRIPT + 8); // waiting: the chip has fetched it
    rig.write(R.ISTAT, ISTAT.SIGP);
    expect(rig.read32(R.DSPS)).toBe(0x2);
    expect(rig.read(R.DSTAT) & 0x7f).toBe(DSTAT.SIR);
    // Parked again, ABRT stops it.
    rig.write(R.ISTAT, 0);
    rig.start(SCRIPT);
    expect(rig.running()).toBe(true);
    rig.write(R.ISTAT, ISTAT.ABRT);
    expect(rig.running()).toBe(false);
    expect(rig.read(R.DSTAT) & DSTAT.ABRT).toBe(DSTAT.ABRT);
  });

  it('WAIT RESELECT does not respond without SCID RRE; with it, the finished task reselects', async () => {
    const rig = await busRig();
    rig.putBytes(CDB, [0x28, 0, 0, 0, 0, 8, 0, 0, 1, 0]);
    const s = selected(rig, [0xc0, 0x20, 0x09])
      .move(PHASE.COMMAND, 10, CDB)
      .move(PHASE.DATA_IN, 512, BUF)
      .move(PHASE.MSG_IN, 2, MSG_IN) // SAVE DATA POINTER, DISCONNECT
      .clear({ ack: true })
      .waitDisconnect()
      .label('resel')
      .waitReselect('never')
      .move(PHASE.MSG_IN, 1, MSG_IN + 2)
      .clear({ ack: true })
      .move(PHASE.MSG_IN, 2, MSG_IN + 3)
      .toSfbr(R.SIDL, OP.OR, 0)
      .fromSfbr(R.SCRATCHA, OP.OR, 0)
      .clear({ ack: true })
      .move(PHASE.STATUS, 1, STATUS)
      .move(PHASE.MSG_IN, 1, MSG_IN + 5)
      .clear({ ack: true })
      .waitDisconnect();
    rig.write(R.SCID, 0x07); // RRE off
    runScript(rig, endWith(s, 0x600d));
    rig.flushIo();
    expect(rig.running()).toBe(true); // still waiting: the chip ignores reselection
    expect(rig.read32(R.DSP)).toBe(s.addressOf('resel') + 8);
    rig.write(R.SCID, 0x47);
    expect(rig.read32(R.DSPS)).toBe(0x600d);
    expect(Array.from(rig.bytes(MSG_IN, 6))).toEqual([0x02, 0x04, 0x80, 0x20, 0x09, 0x00]);
    expect(rig.read(R.SSID)).toBe(0x80 | TARGET);
    expect(rig.read(R.SCRATCHA)).toBe(0x09); // the tag, from SIDL
    expect(rig.ram[STATUS]).toBe(0);
  });
});
