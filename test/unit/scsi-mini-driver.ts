// A small SCSI host driver in the style of Linux's sym53c8xx, for the LSI controller tests:
// its SCRIPTS (scheduler, selection with ATN, IDENTIFY + SIMPLE QUEUE TAG, command, data
// phases as chains of table-indirect CHMOVs entered in the middle, SAVE DATA POINTER,
// DISCONNECT, WAIT RESELECT, reselection with a tag lookup, status, COMMAND COMPLETE, a done
// queue and INTFLY) run in the chip's SCRIPTS RAM; the C side (here: TypeScript) builds a
// command control block per command in guest RAM, queues it and collects it when done.
//
// Guest memory layout (all below 1 MiB):
//   0x10000 start queue (dwords: CCB address or IDLE), 0x11000 done queue (8-byte slots),
//   0x12000 variables, 0x13000 tag table (64 CCB pointers), 0x20000.. CCBs (0x400 each),
//   0x80000 data-in / data-out scripts (MAX_SG CHMOVs each), 0x200000.. data tables (one per
//   CCB slot, MAX_SG entries); 0x100000-0x1fffff and 0x300000-0x3fffff are free for buffers.

import { LsiRig, R, RAM_BAR } from './scsi-rig.js';
import { OP, PHASE, Script } from './scsi-assembler.js';

export const MAX_SG = 1100;
const STARTQ = 0x10000;
const STARTQ_SLOTS = 256;
const DONEQ = 0x11000;
const DONEQ_SLOTS = 128;
const VARS = 0x12000;
const STARTPOS = VARS;
const DONEPOS = VARS + 4;
const SCRATCH_VAR = VARS + 8;
const TAGTBL_VAR = VARS + 12;
const RESEL_MSG = VARS + 16;
const IDLE_CCB = VARS + 0x40;
const TAGTBL = 0x13000;
const CCB_BASE = 0x20000;
const CCB_SIZE = 0x400;
export const DATA_SCRIPTS = 0x80000;
const DATA_OUT_SCRIPT = DATA_SCRIPTS + (MAX_SG + 1) * 8;

// CCB fields
const CCB_START = 0x00; // SCRIPTS address the scheduler returns to
const CCB_SELECT = 0x04; // SCNTL3 | ID | SXFER for SELECT from table
const CCB_MSGOUT = 0x08; // {count, addr}
const CCB_CMD = 0x10;
const CCB_STATUS = 0x18;
const CCB_MSGIN = 0x20;
const CCB_LASTP = 0x28; // where the data phase continues (an address in a CHMOV chain)
const CCB_DATA = 0x30; // address of the command's data table: the chain's DSA
const CCB_STATUS_BYTE = 0x100;
const CCB_MSGIN_BUF = 0x104;
const CCB_MSGOUT_BUF = 0x110;
const CCB_CDB = 0x120;
// Data entries of command n: DATA_TABLES + n * MAX_SG * 8
const DATA_TABLES = 0x200000;

export const SIR = { NO_MSG_OUT: 0x10, BAD_PHASE: 0x11, UNEXPECTED_MSG: 0x12, NOT_IDENTIFY: 0x13, STOPPED: 0x14 } as const;

export interface Segment {
  addr: number;
  len: number;
}

export interface Command {
  /** CCB slot. */
  slot: number;
  /** Queue tag (default: the slot). */
  tag?: number;
  target: number;
  lun?: number;
  cdb: number[];
  segments?: Segment[];
  /** Data direction of the segments. */
  dataIn?: boolean;
  /** Untagged and without the disconnect privilege. */
  untagged?: boolean;
  /** Extra bytes after IDENTIFY [+ tag] in the MESSAGE OUT phase (e.g. a negotiation). */
  extraMessages?: number[];
  /** The target will refuse it at once (BUSY, TASK SET FULL): leave the tag table alone. */
  expectRefusal?: boolean;
}

export class MiniDriver {
  readonly script: Script;
  private queued = 0;
  private doneSeen = 0;

  constructor(readonly rig: LsiRig) {
    this.script = buildScript();
  }

  static async attach(rig: LsiRig): Promise<MiniDriver> {
    const d = new MiniDriver(rig);
    d.install();
    return d;
  }

  addressOf(label: string): number {
    return this.script.addressOf(label);
  }

