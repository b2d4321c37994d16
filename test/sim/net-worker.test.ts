// The e1000's worker with the real core, driven through DeviceHost the way the bridge drives it
// (register accesses through the request ring), its wire a port of the in-process hub that
// the test holds: a broadcast frame lands in the guest's receive buffer, a frame from two
// guest buffers leaves on the wire byte for byte with DD written back after completion, a
// buffer outside guest RAM is failed (EFAULT) without stopping the ring, the cable pulled and
// plugged through setLink changes STATUS.LU and what the NIC receives, and the counters say so.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceHost } from '../../src/host/device-host.js';
import type { DeviceAccess } from '../../src/host/device-endpoint.js';
import { prepareE1000 } from '../../src/host/devices/e1000.js';
import { hubFor } from '../../src/host/net/hub.js';
import { prepareNetdev, type PreparedNetdev } from '../../src/host/net/netdev-setup.js';
import { GuestRam } from '../../src/shared-mem/guest-ram.js';
import { DEFAULT_POLICY } from '../../src/shared-mem/request-ring.js';
import { HubPortBackend } from '../../src/workers/net/backends/hub-port.js';
import { FrameLog, patternFrame } from '../helpers/net-frames.js';
import { ICR as ICR_CAUSE, REG, STATUS } from '../helpers/net-harness.js';

const HUB = 7331;
const RCTL_EN = 1 << 1;
const RCTL_BAM = 1 << 15;
const RCTL_SECRC = 1 << 26;
const TCTL_EN = 1 << 1;
const TCTL_PSP = 1 << 3;
const TXD_EOP = 1;
const TXD_IFCS = 2;
const TXD_RS = 8;
const DD = 1;

const RX_RING = 0x10000;
const RX_BUFS = 0x20000;
const TX_RING = 0x30000;
const TX_DATA = 0x40000;

