// LSI53C895A core: seeded random SCRIPTS programs and host actions. Whatever a guest runs —
// selections of any ID, moves in every phase with any count and address, ATN/ACK games,
// waits, register arithmetic on any register, loads, stores, memory moves, random dwords —
// and whatever the host does meanwhile (completions, SIGP, ABRT, resets), the core must
// never trap, never hang (every activation is bounded), keep its task pool bounded, and
// still run a correct command after a bus reset.

import { describe, expect, it } from 'vitest';
import { MemoryImage } from '../helpers/core-harness.js';
import { LsiRig, R, diskTarget, testTarget } from './scsi-rig.js';
import { OP, type AluOp, type Phase, Script } from './scsi-assembler.js';

/** xorshift32: deterministic, so a failure can be replayed from its seed. */
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

const SCRIPT = 0x1000;
const AREA = 0x8000; // tables, messages, CDBs, buffers
const AREA_SIZE = 0x8000;
const INSTRUCTIONS = 40;

function randomProgram(next: () => number): Script {
  const pick = (n: number) => next() % n;
  const s = new Script(SCRIPT);
  const label = () => `L${pick(INSTRUCTIONS)}`;
  const addr = () => (pick(10) === 0 ? 0x7ff00000 + pick(0x1000) : AREA + pick(AREA_SIZE - 64));
  const count = () => (pick(8) === 0 ? 1 + pick(0xffffff) : 1 + pick(64));
  const phase = () => pick(8) as Phase;
  for (let i = 0; i < INSTRUCTIONS; i++) {
    s.label(`L${i}`);
    switch (pick(16)) {
      case 0: s.select(pick(16), { atn: pick(4) !== 0, alt: label() }); break;
      case 1: case 2: s.move(phase(), count(), addr()); break;
      case 3: s.chmovTable(phase(), pick(256) - 128 & 0xffffff); break;
      case 4: pick(2) ? s.set({ atn: !!pick(2), ack: !!pick(2), carry: !!pick(2) }) : s.clear({ atn: !!pick(2), ack: !!pick(2), carry: !!pick(2) }); break;
      case 5: pick(2) ? s.waitDisconnect() : s.waitReselect(label()); break;
      case 6: s.modify(pick(0x100), pick(8) as AluOp, pick(256), !!pick(2)); break;
      case 7: pick(2) ? s.toSfbr(pick(0x100), pick(8) as AluOp, pick(256)) : s.fromSfbr(pick(0x100), pick(8) as AluOp, pick(256)); break;
      case 8: s.jump(label(), { when: pick(3) === 0 ? phase() : undefined, ifFalse: !!pick(2) }); break;
      case 9: s.jump(label(), { data: { value: pick(256), mask: pick(256) }, ifFalse: !!pick(2) }); break;
      case 10: s.call(label(), { carry: !!pick(2) }); break;
      case 11: s.ret({ if: pick(2) ? phase() : undefined }); break;
      case 12: pick(2) ? s.int(pick(256)) : s.intFly(pick(256)); break;
      case 13: pick(2) ? s.load(pick(0x100), 1 + pick(4), addr(), !!pick(2)) : s.store(pick(0x100), 1 + pick(4), addr(), !!pick(2)); break;
      case 14: s.memoryMove(pick(512), AREA + pick(0x1000) * 4, AREA + pick(0x1000) * 4); break;
      default: s.raw(next(), next()); break;
    }
  }
  return s.jump('L0');
}

/** A driver-shaped program: select, messages, a phase dispatcher with moves of random size
 *  and address, disconnect and reselection — with random instructions mixed in. */
