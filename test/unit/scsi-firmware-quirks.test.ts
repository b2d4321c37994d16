// LSI53C895A core: the firmware quirks (config flag). SeaBIOS's lsi-scsi driver, which takes
// 1000:0012 whenever it runs under QEMU, drives the chip with one fixed SCRIPTS program per
// command that only works on QEMU's model: SELECT without ATN followed by a MESSAGE OUT
// move, a 16-byte COMMAND move whatever the CDB, a zero-length data move written as an
// all-zero dword for commands without data, and no CLEAR ACK after COMMAND COMPLETE. The
// script below does what that driver does; with the quirks every probe ends with the bus
// free (so the next SELECT works) and the boot disk reads; without them the first probe
// already stops on a phase mismatch and leaves the target connected.

import { describe, expect, it } from 'vitest';
import { MemoryImage } from '../helpers/core-harness.js';
import { DSTAT, ISTAT, LsiRig, R, diskTarget } from './scsi-rig.js';
import { PHASE, Script } from './scsi-assembler.js';

const SCRIPT = 0x7000;
const MSGOUT = 0x7800;
const CDB = 0x7810;
const STATUS = 0x7820;
const MSGIN = 0x7821;
const MSGIN_TMP = 0x7822;
const BUF = 0x10000;

interface FirmwareResult {
  ok: boolean;
  status: number;
  connectedAfter: boolean;
}

/** One command the way SeaBIOS's lsi driver issues it, polled until SIR or a SCSI interrupt. */
function firmwareCommand(rig: LsiRig, target: number, cdb: number[], data: { in: boolean; bytes: number }): FirmwareResult {
  rig.putBytes(MSGOUT, [0x80, 0x08]);
  const padded = new Uint8Array(16);
  padded.set(cdb);
  rig.putBytes(CDB, padded);
  rig.ram[STATUS] = 0xff;
  rig.ram[MSGIN] = 0xff;
  const s = new Script(SCRIPT)
    .select(target, { alt: 0 }) // no ATN, alternate address 0
    .move(PHASE.MSG_OUT, 1, MSGOUT)
    .chmov(PHASE.COMMAND, 16, CDB)
    .jump('data', { when: PHASE.MSG_IN, ifFalse: true }) // a disconnect right after the command?
    .move(PHASE.MSG_IN, 2, MSGIN_TMP)
    .waitReselect(0)
    .move(PHASE.MSG_IN, 2, MSGIN_TMP)
    .label('data');
  if (data.bytes > 0) s.move(data.in ? PHASE.DATA_IN : PHASE.DATA_OUT, data.bytes, BUF);
  else s.raw(0, 0); // "MOVE DATA_OUT 0 bytes to address 0": two zero dwords
  s.move(PHASE.STATUS, 1, STATUS).move(PHASE.MSG_IN, 1, MSGIN).int(0);
  rig.load(s);
  rig.write32(R.DSP, SCRIPT);
  for (let poll = 0; poll < 200; poll++) {
    rig.drainYields();
    rig.h.flush();
    rig.drainYields();
    const dstat = rig.read(R.DSTAT);
    const sist = rig.read(R.SIST0) | rig.read(R.SIST1);
    if (sist !== 0) return { ok: false, status: rig.ram[STATUS]!, connectedAfter: (rig.read(R.ISTAT) & ISTAT.CON) !== 0 };
    if (dstat & DSTAT.SIR) {
      return { ok: rig.ram[STATUS] === 0 && rig.ram[MSGIN] === 0, status: rig.ram[STATUS]!, connectedAfter: (rig.read(R.ISTAT) & ISTAT.CON) !== 0 };
    }
  }
  throw new Error('the firmware would poll forever');
}

async function firmwareRig(firmwareQuirks: boolean): Promise<{ rig: LsiRig; image: MemoryImage }> {
  const image = MemoryImage.patterned(2048, 4);
  const rig = await LsiRig.create({ targets: [diskTarget(2048, 0)], images: { 0: image }, firmwareQuirks });
  rig.write(R.ISTAT, ISTAT.SRST); // SeaBIOS resets the chip and never clears SRST
  return { rig, image };
}

describe('SeaBIOS-style probing', () => {
  it('with the quirks: every probe leaves the bus free; INQUIRY, TEST UNIT READY, READ CAPACITY and READ work', async () => {
    const { rig, image } = await firmwareRig(true);
    for (let target = 0; target < 7; target++) {
      const inquiry = firmwareCommand(rig, target, [0x12, 0, 0, 0, 36, 0], { in: true, bytes: 36 });
      expect(inquiry.connectedAfter).toBe(false);
      expect(inquiry.ok).toBe(target === 0);
      if (target !== 0) continue;
      expect(rig.ram[BUF]).toBe(0x00);
      // The disk's power-on unit attention fails the first TEST UNIT READY, not the next.
      const first = firmwareCommand(rig, 0, [0, 0, 0, 0, 0, 0], { in: false, bytes: 0 });
      expect([first.ok, first.status, first.connectedAfter]).toEqual([false, 0x02, false]);
      expect(firmwareCommand(rig, 0, [0, 0, 0, 0, 0, 0], { in: false, bytes: 0 }).ok).toBe(true);
      expect(firmwareCommand(rig, 0, [0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0], { in: true, bytes: 8 }).ok).toBe(true);
      expect(Array.from(rig.bytes(BUF, 8))).toEqual([0, 0, 0x07, 0xff, 0, 0, 0x02, 0]);
      expect(firmwareCommand(rig, 0, [0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0], { in: true, bytes: 512 }).ok).toBe(true);
      expect(rig.bytes(BUF, 512)).toEqual(image.read(0, 512));
    }
    expect(rig.h.submitted).toHaveLength(1);
  });

  it('without them (strict SPI) the first probe stops on a phase mismatch with the target still connected', async () => {
    const { rig } = await firmwareRig(false);
    const inquiry = firmwareCommand(rig, 0, [0x12, 0, 0, 0, 36, 0], { in: true, bytes: 36 });
    expect(inquiry.ok).toBe(false);
    expect(inquiry.connectedAfter).toBe(true);
  });
});