describe('e1000 worker with the real core on a hub', () => {
  const ram = GuestRam.allocate(1 << 20);
  let host: DeviceHost;
  let netdev: PreparedNetdev;
  const wireLog = new FrameLog();
  /** INTA# levels as the host forwarded them, in order. */
  const intaLevels: boolean[] = [];
  let wire: HubPortBackend;
  let detachWire: () => void;

  const access = (offset: number, dir: 'read' | 'write', data = 0n): DeviceAccess => ({
    kind: 'io', space: 0, offset, size: 4, dir, data, count: 1, dataIsPtr: false, df: false, deviceAddressSteps: false,
  });
  const rd = async (off: number) => Number(await host.access(access(off, 'read')));
  const wr = (off: number, v: number) => host.access(access(off, 'write', BigInt(v >>> 0)));
  const view = new DataView(ram.regions[0]!.buffer);
  const bytes = new Uint8Array(ram.regions[0]!.buffer);

  async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
    const end = Date.now() + ms;
    while (!(await cond())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  beforeAll(async () => {
    const spec = { kind: 'e1000' as const, id: 'nic0', mac: [0x52, 0x54, 0, 0x12, 0x34, 0x56] as const, netdev: { type: 'hub' as const, id: 'h0', hubid: HUB }, linkUp: true };
    netdev = await prepareNetdev(spec.netdev);
    host = new DeviceHost({
      id: 'nic0', device: 'net', config: prepareE1000(spec).config, drives: [], ram, policy: DEFAULT_POLICY,
      onIrq: (line, level) => intaLevels.push(level), net: () => netdev.forWorker(), release: () => netdev.close(),
      registerShadow: 'on',
    });
    await host.start();
    const a = hubFor(HUB).attach();
    detachWire = a.detach;
    wire = new HubPortBackend({ type: 'hub', port: a.workerPort }, wireLog.events);
    await until(async () => ((await rd(REG.STATUS)) & STATUS.LU) !== 0, 'link up after autonegotiation');
    // Receive ring: 8 descriptors of 2048-byte buffers, 7 given to the NIC.
    for (let i = 0; i < 8; i++) view.setBigUint64(RX_RING + i * 16, BigInt(RX_BUFS + i * 2048), true);
    await wr(REG.RDBAL, RX_RING);
    await wr(REG.RDBAH, 0);
    await wr(REG.RDLEN, 128);
    await wr(REG.RDH, 0);
    await wr(REG.RDT, 7);
    await wr(REG.RCTL, RCTL_EN | RCTL_BAM | RCTL_SECRC);
    await wr(REG.TDBAL, TX_RING);
    await wr(REG.TDBAH, 0);
    await wr(REG.TDLEN, 128);
    await wr(REG.TDH, 0);
    await wr(REG.TDT, 0);
    await wr(REG.TCTL, TCTL_EN | TCTL_PSP);
  }, 60_000);

  afterAll(async () => {
    await wire?.close();
    detachWire?.();
    await host?.stop();
  });

  it('receives a broadcast frame straight into the guest buffer', async () => {
    const f = patternFrame(300, 1);
    wire.transmit([f], f.length, () => {});
    await until(() => (bytes[RX_RING + 12]! & DD) !== 0, 'receive descriptor 0 done');
    expect(view.getUint16(RX_RING + 8, true)).toBe(300);
    expect(bytes.slice(RX_BUFS, RX_BUFS + 300)).toEqual(f);
  });

  it('sends a frame from two guest buffers byte for byte, DD after completion', async () => {
    const f = patternFrame(200, 2);
    bytes.set(f, TX_DATA);
    const d = (i: number, addr: number, len: number, cmd: number) => {
      view.setBigUint64(TX_RING + i * 16, BigInt(addr), true);
      view.setUint16(TX_RING + i * 16 + 8, len, true);
      bytes[TX_RING + i * 16 + 11] = cmd;
      bytes[TX_RING + i * 16 + 12] = 0;
    };
    d(0, TX_DATA, 14, TXD_IFCS);
    d(1, TX_DATA + 14, 186, TXD_EOP | TXD_IFCS | TXD_RS);
    await wr(REG.TDT, 2);
    await wireLog.until(() => wireLog.frames.length === 1, 10_000, 'the frame on the wire');
    expect(wireLog.frames[0]).toEqual(f);
    await until(() => (bytes[TX_RING + 16 + 12]! & DD) !== 0, 'transmit descriptor 1 done');
    expect(await rd(REG.TDH)).toBe(2);
  });

  it('fails a buffer outside guest RAM with EFAULT and keeps the ring going', async () => {
    const d = (i: number, addr: number, len: number, cmd: number) => {
      view.setBigUint64(TX_RING + i * 16, BigInt(addr), true);
      view.setUint16(TX_RING + i * 16 + 8, len, true);
      bytes[TX_RING + i * 16 + 11] = cmd;
      bytes[TX_RING + i * 16 + 12] = 0;
    };
    bytes.set(patternFrame(100, 3), TX_DATA);
    d(2, TX_DATA, 14, TXD_IFCS);
    d(3, 0x4000_0000, 86, TXD_EOP | TXD_IFCS | TXD_RS); // far beyond the 1 MiB of RAM
    const good = patternFrame(120, 4);
    bytes.set(good, TX_DATA + 0x1000);
    d(4, TX_DATA + 0x1000, 120, TXD_EOP | TXD_IFCS | TXD_RS);
    await wr(REG.TDT, 5);
    await until(() => (bytes[TX_RING + 4 * 16 + 12]! & DD) !== 0, 'the frame after the bad one done');
    expect((bytes[TX_RING + 3 * 16 + 12]! & DD) !== 0).toBe(true);
    await wireLog.until(() => wireLog.frames.length === 2, 10_000, 'the good frame');
    expect(wireLog.frames[1]).toEqual(good);
    const s = await host.stats();
    expect(s.net!.txDrops.fault).toBe(1);
    expect(s.dmaFaults).toBeGreaterThanOrEqual(1);
  });

  it('an ICR read that lowers INTA# has the low level forwarded by the time its answer arrives', async () => {
    // The worker does not wake the host for a line lowered inside a read (the host samples
    // the lines when it collects the answer): the guest must still see INTA# low at once.
    await wr(REG.IMS, ICR_CAUSE.TXQE);
    for (let round = 0; round < 3; round++) {
      await wr(REG.ICS, ICR_CAUSE.TXQE);
      await until(() => intaLevels.at(-1) === true, `INTA# asserted by ICS (round ${round})`);
      const icr = await rd(REG.ICR);
      expect(icr & ICR_CAUSE.TXQE).toBe(ICR_CAUSE.TXQE);
      expect(intaLevels.at(-1)).toBe(false);
    }
    await wr(REG.IMC, 0xffffffff);
  });

  it('setLink: STATUS.LU follows the cable, frames are not received while it is out', async () => {
    await host.setLink(false);
    await until(async () => ((await rd(REG.STATUS)) & STATUS.LU) === 0, 'link down');
    const before = (await host.stats()).net!;
    const f = patternFrame(64, 5);
    wire.transmit([f], f.length, () => {});
    await until(async () => (await host.stats()).net!.rxDrops.disabled > before.rxDrops.disabled, 'the frame dropped with the link down');
    expect((bytes[RX_RING + 16 + 12]! & DD)).toBe(0);
    await host.setLink(true);
    await until(async () => ((await rd(REG.STATUS)) & STATUS.LU) !== 0, 'link up again');
    const s = (await host.stats()).net!;
    expect(s.linkUp).toBe(true);
    expect(s.framesIn).toBe(1);
    expect(s.bytesIn).toBe(300);
    expect(s.framesOut).toBe(2);
    expect(s.bytesOut).toBe(320);
  });

  it('register shadow: STATUS and an empty ICR are answered without the worker, a pending cause is not', async () => {
    await rd(REG.ICR); // start from no cause
    const before = await host.stats();
    expect((await rd(REG.STATUS)) & STATUS.LU).toBe(STATUS.LU);
    expect(await rd(REG.ICR)).toBe(0);
    const quiet = await host.stats();
    expect(quiet.shadowReads - before.shadowReads).toBe(2);
    expect(quiet.ioreqs).toBe(before.ioreqs); // neither read reached the worker
    // A cause set through ICS (posted) must come back from the ring, and clear there.
    await wr(REG.ICS, ICR_CAUSE.RXT0);
    expect(await rd(REG.ICR)).toBe(ICR_CAUSE.RXT0);
    expect(await rd(REG.ICR)).toBe(0);
    const after = await host.stats();
    expect(after.ioreqs - quiet.ioreqs).toBe(2); // the ICS write and the ICR read that cleared it
    expect(after.shadowReads - quiet.shadowReads).toBe(1); // the second, empty ICR read
  });
});