  /** Loads the SCRIPTS, sets up the queues and the chip the way sym53c8xx's init does, and
   *  starts the scheduler (which parks in WAIT RESELECT). */
  install(): void {
    const rig = this.rig;
    rig.load(this.script);
    const dataDone = this.addressOf('data_done');
    rig.load(dataScript(DATA_SCRIPTS, PHASE.DATA_IN, dataDone));
    rig.load(dataScript(DATA_OUT_SCRIPT, PHASE.DATA_OUT, dataDone));
    rig.putDword(IDLE_CCB + CCB_START, this.addressOf('idle'));
    for (let i = 0; i < STARTQ_SLOTS; i++) rig.putDword(STARTQ + i * 4, IDLE_CCB);
    rig.putDword(STARTPOS, STARTQ);
    for (let i = 0; i < DONEQ_SLOTS; i++) {
      rig.putDword(DONEQ + i * 8, 0);
      rig.putDword(DONEQ + i * 8 + 4, DONEQ + ((i + 1) % DONEQ_SLOTS) * 8);
    }
    rig.putDword(DONEPOS, DONEQ);
    rig.putDword(TAGTBL_VAR, TAGTBL);
    rig.write(R.SCID, 0x40 | 7); // respond to reselection, ID 7
    rig.write(R.DCNTL, 0x01); // COM: keep SFBR on reselection
    rig.write(R.SIEN0, 0x8f); // MA, SGE, UDC, RST, PAR
    rig.write(R.SIEN1, 0x04); // STO
    rig.write(R.DIEN, 0x7d); // MDPE, BF, ABRT, SSI, SIR, IID
    rig.start(this.addressOf('sched'));
  }

  ccbAddress(slot: number): number {
    return CCB_BASE + slot * CCB_SIZE;
  }

  /** Builds the CCB and hands it to the SCRIPTS (start queue + SIGP). */
  queue(cmd: Command): void {
    const rig = this.rig;
    const ccb = this.ccbAddress(cmd.slot);
    const lun = cmd.lun ?? 0;
    const tag = cmd.tag ?? cmd.slot;
    const msg = cmd.untagged ? [0x80 | lun] : [0xc0 | lun, 0x20, tag];
    msg.push(...(cmd.extraMessages ?? []));
    rig.putDword(ccb + CCB_START, this.addressOf('select'));
    rig.putDword(ccb + CCB_SELECT, (cmd.target & 0xf) << 16);
    rig.putBytes(ccb + CCB_MSGOUT_BUF, msg);
    rig.putDword(ccb + CCB_MSGOUT, msg.length);
    rig.putDword(ccb + CCB_MSGOUT + 4, ccb + CCB_MSGOUT_BUF);
    rig.putBytes(ccb + CCB_CDB, cmd.cdb);
    rig.putDword(ccb + CCB_CMD, cmd.cdb.length);
    rig.putDword(ccb + CCB_CMD + 4, ccb + CCB_CDB);
    rig.putDword(ccb + CCB_STATUS, 1);
    rig.putDword(ccb + CCB_STATUS + 4, ccb + CCB_STATUS_BYTE);
    rig.putDword(ccb + CCB_MSGIN, 1);
    rig.putDword(ccb + CCB_MSGIN + 4, ccb + CCB_MSGIN_BUF);
    rig.ram[ccb + CCB_STATUS_BYTE] = 0xff;
    // Data: the table entries go at the end of the chain so that the last CHMOV is the last
    // segment; the data pointer enters the chain in the middle (sym53c8xx's lastp).
    const segs = cmd.segments ?? [];
    if (segs.length > MAX_SG) throw new Error('too many segments');
    const table = DATA_TABLES + cmd.slot * MAX_SG * 8;
    segs.forEach((s, i) => {
      const entry = table + (MAX_SG - segs.length + i) * 8;
      rig.putDword(entry, s.len);
      rig.putDword(entry + 4, s.addr);
    });
    const chain = cmd.dataIn === false ? DATA_OUT_SCRIPT : DATA_SCRIPTS;
    rig.putDword(ccb + CCB_LASTP, chain + (MAX_SG - segs.length) * 8);
    rig.putDword(ccb + CCB_DATA, table); // the data chain's DSA
    // Reselection finds the CCB by tag; a command the target is expected to refuse (an
    // overlapping tag) must not take over the table entry of the one it overlaps.
    if (!cmd.untagged && !cmd.expectRefusal) rig.putDword(TAGTBL + (tag & 0x3f) * 4, ccb);
    // Queue: the next slot becomes IDLE first, then this one the CCB.
    const slot = STARTQ + ((this.queued + 1) % STARTQ_SLOTS) * 4;
    rig.putDword(slot, IDLE_CCB);
    rig.putDword(STARTQ + (this.queued % STARTQ_SLOTS) * 4, ccb);
    this.queued++;
    rig.write(R.ISTAT, 0x20); // SIGP: wake the scheduler from WAIT RESELECT
    rig.drainYields();
  }

  /** Status byte the command finished with (0xff while not done). */
  status(slot: number): number {
    return this.rig.ram[this.ccbAddress(slot) + CCB_STATUS_BYTE]!;
  }

  /** CCBs the SCRIPTS put in the done queue since the last call. */
  takeDone(): number[] {
    const done: number[] = [];
    for (let guard = 0; guard < DONEQ_SLOTS; guard++) {
      const slot = DONEQ + (this.doneSeen % DONEQ_SLOTS) * 8;
      const ccb = this.rig.dword(slot);
      if (ccb === 0) break;
      this.rig.putDword(slot, 0);
      this.doneSeen++;
      done.push((ccb - CCB_BASE) / CCB_SIZE);
    }
    if (this.rig.read(R.ISTAT) & 0x04) this.rig.write(R.ISTAT, 0x04);
    return done;
  }
}