function protocolProgram(next: () => number): Script {
  const pick = (n: number) => next() % n;
  const s = new Script(SCRIPT);
  const noise = () => {
    if (pick(6) !== 0) return;
    switch (pick(4)) {
      case 0: s.set({ atn: true }); break;
      case 1: s.modify(pick(0x60), pick(8) as AluOp, pick(256)); break;
      case 2: s.clear({ ack: true }); break;
      default: s.raw(next(), next()); break;
    }
  };
  const data = () => (pick(4) === 0 ? AREA + pick(AREA_SIZE - 0x1000) : 0x100000 + pick(0x100000));
  const count = () => [1, 6, 10, 36, 512, 1024, 4096, 0xffffff][pick(8)]!;
  s.label('start').select([0, 3, 5, 6][pick(4)]!, { atn: pick(8) !== 0, alt: 'resel' });
  noise();
  s.move(6, 1 + pick(6), AREA + 0x10).label('dispatch');
  noise();
  s.jump('cmd', { when: 2 }).jump('din', { if: 1 }).jump('dout', { if: 0 }).jump('st', { if: 3 }).jump('mi', { if: 7 }).jump('mo', { if: 6 }).int(0xee);
  s.label('cmd').move(2, [6, 10, 16][pick(3)]!, AREA + 0x40 + pick(4) * 0x10).jump('dispatch');
  s.label('din');
  noise();
  if (pick(2)) s.chmovTable(1, pick(8) * 8);
  else s.move(1, count(), data());
  s.jump('dispatch').label('dout');
  noise();
  if (pick(2)) s.chmovTable(0, pick(8) * 8);
  else s.move(0, count(), data());
  s.jump('dispatch');
  s.label('st').move(3, 1, AREA + 0x100).jump('dispatch');
  s.label('mi').move(7, 1, AREA + 0x104).jump('end', { data: { value: 0 } }).jump('end', { data: { value: 4 } });
  noise();
  s.clear({ ack: true }).jump('dispatch');
  s.label('mo').move(6, 1, AREA + 0x20 + pick(4)).jump('dispatch');
  s.label('end').modify(0x02, OP.AND, 0x7f).clear({ ack: true, atn: true }).waitDisconnect();
  noise();
  s.jump('start', { data: { value: 0 } }).waitReselect('start').label('resel').move(7, pick(2) ? 1 : 3, AREA + 0x108).clear({ ack: true });
  return s.jump('dispatch');
}

