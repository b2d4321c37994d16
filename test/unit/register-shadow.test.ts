// The register shadow (src/shared-mem/register-shadow.ts) and the host's rules for answering
// from it (src/host/shadow-reader.ts): validity, the seqlock under a concurrent writer thread,
// the served-count rule against the request ring, and which reads it may answer.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/host/cli/main.js';
import { registerShadowModeFromEnv } from '../../src/host/register-shadow-mode.js';
import type { Worker } from 'node:worker_threads';
import { RegisterShadow, type ShadowRegister } from '../../src/shared-mem/register-shadow.js';
import { RequestRing } from '../../src/shared-mem/request-ring.js';
import { ShadowReader } from '../../src/host/shadow-reader.js';
import type { DeviceAccess } from '../../src/host/device-endpoint.js';
import { SHADOW_NARROW_READS, SHADOW_ZERO_ONLY, decodeShadowRegister, type CoreExports, type ShadowCoreExports } from '../../src/workers/common/core-abi.js';
import { ShadowPublisher } from '../../src/workers/common/shadow-publisher.js';
import type { AccessSize } from '../../src/shared-mem/types.js';
import { nextMessage, startWorker } from '../helpers/shared-mem-workers.js';
import { WRITER_STOP } from '../helpers/register-shadow-writer.js';

const DWORD: ShadowRegister = { space: 1, offset: 0x14, size: 4, flags: SHADOW_NARROW_READS };
const BYTE: ShadowRegister = { space: 7, offset: 0x3f6, size: 1, flags: 0 };

function read(space: number, offset: number, size: AccessSize, extra: Partial<DeviceAccess> = {}): DeviceAccess {
  return { kind: 'io', space, offset, size, dir: 'read', data: 0n, count: 1, dataIsPtr: false, df: false, deviceAddressSteps: false, ...extra };
}

const write = (space: number, offset: number, size: AccessSize) => ({
  addr: BigInt(offset), data: 0n, count: 1, size, space, dataIsPtr: false, dir: 'write' as const, df: false, type: 0,
});

describe('register shadow', () => {
  it('is invalid until the first publish, and while a change is open', () => {
    const s = RegisterShadow.create();
    s.describe([DWORD]);
    expect(s.readBegin()).toBe(-1);
    s.publish(0, () => 0x1234);
    const seq = s.readBegin();
    expect(seq).toBeGreaterThan(0);
    expect(s.value(0)).toBe(0x1234);
    expect(s.readEnd(seq)).toBe(true);
    s.beginChange(false);
    expect(s.readBegin()).toBe(-1);
    expect(s.readEnd(seq)).toBe(false); // a read that straddled the change is rejected
    s.publish(1, () => 0xffff_fffe);
    expect(s.readBegin()).toBeGreaterThan(seq);
    expect(s.value(0)).toBe(0xffff_fffe); // unsigned
    expect(s.served()).toBe(1);
  });

  it('counts changes not caused by ring requests', () => {
    const s = RegisterShadow.create();
    s.describe([BYTE]);
    s.beginChange(false);
    s.beginChange(true);
    s.beginChange(true); // nested: still one open change, two async events
    expect(s.asyncEvents()).toBe(2);
    s.publish(0, () => 1);
    expect(s.readBegin()).toBeGreaterThan(0);
  });

  it('round-trips the declared registers and refuses malformed ones', () => {
    const s = RegisterShadow.create();
    s.describe([DWORD, BYTE]);
    expect(RegisterShadow.attach(s.sab).registers()).toEqual([DWORD, BYTE]);
    const bad = RegisterShadow.create();
    expect(() => bad.describe([{ space: 0, offset: 0x15, size: 4, flags: 0 }])).toThrow(/aligned/);
    expect(() => bad.describe([{ space: 0, offset: 0, size: 8 as 4, flags: 0 }])).toThrow(/size/);
    expect(() => bad.describe(Array.from({ length: 17 }, (_, i) => ({ ...BYTE, offset: i })))).toThrow(/at most 16/);
    s.publish(0, () => 0);
    expect(() => s.describe([BYTE])).toThrow(/after publish/);
    expect(() => RegisterShadow.attach(new SharedArrayBuffer(8))).toThrow(/register shadow/);
  });

  it('unpacks the cores’ descriptors (assembly/common/abi.ts shadowRegister)', () => {
    // space 1, offset 0x14, size 4, flags 1, packed as the AssemblyScript helper does.
    const packed = 0x14n | (4n << 32n) | (1n << 40n) | (1n << 48n);
    expect(decodeShadowRegister(packed)).toEqual({ space: 1, offset: 0x14, size: 4, flags: 1 });
  });

  describe('under a concurrent writer thread', () => {
    let worker: Worker | null = null;
    afterEach(async () => {
      await worker?.terminate();
      worker = null;
    });

    it('never hands out values from two different publishes', async () => {
      const shadow = RegisterShadow.create();
      const registers = Array.from({ length: 16 }, (_, i) => ({ space: 0, offset: i * 4, size: 4 as const, flags: 0 }));
      shadow.describe(registers);
      const control = new SharedArrayBuffer(64);
      worker = startWorker('register-shadow-writer', { shadowSab: shadow.sab, control });
      await nextMessage(worker, (m): m is { ready: true } => (m as { ready?: boolean }).ready === true);
      let consistent = 0;
      let torn = 0;
      let backwards = 0;
      let lastServed = 0;
      const until = Date.now() + 1000;
      while (Date.now() < until) {
        const seq = shadow.readBegin();
        if (seq < 0) continue;
        const served = shadow.served();
        const values = registers.map((_, i) => shadow.value(i));
        if (!shadow.readEnd(seq)) continue;
        consistent++;
        // One publish: served n, register i = n + i * 2^20.
        if (values.some((v, i) => v !== served + i * 0x10_0000)) torn++;
        if (served < lastServed) backwards++;
        lastServed = served;
      }
      Atomics.store(new Int32Array(control), WRITER_STOP, 1);
      const { published } = await nextMessage(worker, (m): m is { published: number } => typeof (m as { published?: number }).published === 'number');
      expect(torn).toBe(0);
      expect(backwards).toBe(0);
      expect(consistent).toBeGreaterThan(100);
      // The writer really ran alongside, publishing many times during the reads (otherwise
      // this test would prove nothing).
      expect(published).toBeGreaterThan(1000);
      expect(lastServed).toBeGreaterThan(0);
    }, 30_000);
  });
});

