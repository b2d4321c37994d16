// End to end: a real `hvmio remote` process against a stand-in for QEMU's proxy that sends it
// malformed, truncated and disallowed messages (spec/mpqemu.md; helpers/fake-proxy.ts). What
// real hardware or QEMU's own remote would do is the bar: a message the protocol forbids drops
// the connection with one explanatory stderr line and exit status 1; an access to an address
// no BAR claims reads all-ones and a write to it is dropped, and the connection stays up.
// Never a signal, an uncaught exception, or a change to the image nobody asked for.

import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Command, encodeMessage, HEADER_BYTES } from '../../src/host/transports/mpqemu/messages.js';
import { memfdCreate, socketpair, type Fd } from '../../src/native/addon.js';
import { cfgOffset } from '../../src/shared-mem/types.js';
import { FakeProxy, STATS_LINE, type RemoteExit } from '../helpers/fake-proxy.js';

const MiB = 1024 * 1024;
/** Five remotes starting at once on two busy cores can take a while; a hang still fails at
 *  the fake proxy's 30 s reply deadline. */
const CASE_TIMEOUT_MS = 120_000;
const IMAGE_BYTES = 4 * MiB;
const md5 = (b: Uint8Array): string => createHash('md5').update(b).digest('hex');

// Where the fake proxy places the PIIX3 IDE BARs (all I/O, 16 bytes each: piix3-ide.ts).
const PRIMARY_CMD = 0xc000; // BAR0: data, error, count, LBA low/mid/high, device, status/command
const PRIMARY_CTL = 0xc010; // BAR1: alternate status at +2
const BUS_MASTER = 0xc040; // BAR4: command +0, status +2, PRD table address +4
const BAR_BASES = [PRIMARY_CMD, PRIMARY_CTL, 0xc020, 0xc030, BUS_MASTER];
const CFG_COMMAND = 0x04;
const IO_ENABLE_BUS_MASTER = 0x0005;
/** IDETIM primary/secondary: bit 15 enables the channel's ATA register decode (PIIX3 2.3). */
const IDETIM = [0x40, 0x42];
const IDETIM_DECODE_ENABLE = 0x8000;

let dir: string;
/** The image the dropping cases share: nothing may ever change it. */
let image: string;
let imageMd5: string;

