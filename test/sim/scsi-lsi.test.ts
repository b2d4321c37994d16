// The LSI 53C895A through the whole simulated platform: the BIOS enumerates it over PCI
// config ioreqs, a host driver (src/host/transports/sim/drivers/lsi) sets it up through its
// I/O BAR and puts SCRIPTS programs (built with the core tests' assembler) into the SCRIPTS
// RAM through BAR2, and those programs select a disk, send a CDB and move the data between
// scattered guest pages and the disk image via the worker and its block backend.

import { createHash, randomBytes } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimMachine, type DriveSpec } from '../../src/host/transports/sim/machine.js';
import { PciBios } from '../../src/host/transports/sim/drivers/pci-enum.js';
import { GuestBuffer } from '../../src/host/transports/sim/drivers/guest-buffer.js';
import { LsiHost, SCRIPTS_RAM_BYTES, type LsiStop } from '../../src/host/transports/sim/drivers/lsi/lsi-host.js';
import { DSTAT_SIR, ISTAT_DIP, ISTAT_SIP, LSI_SCNTL2, SCNTL2_SDU, SIST1_STO } from '../../src/host/transports/sim/drivers/lsi/lsi-registers.js';
import { inquiry, read10, requestSense, testUnitReady } from '../../src/host/transports/sim/drivers/scsi-cdb.js';
import { gpa } from '../../src/shared-mem/types.js';
import { OP, PHASE, Script } from '../unit/scsi-assembler.js';
import { readImage, ScratchDir } from './support/scratch-images.js';

const MiB = 1024 * 1024;
const md5 = (...parts: Uint8Array[]) => {
  const h = createHash('md5');
  for (const p of parts) h.update(p);
  return h.digest('hex');
};

/** INT vectors of the test SCRIPTS. */
const SIR_DONE = 0x100;
const SIR_BAD_PHASE = 0x101;
const SIR_NO_TARGET = 0x102;

function write10(lba: number, blocks: number): Uint8Array {
  return Uint8Array.of(0x2a, 0, lba >>> 24, (lba >>> 16) & 0xff, (lba >>> 8) & 0xff, lba & 0xff, 0, blocks >> 8, blocks & 0xff, 0);
}

const synchronizeCache10 = (): Uint8Array => Uint8Array.of(0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0);

interface Exchange {
  target: number;
  cdb: Uint8Array;
  /** Data phase direction and the guest buffer it moves, if any. */
  data?: { in: boolean; buffer: GuestBuffer };
}

interface Outcome {
  stop: LsiStop;
  status: number;
  message: number;
}

/**
 * One untagged command the way an initiator without the disconnect privilege runs it:
 * SELECT with ATN, IDENTIFY, then follow the target's phases — COMMAND, one CHMOV per guest
 * page of the data and a MOVE for the last, STATUS, MESSAGE IN — then expect the disconnect
 * and stop with INT SIR_DONE. A missing target ends in a selection timeout (SIST1 STO).
 */
async function runCommand(host: LsiHost, machine: SimMachine, ex: Exchange): Promise<Outcome> {
  const ram = machine.bus.ram;
  const mark = ram.mark();
  try {
    const msgOut = ram.alloc(1, 4);
    const cdb = ram.alloc(16, 4);
    const status = ram.alloc(1, 4);
    const msgIn = ram.alloc(1, 4);
    ram.write(msgOut, Uint8Array.of(0x80)); // IDENTIFY, LUN 0, no disconnect privilege
    ram.write(cdb, ex.cdb);
    ram.write(status, Uint8Array.of(0xff));
    ram.write(msgIn, Uint8Array.of(0xff));

    const s = new Script(host.scriptsRamAddress);
    s.select(ex.target, { atn: true, alt: 'no_target' }).move(PHASE.MSG_OUT, 1, msgOut);
    s.label('dispatch')
      .jump('command', { when: PHASE.COMMAND })
      .jump('data', { if: ex.data?.in ? PHASE.DATA_IN : PHASE.DATA_OUT })
      .jump('status', { if: PHASE.STATUS })
      .jump('msg_in', { if: PHASE.MSG_IN })
      .int(SIR_BAD_PHASE);
    s.label('command').move(PHASE.COMMAND, ex.cdb.length, cdb).jump('dispatch');
    s.label('data');
    const runs = ex.data?.buffer.runs() ?? [];
    runs.forEach((r, i) => {
      const phase = ex.data!.in ? PHASE.DATA_IN : PHASE.DATA_OUT;
      if (i < runs.length - 1) s.chmov(phase, r.len, r.addr);
      else s.move(phase, r.len, r.addr);
    });
    s.jump('dispatch');
    s.label('status').move(PHASE.STATUS, 1, status).jump('dispatch');
    s.label('msg_in')
      .move(PHASE.MSG_IN, 1, msgIn)
      .modify(LSI_SCNTL2, OP.AND, ~SCNTL2_SDU & 0xff) // the disconnect that follows is expected
      .clear({ ack: true })
      .waitDisconnect()
      .int(SIR_DONE);
    s.label('no_target').int(SIR_NO_TARGET);
    const program = s.assemble();
    expect(program.length).toBeLessThanOrEqual(SCRIPTS_RAM_BYTES);
    await host.loadScripts(program);
    const stop = await host.run(host.scriptsRamAddress);
    return { stop, status: ram.read(status, 1)[0]!, message: ram.read(msgIn, 1)[0]! };
  } finally {
    ram.release(mark);
  }
}