describe('shadow reader (host fast path rules)', () => {
  function setup(): { shadow: RegisterShadow; ring: RequestRing; reader: ShadowReader; irqs: number[] } {
    const shadow = RegisterShadow.create();
    shadow.describe([DWORD, BYTE]);
    const ring = RequestRing.create(8);
    return { shadow, ring, reader: new ShadowReader(shadow, ring), irqs: [] };
  }

  it('answers a read-to-clear register declared zero-only while it is 0, never otherwise', () => {
    const shadow = RegisterShadow.create();
    shadow.describe([{ space: 0, offset: 0xc0, size: 4, flags: SHADOW_ZERO_ONLY }]);
    const reader = new ShadowReader(shadow, RequestRing.create(8));
    let icr = 0;
    shadow.publish(0, () => icr);
    expect(reader.tryRead(read(0, 0xc0, 4), () => {})).toBe(0n);
    icr = 0x80; // a cause pending: the read must clear it, which only the ring's path does
    shadow.beginChange(true);
    shadow.publish(0, () => icr);
    expect(reader.tryRead(read(0, 0xc0, 4), () => {})).toBeNull();
  });

  it('answers nothing before the worker published', () => {
    const { reader, irqs } = setup();
    expect(reader.enabled).toBe(true);
    expect(reader.tryRead(read(1, 0x14, 4), () => irqs.push(1))).toBeNull();
  });

  it('answers declared registers, and aligned narrower reads where allowed', () => {
    const { shadow, ring, reader } = setup();
    shadow.publish(ring.takenCount(), (i) => (i === 0 ? 0x4433_2211 : 0x50));
    const forwarded: number[] = [];
    const at = (space: number, offset: number, size: AccessSize) => reader.tryRead(read(space, offset, size), () => forwarded.push(offset));
    expect(at(1, 0x14, 4)).toBe(0x4433_2211n);
    expect(at(1, 0x14, 1)).toBe(0x11n);
    expect(at(1, 0x15, 1)).toBe(0x22n);
    expect(at(1, 0x17, 1)).toBe(0x44n);
    expect(at(1, 0x16, 2)).toBe(0x4433n);
    expect(at(7, 0x3f6, 1)).toBe(0x50n);
    expect(forwarded.length).toBe(6); // interrupt levels forwarded with every answer
    // Not answered: misaligned or wider than the register, other spaces and offsets, string
    // I/O, writes, config space.
    expect(at(1, 0x15, 2)).toBeNull();
    expect(at(1, 0x14, 8)).toBeNull();
    expect(at(0, 0x14, 4)).toBeNull();
    expect(at(1, 0x18, 4)).toBeNull();
    expect(at(7, 0x3f7, 1)).toBeNull();
    expect(reader.tryRead(read(1, 0x14, 4, { count: 2 }), () => {})).toBeNull();
    expect(reader.tryRead(read(1, 0x14, 4, { dataIsPtr: true }), () => {})).toBeNull();
    expect(reader.tryRead(read(1, 0x14, 4, { dir: 'write' }), () => {})).toBeNull();
    expect(reader.tryRead(read(1, 0x14, 4, { kind: 'config' }), () => {})).toBeNull();
  });

  it('answers only while every submitted request has been served', () => {
    const { shadow, ring, reader } = setup();
    shadow.publish(ring.takenCount(), () => 1);
    expect(reader.tryRead(read(1, 0x14, 4), () => {})).toBe(1n);
    // A posted write goes on the ring: until the worker has served it and published, reads
    // must go through the ring behind it.
    expect(ring.submit(write(1, 0x14, 1), true)).toBeGreaterThanOrEqual(0);
    expect(reader.tryRead(read(1, 0x14, 4), () => {})).toBeNull();
    // The worker takes it (still not served: no publish yet).
    const slot = ring.peek();
    ring.read(slot);
    expect(reader.tryRead(read(1, 0x14, 4), () => {})).toBeNull();
    // A publish of the old served count (e.g. from a completion before the request was
    // taken) does not make it answerable either.
    shadow.beginChange(true);
    shadow.publish(ring.takenCount() - 1, () => 2);
    expect(reader.tryRead(read(1, 0x14, 4), () => {})).toBeNull();
    shadow.beginChange(false);
    shadow.publish(ring.takenCount(), () => 3);
    ring.finish(slot);
    expect(reader.tryRead(read(1, 0x14, 4), () => {})).toBe(3n);
  });

  it('gives up when the worker changes the device during the read', () => {
    const { shadow, ring, reader } = setup();
    shadow.publish(ring.takenCount(), () => 7);
    // The change begins while the host forwards interrupt lines (inside the window).
    expect(reader.tryRead(read(1, 0x14, 4), () => shadow.beginChange(true))).toBeNull();
    shadow.publish(ring.takenCount(), () => 8);
    expect(reader.tryRead(read(1, 0x14, 4), () => {})).toBe(8n);
    expect(reader.lastAsyncEvents).toBe(1);
  });

  it('has nothing to answer for a core that declares no registers', () => {
    const shadow = RegisterShadow.create();
    shadow.describe([]);
    const ring = RequestRing.create(8);
    shadow.publish(0, () => 0);
    const reader = new ShadowReader(shadow, ring);
    expect(reader.enabled).toBe(false);
    expect(reader.tryRead(read(1, 0x14, 4), () => {})).toBeNull();
  });
});