function makeImage(name: string): { path: string; md5: string } {
  const path = join(dir, name);
  const data = randomBytes(IMAGE_BYTES);
  writeFileSync(path, data);
  return { path, md5: md5(data) };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'remote-bad-input-'));
  ({ path: image, md5: imageMd5 } = makeImage('disk.img'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Runs `body` against a fresh remote on the shared image, then kills the remote if it still
 * runs and closes every descriptor the case made (`fd` registers one; the remote got copies).
 */
async function withRemote(body: (p: FakeProxy, fd: (made: Fd) => Fd) => Promise<void>): Promise<void> {
  const p = FakeProxy.start({ image });
  const made: Fd[] = [];
  try {
    await body(p, (fd) => (made.push(fd), fd));
  } finally {
    p.dispose();
    for (const fd of made) closeSync(fd);
  }
}

/** Guest RAM mapped, BARs placed, I/O decoding and bus mastering on, as SeaBIOS leaves it. */
async function configure(p: FakeProxy): Promise<void> {
  p.syncRam();
  expect(await p.cfgRead(0x00, 4)).toBe(0x7010_8086);
  for (const [i, base] of BAR_BASES.entries()) await p.cfgWrite(0x10 + i * 4, 4, base);
  for (const reg of IDETIM) await p.cfgWrite(reg, 2, IDETIM_DECODE_ENABLE);
  await p.cfgWrite(CFG_COMMAND, 2, IO_ENABLE_BUS_MASTER);
  expect(await p.cfgRead(0x10, 4)).toBe(PRIMARY_CMD | 1); // bit 0: I/O space BAR
}

function expectImage(path: string, wantMd5: string): void {
  expect(md5(readFileSync(path))).toBe(wantMd5);
}

/** The remote's stderr lines other than its --stats line. */
function explanations(exit: RemoteExit): string[] {
  return exit.stderr.split('\n').filter((l) => l !== '' && !STATS_LINE.test(l));
}

/** The remote dropped the connection in an orderly way: EOF here, exit 1 (no signal), the
 *  stats line (printed only on the normal path) and exactly one line saying why. */
async function expectDropped(p: FakeProxy, reason: RegExp): Promise<void> {
  expect((await p.nextReply()).kind).toBe('closed');
  const exit = await p.waitExit();
  expect(exit.signal, exit.stderr).toBeNull();
  expect(exit.code, exit.stderr).toBe(1);
  const lines = explanations(exit);
  expect(lines, exit.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^hvmio remote: connection dropped: /);
  expect(lines[0]).toMatch(reason);
  expect(exit.stderr).toMatch(new RegExp(STATS_LINE.source, 'm'));
  expect(exit.stderr).not.toMatch(/Error|\n\s+at /);
  expectImage(image, imageMd5);
}

/** A bare header: cmd and size as given, padding zero, no payload. */
function header(cmd: number, size: bigint | number): Buffer {
  const b = Buffer.alloc(HEADER_BYTES);
  b.writeInt32LE(cmd, 0);
  b.writeBigUInt64LE(BigInt(size), 8);
  return b;
}

// Each case has its own remote; they run side by side (most of a case is the remote's start
// and its orderly exit).
describe.concurrent('hvmio remote drops the connection on a message the protocol forbids', { timeout: CASE_TIMEOUT_MS }, () => {
  it('an unknown command number', () =>
    withRemote(async (p) => {
      await configure(p);
      p.sendRaw(header(42, 0));
      await expectDropped(p, /unknown command 42/);
    }));

  it('a payload size above 192', () =>
    withRemote(async (p) => {
      await configure(p);
      p.sendRaw(Buffer.concat([header(Command.PCI_CFGREAD, 193), Buffer.alloc(193)]));
      await expectDropped(p, /payload size 193 exceeds 192/);
    }));

  it('a size that does not fit the command (BAR_READ with 12 bytes)', () =>
    withRemote(async (p) => {
      await configure(p);
      p.sendRaw(Buffer.concat([header(Command.BAR_READ, 12), Buffer.alloc(12)]));
      await expectDropped(p, /BAR_READ payload is 12 bytes, expected 24/);
    }));

  it.each([
    ['inside the header', 10],
    ['inside the payload', HEADER_BYTES + 10],
  ])('a message cut short %s, then end of stream', (_where, keep) =>
    withRemote(async (p) => {
      await configure(p);
      const whole = encodeMessage({ kind: 'bar-read', space: 'io', addr: BigInt(PRIMARY_CMD + 7), size: 1 }).bytes;
      p.sendRaw(whole.subarray(0, keep));
      await sleep(50); // let the remote take in the fragment before the end of stream
      p.closeSocket();
      const exit = await p.waitExit();
      expect(exit.signal, exit.stderr).toBeNull();
      expect(exit.code, exit.stderr).toBe(1);
      const lines = explanations(exit);
      expect(lines, exit.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/connection dropped: stream ended inside a message/);
      expectImage(image, imageMd5);
    }));

  it('a descriptor attached to a BAR_READ', () =>
    withRemote(async (p, fd) => {
      await configure(p);
      const { bytes } = encodeMessage({ kind: 'bar-read', space: 'io', addr: BigInt(PRIMARY_CMD + 7), size: 1 });
      p.sendRaw(bytes, [fd(memfdCreate('stray', 4096))]);
      await expectDropped(p, /BAR_READ came with 1 descriptors, expected 0/);
    }));

  it('a descriptor attached to a config write', () =>
    withRemote(async (p, fd) => {
      await configure(p);
      const { bytes } = encodeMessage({ kind: 'pci-cfgwrite', offset: cfgOffset(CFG_COMMAND), width: 2, value: 0 });
      p.sendRaw(bytes, [fd(memfdCreate('stray', 4096))]);
      await expectDropped(p, /PCI_CFGWRITE came with 1 descriptors, expected 0/);
    }));

  it('SET_IRQFD with one descriptor instead of two', () =>
    withRemote(async (p, fd) => {
      await configure(p);
      p.sendRaw(header(Command.SET_IRQFD, 0), [fd(memfdCreate('irqfd', 4096))]);
      await expectDropped(p, /SET_IRQFD came with 1 descriptors, expected 2/);
    }));

  it('a RET sent to the remote (only the remote sends RET)', () =>
    withRemote(async (p) => {
      await configure(p);
      p.send({ kind: 'ret', value: 0n });
      await expectDropped(p, /never sends RET/);
    }));

  it('a config read past the 256 bytes of conventional config space', () =>
    withRemote(async (p) => {
      await configure(p);
      p.send({ kind: 'pci-cfgread', offset: cfgOffset(0x100), width: 4 });
      await expectDropped(p, /config access at 0x100\/4 is outside 256 bytes/);
    }));

  it('a config read that starts inside but runs past 256', () =>
    withRemote(async (p) => {
      await configure(p);
      p.send({ kind: 'pci-cfgread', offset: cfgOffset(0xfe), width: 4 });
      await expectDropped(p, /config access at 0xfe\/4 is outside 256 bytes/);
    }));
});

describe.concurrent('hvmio remote drops the connection on guest RAM it cannot map safely', { timeout: CASE_TIMEOUT_MS }, () => {
  it('two regions that overlap', () =>
    withRemote(async (p) => {
      await configure(p);
      p.send({
        kind: 'sync-sysmem',
        regions: [
          { gpa: 0n, size: 0x10000n, offset: 0n, fd: p.ramFd },
          { gpa: 0x8000n, size: 0x10000n, offset: 0x10000n, fd: p.ramFd },
        ],
      });
      await expectDropped(p, /region 1: .*overlaps region 0/);
    }));

  it.each([
    ['gpa', { gpa: 0x800n, size: 0x10000n, offset: 0n }],
    ['size', { gpa: 0n, size: 0x1800n, offset: 0n }],
    ['offset', { gpa: 0n, size: 0x10000n, offset: 0x200n }],
  ])('a region whose %s is not page aligned', (_field, region) =>
    withRemote(async (p) => {
      await configure(p);
      p.send({ kind: 'sync-sysmem', regions: [{ ...region, fd: p.ramFd }] });
      await expectDropped(p, /region 0: .*must be page-aligned/);
    }));

  it('a region larger than its memfd', () =>
    withRemote(async (p) => {
      await configure(p);
      p.send({ kind: 'sync-sysmem', regions: [{ gpa: 0n, size: BigInt(p.ram.length * 2), offset: 0n, fd: p.ramFd }] });
      await expectDropped(p, /region 0: .*beyond the file/);
    }));

  it('a region whose descriptor is a socket, not a memory file', () =>
    withRemote(async (p, fd) => {
      await configure(p);
      const [a, b] = socketpair();
      fd(b);
      p.send({ kind: 'sync-sysmem', regions: [{ gpa: 0n, size: 0x1000n, offset: 0n, fd: fd(a) }] });
      await expectDropped(p, /region 0: fd \d+ is not a memory file/);
    }));
});

describe('hvmio remote answers accesses outside every BAR as an absent device and keeps serving', () => {
  let p: FakeProxy;
  /** This remote's own image: its valid WRITE DMA changes it. */
  let disk: string;
  let diskMd5: string;
  /** Bad accesses so far, each logged once (5 in all: the remote logs at most 5 a second). */
  let badAccesses = 0;
  const outsideLines = (): string[] => p.stderrLines().filter((l) => /is outside every BAR; answered as an absent device/.test(l));

  beforeAll(async () => {
    ({ path: disk, md5: diskMd5 } = makeImage('served.img'));
    p = FakeProxy.start({ image: disk });
    await configure(p);
  }, 60_000);

  afterAll(() => p.dispose());

  /** The device still answers: ATA status of the idle primary master is DRDY|DSC. */
  async function stillServing(): Promise<void> {
    expect(await p.barRead(PRIMARY_CMD + 7, 1)).toBe(0x50n);
  }

  /** Runs one bad access and expects exactly one new log line about it (the remote writes it
   *  before its RET; the pipe may bring it here a moment later). */
  async function expectOneLogLine(pattern: RegExp, access: () => Promise<void>): Promise<void> {
    badAccesses++;
    const before = outsideLines().length;
    try {
      await access();
    } finally {
      // Also when the access's own check failed: its line must not count for the next case.
      for (let i = 0; i < 200 && outsideLines().length === before; i++) await sleep(10);
      await sleep(20); // a second line, if the remote wrongly logged twice, would be here by now
    }
    const added = outsideLines().slice(before);
    expect(added, p.stderrLines().join('\n')).toHaveLength(1);
    expect(added[0]).toMatch(pattern);
  }

  it('an I/O read below the BARs (a legacy IDE port) reads all-ones', async () => {
    await expectOneLogLine(/bar-read io 0x1f7\/1/, async () => expect(await p.barRead(0x1f7, 1)).toBe(0xffn));
    await stillServing();
  });

  it('a 4-byte read just past the bus-master BAR reads all-ones', async () => {
    await expectOneLogLine(/bar-read io 0xc050\/4/, async () => expect(await p.barRead(BUS_MASTER + 16, 4)).toBe(0xffff_ffffn));
    await stillServing();
  });

  it('a memory-space read (this function has no memory BAR) reads all-ones', async () => {
    await expectOneLogLine(/bar-read memory 0xfebf0000\/4/, async () => expect(await p.barRead(0xfebf_0000, 4, 'memory')).toBe(0xffff_ffffn));
    await stillServing();
  });

  it('a write outside every BAR is dropped: the image does not change', async () => {
    // 0x1f7 would be the command register in legacy mode: WRITE SECTORS must not start.
    await expectOneLogLine(/bar-write io 0x1f7\/1/, () => p.barWrite(0x1f7, 1, 0x30));
    await stillServing();
    expectImage(disk, diskMd5);
  });

  it('a read of a placed BAR while I/O decoding is off reads all-ones', async () => {
    await p.cfgWrite(CFG_COMMAND, 2, 0);
    try {
      await expectOneLogLine(/bar-read io 0xc007\/1/, async () => expect(await p.barRead(PRIMARY_CMD + 7, 1)).toBe(0xffn));
    } finally {
      await p.cfgWrite(CFG_COMMAND, 2, IO_ENABLE_BUS_MASTER);
    }
    await stillServing();
  });

  it('after all that, IDENTIFY DEVICE by PIO still reports the drive', async () => {
    await p.barWrite(PRIMARY_CMD + 6, 1, 0xa0); // master
    await p.barWrite(PRIMARY_CMD + 7, 1, 0xec); // IDENTIFY DEVICE
    await waitStatus((s) => (s & 0x80) === 0 && (s & 0x08) !== 0, 'BSY clear, DRQ set');
    const words: number[] = [];
    for (let i = 0; i < 256; i++) words.push(Number(await p.barRead(PRIMARY_CMD, 2)));
    // ATA strings: two characters per word, first in the high byte (ATA8-ACS 3.3.10).
    const model = words.slice(27, 47).map((w) => String.fromCharCode(w >> 8, w & 0xff)).join('').trim();
    expect(model).toBe('HVMIO HARDDISK');
    expect(words[60]! | (words[61]! << 16)).toBe(IMAGE_BYTES / 512);
    expect(Number(await p.barRead(PRIMARY_CTL + 2, 1)) & 0x89).toBe(0); // no BSY, DRQ or ERR left
  });

  it('READ DMA moves image sectors into the memfd guest RAM', async () => {
    const prdTable = 0x1000;
    const buffer = 0x10000;
    const bytes = 8 * 512;
    const lba = 100;
    p.ram.fill(0xcc, buffer, buffer + bytes);
    writePrd(prdTable, buffer, bytes);
    await runDma(prdTable, 0xc8, lba, bytes / 512, true);
    const want = readFileSync(disk).subarray(lba * 512, lba * 512 + bytes);
    expect(md5(p.ram.subarray(buffer, buffer + bytes))).toBe(md5(want));
    expectImage(disk, diskMd5);
  });

  it('WRITE DMA puts guest RAM into the image, exactly where asked', async () => {
    const prdTable = 0x1100;
    const buffer = 0x20000;
    const bytes = 8 * 512;
    const lba = 2048;
    const data = randomBytes(bytes);
    p.ram.set(data, buffer);
    writePrd(prdTable, buffer, bytes);
    const expected = readFileSync(disk);
    expected.set(data, lba * 512);
    await runDma(prdTable, 0xca, lba, bytes / 512, false);
    // Those sectors changed, and nothing else.
    const after = readFileSync(disk);
    expect(md5(after)).toBe(md5(expected));
    diskMd5 = md5(after); // the legitimate write is the expected content from now on
    expect(outsideLines()).toHaveLength(badAccesses); // valid traffic drew no complaints
  });

  it('the remote exits 0 when the proxy closes the socket cleanly', async () => {
    p.closeSocket();
    const exit = await p.waitExit();
    expect(exit.signal, exit.stderr).toBeNull();
    expect(exit.code, exit.stderr).toBe(0);
    // Only the bad-access lines and the stats line: no drop, no exception.
    expect(explanations(exit).filter((l) => !/outside every BAR/.test(l)), exit.stderr).toEqual([]);
    const stats = JSON.parse(/^hvmio remote: d0 (\{.*\})$/m.exec(exit.stderr)![1]!) as Record<string, number>;
    expect(stats.outsideBar).toBe(badAccesses);
    expect(stats.blockRequests).toBe(2);
    expect(stats.bytesRead).toBe(8 * 512);
    expect(stats.bytesWritten).toBe(8 * 512);
  });

  /** Polls the ATA status (bounded) until `done` holds; fails with the last value. */
  async function waitStatus(done: (status: number) => boolean, what: string): Promise<number> {
    let status = 0;
    for (let i = 0; i < 500; i++) {
      status = Number(await p.barRead(PRIMARY_CTL + 2, 1)); // alternate status: no side effects
      if (done(status)) return status;
      await sleep(2);
    }
    throw new Error(`ATA status 0x${status.toString(16)}: never ${what}`);
  }

  /** One PRD: `bytes` at `addr`, end of table (PIIX3 datasheet 2.7.3: byte count in bits 15:1). */
  function writePrd(table: number, addr: number, bytes: number): void {
    const view = new DataView(p.ram.buffer, p.ram.byteOffset + table, 8);
    view.setUint32(0, addr, true);
    view.setUint16(4, bytes, true);
    view.setUint16(6, 0x8000, true);
  }

  /** A bus-master DMA command on the primary master, polled to completion (bounded). */
  async function runDma(prdTable: number, command: number, lba: number, sectors: number, toMemory: boolean): Promise<void> {
    await p.barWrite(BUS_MASTER + 0, 1, 0); // stop
    await p.barWrite(BUS_MASTER + 2, 1, 0x06); // clear interrupt and error (write 1 to clear)
    await p.barWrite(BUS_MASTER + 4, 4, prdTable);
    const direction = toMemory ? 0x08 : 0x00; // bit 3: the device writes memory
    await p.barWrite(BUS_MASTER + 0, 1, direction);
    await p.barWrite(PRIMARY_CMD + 2, 1, sectors);
    await p.barWrite(PRIMARY_CMD + 3, 1, lba & 0xff);
    await p.barWrite(PRIMARY_CMD + 4, 1, (lba >> 8) & 0xff);
    await p.barWrite(PRIMARY_CMD + 5, 1, (lba >> 16) & 0xff);
    await p.barWrite(PRIMARY_CMD + 6, 1, 0xe0 | ((lba >> 24) & 0x0f)); // LBA, master
    await p.barWrite(PRIMARY_CMD + 7, 1, command);
    await p.barWrite(BUS_MASTER + 0, 1, direction | 0x01); // start
    let bmStatus = 0;
    for (let i = 0; i < 500; i++) {
      bmStatus = Number(await p.barRead(BUS_MASTER + 2, 1));
      if ((bmStatus & 0x04) !== 0 && (bmStatus & 0x01) === 0) break; // interrupt, no longer active
      await sleep(2);
    }
    expect(bmStatus & 0x07, `bus-master status 0x${bmStatus.toString(16)}`).toBe(0x04);
    await p.barWrite(BUS_MASTER + 0, 1, 0); // stop
    expect(Number(await p.barRead(PRIMARY_CMD + 7, 1))).toBe(0x50); // DRDY|DSC, no ERR, no DRQ
  }
});