/** The RAM-resident SCRIPTS. DSA points at the current CCB throughout. */
function buildScript(): Script {
  const s = new Script(RAM_BAR);
  s.label('sched')
    .toSfbr(R.CTEST2, OP.OR, 0) // clears SIGP
    .load(R.SCRATCHA, 4, STARTPOS)
    .load(R.DSA, 4, STARTPOS)
    .load(R.DSA, 4, 0, true) // the queued CCB, or IDLE
    .load(R.TEMP, 4, CCB_START, true)
    .ret();
  s.label('idle').waitReselect('sched').jump('reselected');
  s.label('select')
    // consume the start queue slot
    .modify(R.SCRATCHA, OP.ADD, 4)
    .modify(R.SCRATCHA + 1, OP.ADDC, 0)
    .modify(R.SCRATCHA + 2, OP.ADDC, 0)
    .modify(R.SCRATCHA + 3, OP.ADDC, 0)
    .store(R.SCRATCHA, 4, STARTPOS)
    .selectTable(CCB_SELECT, { atn: true, alt: 'reselected' })
    .int(SIR.NO_MSG_OUT, { when: PHASE.MSG_OUT, ifFalse: true })
    .moveTable(PHASE.MSG_OUT, CCB_MSGOUT);
  s.label('dispatch')
    .jump('msgin', { when: PHASE.MSG_IN })
    .jump('command', { if: PHASE.COMMAND })
    .jump('datain', { if: PHASE.DATA_IN })
    .jump('dataout', { if: PHASE.DATA_OUT })
    .jump('status', { if: PHASE.STATUS })
    .int(SIR.BAD_PHASE);
  s.label('command').moveTable(PHASE.COMMAND, CCB_CMD).jump('dispatch');
  // Data: DSA moves to the command's data table for the chain, and back afterwards.
  s.label('datain').label('dataout')
    .store(R.DSA, 4, SCRATCH_VAR)
    .load(R.TEMP, 4, CCB_LASTP, true)
    .load(R.DSA, 4, CCB_DATA, true)
    .ret();
  s.label('data_done').load(R.DSA, 4, SCRATCH_VAR).jump('dispatch');
  s.label('status').moveTable(PHASE.STATUS, CCB_STATUS).jump('dispatch');
  s.label('msgin')
    .moveTable(PHASE.MSG_IN, CCB_MSGIN)
    .jump('complete', { data: { value: 0x00 } })
    .jump('sdp', { data: { value: 0x02 } })
    .jump('disconnect', { data: { value: 0x04 } })
    .int(SIR.UNEXPECTED_MSG);
  s.label('sdp').clear({ ack: true }).jump('dispatch');
  s.label('disconnect')
    .modify(R.SCNTL2, OP.AND, 0x7f)
    .clear({ ack: true, atn: true })
    .waitDisconnect()
    .jump('sched');
  s.label('complete')
    .modify(R.SCNTL2, OP.AND, 0x7f)
    .clear({ ack: true, atn: true })
    .waitDisconnect()
    .store(R.DSA, 4, SCRATCH_VAR)
    .load(R.DSA, 4, DONEPOS)
    .load(R.SCRATCHA, 4, SCRATCH_VAR)
    .store(R.SCRATCHA, 4, 0, true)
    .load(R.SCRATCHA, 4, 4, true)
    .intFly(0)
    .store(R.SCRATCHA, 4, DONEPOS)
    .jump('sched');
  s.label('reselected')
    .move(PHASE.MSG_IN, 1, RESEL_MSG) // IDENTIFY
    .int(SIR.NOT_IDENTIFY, { data: { value: 0x80, mask: 0x80 }, ifFalse: true })
    .clear({ ack: true })
    .move(PHASE.MSG_IN, 2, RESEL_MSG + 1) // SIMPLE QUEUE TAG, tag (left in SIDL)
    .load(R.DSA, 4, TAGTBL_VAR)
    .clear({ carry: true })
    .toSfbr(R.SIDL, OP.SHL, 0)
    .modify(R.SFBR, OP.SHL, 0)
    .fromSfbr(R.DSA, OP.OR, 0) // DSA = TAGTBL + tag * 4
    .load(R.DSA, 4, 0, true)
    .clear({ ack: true })
    .jump('dispatch');
  return s;
}

/** MAX_SG table-indirect CHMOVs (entry i at DSA + 8i), then back to the dispatcher. */
function dataScript(base: number, phase: 0 | 1, done: number): Script {
  const s = new Script(base);
  for (let i = 0; i < MAX_SG; i++) s.chmovTable(phase, i * 8);
  return s.jump(done);
}