describe('HVMIO_REGISTER_SHADOW', () => {
  it('selects the mode, defaults to on, and refuses anything else in one line', () => {
    expect(registerShadowModeFromEnv({})).toBe('on');
    expect(registerShadowModeFromEnv({ HVMIO_REGISTER_SHADOW: '' })).toBe('on');
    expect(registerShadowModeFromEnv({ HVMIO_REGISTER_SHADOW: 'off' })).toBe('off');
    expect(registerShadowModeFromEnv({ HVMIO_REGISTER_SHADOW: 'verify' })).toBe('verify');
    expect(() => registerShadowModeFromEnv({ HVMIO_REGISTER_SHADOW: 'yes' })).toThrow(/^HVMIO_REGISTER_SHADOW must be one of on, off, verify, not "yes"$/);
  });

  it('a bad value stops the command line with exit status 2 before anything starts', async () => {
    const saved = process.env.HVMIO_REGISTER_SHADOW;
    const errors: string[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line));
    try {
      process.env.HVMIO_REGISTER_SHADOW = 'fast';
      expect(await main(['remote', '--help'])).toBe(2);
      expect(errors).toEqual(['hvmio remote: HVMIO_REGISTER_SHADOW must be one of on, off, verify, not "fast"']);
    } finally {
      spy.mockRestore();
      if (saved === undefined) delete process.env.HVMIO_REGISTER_SHADOW;
      else process.env.HVMIO_REGISTER_SHADOW = saved;
    }
  });
});

