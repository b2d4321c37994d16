// The in-process hub: a frame sent on one port reaches every other port of the same hub and
// never its sender; hubs with different numbers stay apart; a detached port gets nothing more.
// The ports are driven through HubPortBackend, as NIC workers use them.

import { describe, expect, it } from 'vitest';
import { hubFor, NetHub } from '../../src/host/net/hub.js';
import { HubPortBackend } from '../../src/workers/net/backends/hub-port.js';
import { cut, FrameLog, patternFrame } from '../helpers/net-frames.js';

describe('NetHub', () => {
  it('relays every frame to all other ports', async () => {
    const hub = new NetHub(1);
    const logs = [new FrameLog(), new FrameLog(), new FrameLog()];
    const ports = logs.map((l) => {
      const a = hub.attach();
      return { ...a, b: new HubPortBackend({ type: 'hub', port: a.workerPort }, l.events) };
    });
    const f = patternFrame(1514, 1);
    const ram = new Uint8Array(new SharedArrayBuffer(2048));
    ram.set(f);
    let done = 0;
    ports[0]!.b.transmit(cut(ram.subarray(0, f.length), [14, 100]), f.length, () => done++);
    await logs[1]!.until(() => logs[1]!.frames.length === 1 && logs[2]!.frames.length === 1 && done === 1, 5000, 'relay');
    expect(logs[1]!.frames[0]).toEqual(f);
    expect(logs[2]!.frames[0]).toEqual(f);

    ports[2]!.detach();
    ports[1]!.b.transmit([patternFrame(60, 2)], 60, () => {});
    await logs[0]!.until(() => logs[0]!.frames.length === 1, 5000, 'relay back');
    expect(logs[0]!.frames[0]).toEqual(patternFrame(60, 2));
    await new Promise((r) => setTimeout(r, 100));
    expect(logs[1]!.frames.length).toBe(1); // not its own frame
    expect(logs[2]!.frames.length).toBe(1); // detached
    expect(hub.relayed).toBe(2);
    for (const p of ports) await p.b.close();
    ports[0]!.detach();
    ports[1]!.detach();
  });

  it('keeps hubs with different numbers apart', async () => {
    const a = hubFor(100).attach();
    const b = hubFor(101).attach();
    const c = hubFor(100).attach();
    const la = new FrameLog();
    const lb = new FrameLog();
    const lc = new FrameLog();
    const ba = new HubPortBackend({ type: 'hub', port: a.workerPort }, la.events);
    const bb = new HubPortBackend({ type: 'hub', port: b.workerPort }, lb.events);
    const bc = new HubPortBackend({ type: 'hub', port: c.workerPort }, lc.events);
    ba.transmit([patternFrame(64, 5)], 64, () => {});
    await lc.until(() => lc.frames.length === 1, 5000, 'same hub');
    await new Promise((r) => setTimeout(r, 100));
    expect(lb.frames).toEqual([]);
    for (const x of [ba, bb, bc]) await x.close();
    for (const x of [a, b, c]) x.detach();
  });
});