describe('LSI 53C895A in the simulated PC', () => {
  let scratch: ScratchDir;
  let machine: SimMachine;
  let bios: PciBios;
  let host: LsiHost;
  let disk0: string;
  let disk5: string;
  const hostData = randomBytes(1 * MiB);
  const HOST_DATA_LBA = 4096; // 2 MiB into disk 0

  beforeAll(async () => {
    scratch = new ScratchDir('hvmio-sim-lsi-');
    disk0 = scratch.image('disk0.img', 8 * MiB);
    disk5 = scratch.image('disk5.img', 4 * MiB);
    const fd = openSync(disk0, 'r+');
    writeSync(fd, hostData, 0, hostData.length, HOST_DATA_LBA * 512);
    closeSync(fd);
    const targets = new Array<DriveSpec | null>(16).fill(null);
    targets[0] = { path: disk0, cache: 'writeback', media: 'disk' };
    targets[5] = { path: disk5, cache: 'none', media: 'disk' };
    // The register shadow checks itself: every ISTAT read it could answer also goes through the
    // ring, and machine.stop() fails if any answer differed.
    machine = await SimMachine.start({ devices: [{ kind: 'lsi53c895a', id: 'scsi0', targets }], ramBytes: 32 * MiB, registerShadow: 'verify' });
    bios = new PciBios(machine.bus, { intxLine: (bdf) => machine.intxLine(bdf) });
    await bios.enumerate();
    const fn = bios.functions.find((f) => f.vendorId === 0x1000 && f.deviceId === 0x0012);
    if (!fn) throw new Error('the BIOS did not find the LSI controller');
    host = await LsiHost.attach(machine.bus, fn);
  });

  afterAll(async () => {
    await machine?.stop();
    scratch?.remove();
  });

  it('enumerates as 1000:0012, a SCSI controller with INTA#, I/O 256 B, MMIO 1 KiB and 8 KiB of SCRIPTS RAM', () => {
    const fn = host.fn;
    expect(fn.bdf).toBe(machine.pciFunctions.find((f) => f.id === 'scsi0')!.bdf);
    expect([fn.baseClass, fn.subClass, fn.progIf]).toEqual([0x01, 0x00, 0x00]);
    expect(fn.interruptPin).toBe(1);
    expect(fn.interruptLine).toBe(machine.intxLine(fn.bdf));
    expect(fn.bars.map((b) => [b.index, b.kind, b.size])).toEqual([[0, 'io', 256], [1, 'mem32', 1024], [2, 'mem32', 8192]]);
    for (const b of fn.bars) expect(b.address % b.size).toBe(0);
    expect(fn.rom).toBeNull();
  });

  it('keeps what is written to SCRIPTS RAM through BAR2', async () => {
    const words = Uint8Array.from(randomBytes(64));
    await host.loadScripts(words, SCRIPTS_RAM_BYTES - 64);
    expect(await host.readScriptsRam(SCRIPTS_RAM_BYTES - 64, 64)).toEqual(words);
  });

  it('runs INQUIRY from SCRIPTS RAM: standard data of our disk, GOOD status, COMMAND COMPLETE, INTA# then quiet', async () => {
    const buffer = GuestBuffer.contiguous(machine.bus.ram, 36, 16);
    const out = await runCommand(host, machine, { target: 0, cdb: inquiry(36), data: { in: true, buffer } });
    expect(out.stop.istat & ISTAT_DIP).toBe(ISTAT_DIP);
    expect(out.stop.dstat & DSTAT_SIR).toBe(DSTAT_SIR);
    expect(out.stop.dsps).toBe(SIR_DONE);
    expect([out.status, out.message]).toEqual([0x00, 0x00]);
    const data = machine.bus.ram.read(buffer.segments[0]!.addr, 36);
    expect(data[0]).toBe(0x00); // direct-access block device, connected
    expect(Buffer.from(data.subarray(8, 16)).toString('latin1').trim()).toBe('HVMIO');
    expect(Buffer.from(data.subarray(16, 32)).toString('latin1').trim()).toBe('HARDDISK');
    // Reading DSTAT acknowledged the only interrupt: the line is low again.
    expect(machine.bus.irq.level(host.irqLine)).toBe(false);
  });

  it('reports the power-on reset as UNIT ATTENTION once per disk, as Linux expects before its first read', async () => {
    for (const target of [0, 5]) {
      const first = await runCommand(host, machine, { target, cdb: testUnitReady() });
      expect([first.stop.dsps, first.status], `TEST UNIT READY at ${target}`).toEqual([SIR_DONE, 0x02]); // CHECK CONDITION
      const buffer = GuestBuffer.contiguous(machine.bus.ram, 18, 16);
      const sense = await runCommand(host, machine, { target, cdb: requestSense(18), data: { in: true, buffer } });
      expect([sense.stop.dsps, sense.status]).toEqual([SIR_DONE, 0]);
      const bytes = machine.bus.ram.read(buffer.segments[0]!.addr, 18);
      expect([bytes[0]! & 0x7f, bytes[2]! & 0x0f, bytes[12]], `sense at ${target}`).toEqual([0x70, 0x06, 0x29]); // UNIT ATTENTION, POWER ON/RESET
      const again = await runCommand(host, machine, { target, cdb: testUnitReady() });
      expect([again.stop.dsps, again.status], `second TEST UNIT READY at ${target}`).toEqual([SIR_DONE, 0]);
    }
  });

  it('reports a missing target as a selection timeout and works on afterwards', async () => {
    const out = await runCommand(host, machine, { target: 2, cdb: inquiry(36), data: { in: true, buffer: GuestBuffer.contiguous(machine.bus.ram, 36, 16) } });
    expect(out.stop.istat & ISTAT_SIP).toBe(ISTAT_SIP);
    expect(out.stop.sist1 & SIST1_STO).toBe(SIST1_STO);
    const again = await runCommand(host, machine, { target: 5, cdb: inquiry(36), data: { in: true, buffer: GuestBuffer.contiguous(machine.bus.ram, 36, 16) } });
    expect([again.stop.dsps, again.status]).toEqual([SIR_DONE, 0]);
  });

  it('reads what the host put in the image into scattered guest pages', async () => {
    const stats0 = await machine.stats('scsi0');
    const buffer = GuestBuffer.scattered(machine.bus.ram, hostData.length, { seed: 7 });
    const out = await runCommand(host, machine, { target: 0, cdb: read10(HOST_DATA_LBA, hostData.length / 512), data: { in: true, buffer } });
    expect([out.stop.dsps, out.status, out.message]).toEqual([SIR_DONE, 0, 0]);
    const got = buffer.runs().map((r) => machine.bus.ram.read(r.addr, r.len));
    expect(md5(...got)).toBe(md5(hostData));
    const stats1 = await machine.stats('scsi0');
    // 256 CHMOV/MOVEs of one command: one block request, one backend call.
    expect(stats1.blockRequests - stats0.blockRequests).toBe(1);
    expect(stats1.backendCalls - stats0.backendCalls).toBe(1);
    expect(stats1.bytesRead - stats0.bytesRead).toBe(hostData.length);
  });

  it('writes scattered pages to both disks and reads them back, one backend call per command, then flushes', async () => {
    const stats0 = await machine.stats('scsi0');
    const ram = machine.bus.ram;
    const cases = [
      { target: 0, lba: 333, bytes: 300 * 512, image: () => disk0 }, // odd LBA, not a whole number of pages
      { target: 5, lba: 1000, bytes: 512 * 1024, image: () => disk5 }, // cache=none: O_DIRECT on the host
    ];
    let commands = 0;
    for (const c of cases) {
      const data = Uint8Array.from(randomBytes(c.bytes));
      const src = GuestBuffer.scattered(ram, c.bytes, { seed: c.lba });
      let at = 0;
      for (const r of src.runs()) {
        ram.write(r.addr, data.subarray(at, at + r.len));
        at += r.len;
      }
      const w = await runCommand(host, machine, { target: c.target, cdb: write10(c.lba, c.bytes / 512), data: { in: false, buffer: src } });
      expect([w.stop.dsps, w.status, w.message], `write to ${c.target}`).toEqual([SIR_DONE, 0, 0]);
      expect(md5(readImage(c.image(), c.lba * 512, c.bytes)), `image of ${c.target}`).toBe(md5(data));
      const dst = GuestBuffer.scattered(ram, c.bytes, { seed: c.lba + 1 });
      const r = await runCommand(host, machine, { target: c.target, cdb: read10(c.lba, c.bytes / 512), data: { in: true, buffer: dst } });
      expect([r.stop.dsps, r.status, r.message], `read from ${c.target}`).toEqual([SIR_DONE, 0, 0]);
      expect(md5(...dst.runs().map((x) => ram.read(x.addr, x.len))), `read back from ${c.target}`).toBe(md5(data));
      commands += 2;
    }
    const flush = await runCommand(host, machine, { target: 0, cdb: synchronizeCache10() });
    expect([flush.stop.dsps, flush.status]).toEqual([SIR_DONE, 0]);
    commands += 1;
    const stats1 = await machine.stats('scsi0');
    expect(stats1.blockRequests - stats0.blockRequests).toBe(commands);
    expect(stats1.backendCalls - stats0.backendCalls).toBe(commands);
    expect(stats1.flushes - stats0.flushes).toBe(1);
    expect(stats1.dmaFaults).toBe(0);
    expect(stats1.state).toBe('up');
  });

  it('a data move aimed outside guest RAM fails the command (ABORTED COMMAND) without harming the device', async () => {
    // Whatever ran before, the disk is ready (a pending UNIT ATTENTION is consumed here).
    for (let i = 0; i < 3 && (await runCommand(host, machine, { target: 0, cdb: testUnitReady() })).status !== 0; i++);
    const stats0 = await machine.stats('scsi0');
    const outside = new GuestBuffer(machine.bus.ram, [{ addr: gpa(machine.bus.ram.sizeBytes + 0x100000), len: 4096 }]);
    const out = await runCommand(host, machine, { target: 0, cdb: read10(0, 8), data: { in: true, buffer: outside } });
    expect([out.stop.dsps, out.status, out.message]).toEqual([SIR_DONE, 0x02, 0x00]); // CHECK CONDITION
    const stats1 = await machine.stats('scsi0');
    // The worker refused the range before any I/O: a request, a DMA fault, no backend call.
    expect(stats1.blockRequests - stats0.blockRequests).toBe(1);
    expect(stats1.dmaFaults - stats0.dmaFaults).toBe(1);
    expect(stats1.backendCalls - stats0.backendCalls).toBe(0);
    expect(stats1.state).toBe('up');
    const buffer = GuestBuffer.contiguous(machine.bus.ram, 18, 16);
    await runCommand(host, machine, { target: 0, cdb: requestSense(18), data: { in: true, buffer } });
    expect(machine.bus.ram.read(buffer.segments[0]!.addr, 18)[2]! & 0x0f).toBe(0x0b); // ABORTED COMMAND
    const again = await runCommand(host, machine, { target: 0, cdb: inquiry(36), data: { in: true, buffer: GuestBuffer.contiguous(machine.bus.ram, 36, 16) } });
    expect([again.stop.dsps, again.status]).toEqual([SIR_DONE, 0]);
  });

  it('checked the register shadow (ISTAT) against the device on the way, and it always agreed', async () => {
    const stats = await machine.stats('scsi0');
    expect(stats.shadowChecks).toBeGreaterThan(10);
    expect(stats.shadowMismatches).toBe(0);
  });
});