describe('shadow publisher (worker side)', () => {
  /** A core that answers io_read from a table and declares what it is told to. */
  function fakeCore(declared: bigint[] | null, values: Map<string, bigint>) {
    const reads: string[] = [];
    const core = {
      io_read: (space: number, offset: bigint, size: number) => {
        reads.push(`${space}:${offset}:${size}`);
        return values.get(`${space}:${offset}:${size}`) ?? 0n;
      },
      ...(declared ? { shadow_count: () => declared.length, shadow_register: (i: number) => declared[i]! } : {}),
    } as unknown as CoreExports & ShadowCoreExports;
    return { core, reads };
  }
  const pack = (space: number, offset: number, size: number, flags: number) =>
    BigInt(offset) | (BigInt(size) << 32n) | (BigInt(space) << 40n) | (BigInt(flags) << 48n);

  it('publishes what io_read returns for each declared register, with the served count', () => {
    const shadow = RegisterShadow.create();
    const { core, reads } = fakeCore([pack(1, 0x14, 4, 1), pack(7, 0x3f6, 1, 0)], new Map([['1:20:4', 0xdead_beefn], ['7:1014:1', 0x50n]]));
    const publisher = new ShadowPublisher(shadow.sab, core);
    expect(publisher.declare()).toEqual([{ space: 1, offset: 0x14, size: 4, flags: 1 }, { space: 7, offset: 0x3f6, size: 1, flags: 0 }]);
    publisher.beginChange(false);
    expect(shadow.readBegin()).toBe(-1);
    publisher.publish(42);
    expect(reads).toEqual(['1:20:4', '7:1014:1']);
    expect(shadow.readBegin()).toBeGreaterThan(0);
    expect([shadow.value(0), shadow.value(1), shadow.served()]).toEqual([0xdead_beef, 0x50, 42]);
  });

  it('refreshes through shadow_peek, not io_read, when the core exports it; refuses zero-only without it', () => {
    const values = new Map([['0:192:4', 0x84n]]);
    const { core, reads } = fakeCore([pack(0, 0xc0, 4, SHADOW_ZERO_ONLY)], values);
    const peeked: number[] = [];
    const peeking = Object.assign(core, { shadow_peek: (i: number) => (peeked.push(i), 0x84) });
    const shadow = RegisterShadow.create();
    const publisher = new ShadowPublisher(shadow.sab, peeking);
    publisher.declare();
    publisher.publish(3);
    expect(reads).toEqual([]); // io_read would have cleared the causes
    expect(peeked).toEqual([0]);
    expect(shadow.value(0)).toBe(0x84);
    const noPeek = fakeCore([pack(0, 0xc0, 4, SHADOW_ZERO_ONLY)], values);
    expect(() => new ShadowPublisher(RegisterShadow.create().sab, noPeek.core).declare()).toThrow(/shadow_peek/);
  });

  it('publishes only when the outermost of nested changes ends', () => {
    const { core } = fakeCore([pack(1, 0x14, 4, 1)], new Map([['1:20:4', 7n]]));
    const shadow = RegisterShadow.create();
    const publisher = new ShadowPublisher(shadow.sab, core);
    publisher.declare();
    publisher.publish(0);
    publisher.beginChange(false); // serving a request...
    publisher.beginChange(true); // ...whose import completed a frame synchronously
    publisher.publish(1);
    expect(shadow.readBegin()).toBe(-1); // the request is still being served
    publisher.publish(1);
    expect(shadow.readBegin()).toBeGreaterThan(0);
  });

  it('a core without the exports shadows nothing; a malformed declaration is refused', () => {
    const none = fakeCore(null, new Map());
    const shadow = RegisterShadow.create();
    expect(new ShadowPublisher(shadow.sab, none.core).declare()).toEqual([]);
    const tooMany = fakeCore(Array.from({ length: 17 }, (_, i) => pack(0, i, 1, 0)), new Map());
    expect(() => new ShadowPublisher(RegisterShadow.create().sab, tooMany.core).declare()).toThrow(/at most 16/);
    const misaligned = fakeCore([pack(0, 0x15, 4, 0)], new Map());
    expect(() => new ShadowPublisher(RegisterShadow.create().sab, misaligned.core).declare()).toThrow(/aligned/);
  });
});