/** Message and CDB area contents for protocolProgram. */
function protocolArea(rig: LsiRig, next: () => number): void {
  const pick = (n: number) => next() % n;
  const msgs = [[0xc0, 0x20, pick(64)], [0x80], [0xc0, 0x21, pick(64), 0x01, 0x03, 0x01, 0x0a, 0x10], [0xc1, 0x22, pick(64)], [0xc0, 0x20, pick(64), 0x01, 0x02, 0x03, 0x01]];
  rig.putBytes(AREA + 0x10, msgs[pick(msgs.length)]!);
  rig.putBytes(AREA + 0x20, [0x08, 0x07, 0x0d, 0x06]);
  const lba = pick(500);
  const cdbs = [
    [0x28, 0, 0, 0, lba >> 8, lba & 0xff, 0, 0, 1 + pick(8), 0],
    [0x2a, pick(2) * 8, 0, 0, lba >> 8, lba & 0xff, 0, 0, 1 + pick(8), 0],
    [0x12, 0, 0, 0, 36 + pick(200), 0],
    [0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [0x88, 0, 0, 0, 0, 0, 0, 0, lba >> 8, lba & 0xff, 0, 0, 0, 1 + pick(4), 0, 0],
    [0x15, 0x10, 0, 0, pick(40), 0],
  ];
  for (let i = 0; i < 4; i++) rig.putBytes(AREA + 0x40 + i * 0x10, cdbs[pick(cdbs.length)]!);
  for (let i = 0; i < 8; i++) {
    rig.putDword(AREA + 0x1000 + i * 8, [512, 1024, 4096, 0xffffff, 1][pick(5)]!);
    rig.putDword(AREA + 0x1000 + i * 8 + 4, 0x100000 + pick(0x100000));
  }
}

describe('random SCRIPTS and host actions', () => {
  // SCSI_FUZZ_SEEDS=n runs a longer campaign (about 20 ms a seed).
  it('never trap, stay bounded, and leave a working controller', { timeout: 900_000 }, async () => {
    const image = MemoryImage.patterned(512, 9);
    const rig = await LsiRig.create({
      targets: [testTarget(512, 0), null, null, testTarget(512, 0), null, diskTarget(512, 0)],
      images: { 0: image },
    });
    rig.config(0x14, 4, 0xfeb00000);
    const seeds = Number(process.env.SCSI_FUZZ_SEEDS ?? 300);
    for (let seed = 1; seed <= seeds; seed++) {
      const next = rng(seed * 2654435761);
      const pick = (n: number) => next() % n;
      // Plausible message, CDB and table bytes: IDENTIFY, tags, extended messages, CDBs.
      for (let i = 0; i < AREA_SIZE; i += 4) {
        const kind = pick(6);
        const word = kind === 0 ? 0xc0 | (pick(256) << 8) | (pick(64) << 16) : kind === 1 ? 0x28 | (pick(4) << 8) : kind === 2 ? pick(0x200) : kind === 3 ? AREA + pick(AREA_SIZE) : next();
        rig.putDword(AREA + i, word);
      }
      // Mostly a fresh chip (ISTAT SRST): earlier programs may have left anything in any
      // register, target role included. Sometimes not, to mix the leftovers in too.
      if (pick(4) !== 0) {
        rig.write(R.ISTAT, 0x40);
        rig.write(R.ISTAT, 0);
      }
      rig.write(R.SCID, pick(2) ? 0x47 : 0x07);
      rig.write(R.CCNTL0, pick(4) === 0 ? 0x80 : 0);
      rig.write32(R.PMJAD1, SCRIPT + pick(INSTRUCTIONS) * 8);
      rig.write32(R.DSA, AREA + 0x1000);
      let restart = SCRIPT;
      if (seed % 3 === 0) {
        rig.load(randomProgram(next));
      } else {
        protocolArea(rig, next);
        const program = protocolProgram(next);
        rig.load(program);
        restart = program.addressOf('dispatch');
      }
      rig.write32(R.DSP, SCRIPT);
      for (let step = 0; step < 30; step++) {
        switch (pick(6)) {
          case 0: {
            const req = rig.h.pending[0];
            if (req) rig.h.complete(req, pick(4) === 0 ? -5 : rig.h.serve(req));
            break;
          }
          case 1: rig.write(R.ISTAT, 0x20); break; // SIGP
          case 2: rig.read(R.DSTAT); rig.read(R.SIST0, 2); break;
          case 3: rig.write32(R.DSP, SCRIPT + pick(INSTRUCTIONS) * 8); break;
          case 4:
            // What a driver does after an interrupt: look at it, carry on at its dispatcher.
            if (!rig.running()) {
              rig.read(R.DSTAT);
              rig.read(R.SIST0, 2);
              rig.write32(R.DSP, restart);
            }
            break;
          default: break;
        }
        // At most a few slices per step: long loops are the guest's business, not a hang.
        for (let slice = 0; slice < 3 && rig.timers.has(0); slice++) {
          rig.timers.delete(0);
          rig.core.timer_fired(0);
        }
      }
      rig.write(R.ISTAT, 0x80); // ABRT
      rig.write(R.ISTAT, 0);
      expect(rig.running()).toBe(false);
      if (pick(10) === 0) {
        rig.write(R.SCNTL1, 0x08);
        rig.write(R.SCNTL1, 0);
      }
      expect(rig.h.pending.length).toBeLessThanOrEqual(64);
      for (let r = 0; r < 4; r++) rig.read(R.DSTAT), rig.read(R.SIST0, 2);
    }
    if (process.env.FUZZ_DEBUG) console.log("fuzz: block requests", rig.h.submitted.length);
    // The protocol-shaped programs must have driven real traffic, media commands included.
    expect(rig.h.submitted.length).toBeGreaterThan(50);
    // Still a working controller: reset the bus, then a clean READ(10) of one block.
    rig.h.flush();
    rig.write(R.SCNTL1, 0x08);
    rig.write(R.SCNTL1, 0);
    rig.write(R.SCID, 0x07);
    rig.write(R.CCNTL0, 0);
    rig.write(R.DMODE, 0);
    rig.write(R.DCNTL, 0);
    rig.write(R.CCNTL1, 0);
    rig.write32(R.SBMS, 0);
    for (let r = 0; r < 4; r++) rig.read(R.DSTAT), rig.read(R.SIST0, 2);
    rig.putBytes(0x9000, [0x80]);
    rig.putBytes(0x9100, [0, 0, 0, 0, 0, 0]); // TEST UNIT READY: eats the unit attention
    rig.putBytes(0x9200, [0x28, 0, 0, 0, 0, 7, 0, 0, 1, 0]);
    const s = new Script(0x2000);
    for (const cdb of [0x9100, 0x9200]) {
      s.select(3, { atn: true, alt: 0 }).move(6, 1, 0x9000).move(2, cdb === 0x9100 ? 6 : 10, cdb);
      if (cdb === 0x9200) s.move(1, 512, 0x20000);
      s.move(3, 1, 0x9300).move(7, 1, 0x9301).modify(R.SCNTL2, OP.AND, 0x7f).clear({ ack: true }).waitDisconnect();
    }
    s.int(0x600d);
    rig.load(s);
    rig.start(0x2000);
    rig.flushIo();
    expect(rig.read32(R.DSPS)).toBe(0x600d);
    expect(rig.ram[0x9300]).toBe(0);
    expect(rig.bytes(0x20000, 512)).toEqual(image.read(7, 512));
  });
});
