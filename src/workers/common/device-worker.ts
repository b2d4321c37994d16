// The device worker: one thread, one WASM core, its backends and its timers. It pops ioreqs
// from the device's request ring, calls the core, and answers. Guest RAM is reached only
// through the region table here, never from the core (DESIGN.md "The device ABI").

import { parentPort, type MessagePort } from 'node:worker_threads';
import { BlockBackend, BlockError, type CacheMode } from '../../backends/block/block-backend.js';
import { GuestRam, MAX_VIEW_BYTES, type GuestRamTransferable } from '../../shared-mem/guest-ram.js';
import { registerPageAlignedBuffer } from '../../shared-mem/page-aligned.js';
import { IOREQ_TYPE_PCI_CONFIG, type Ioreq } from '../../shared-mem/ioreq.js';
import { IrqLines } from '../../shared-mem/irq-lines.js';
import { RequestRing, WAIT_ONLY_POLICY, type RingRequest, type WaitPolicy, type WorkWait } from '../../shared-mem/request-ring.js';
import { IoPoll } from './io-poll.js';
import { exposeOn } from './comlink-node.js';
import {
  BLOCK_FLUSH, BLOCK_READ, BLOCK_WRITE, CONFIG_MAX, DMA_FAULT, DMA_OK, LOG_ERROR, LOG_WARN,
  RESET_POWER_ON, SG_ENTRY_SIZE, SG_FLAG_CORE_MEMORY, STATUS_EFAULT, STATUS_EIO, STATUS_ENODEV, STATUS_OK,
  type CoreExports, type CoreImports,
} from './core-abi.js';
import { loadCore } from './core-loader.js';
import type { NetWorkerBackend } from '../net/backend-spec.js';
import type { NetStats } from '../net/net-stats.js';
import { ShadowPublisher } from './shadow-publisher.js';

export interface BackendDriveSpec {
  path: string;
  cache: CacheMode;
  readOnly: boolean;
  /** A zero-byte image is acceptable (SCSI disks: no usable medium); default refused. */
  allowEmpty?: boolean;
}

export interface DeviceWorkerData {
  /** Instance name for log lines, e.g. "ide0". */
  id: string;
  wasmPath: string;
  ringSab: SharedArrayBuffer;
  irqSab: SharedArrayBuffer;
  /** Register shadow (src/shared-mem/register-shadow.ts) this worker publishes into. */
  shadowSab: SharedArrayBuffer;
  ram: GuestRamTransferable;
  /** Device config struct, copied to config_ptr() before init(). */
  config: Uint8Array;
  /** Block backends by drive number (as the core's block_submit names them). */
  drives: (BackendDriveSpec | null)[];
  policy: WaitPolicy;
  faultInjection: boolean;
  controlPort: MessagePort;
  /** The network backend of a NIC (src/workers/net); absent for other devices. */
  net?: NetWorkerBackend;
}

export type FaultPoint = 'next-call' | 'next-completion';

export interface WorkerStats {
  ioreqs: number;
  postedWrites: number;
  blockRequests: number;
  backendCalls: number;
  bytesRead: number;
  bytesWritten: number;
  flushes: number;
  fdatasyncs: number;
  bounced: number;
  dmaFaults: number;
  logsDropped: number;
  /** Network devices only. */
  net?: NetStats;
}

/** The control plane each worker exposes over comlink. */
export interface DeviceControlApi {
  stats(): WorkerStats;
  /** The core traps at its next call ('next-call') or when the next block request completes
   *  ('next-completion': certainly in the middle of a transfer). Tests only. */
  armFault(at: FaultPoint): void;
  replaceRam(ram: GuestRamTransferable): void;
  /** PCI RST# of this function: the core returns to power-on state; I/O still in flight
   *  completes into a core that no longer expects it (cores tag request ids by generation). */
  reset(kind: number): void;
  shutdown(): Promise<void>;
  /** Network devices only: the cable is plugged in (true) or pulled (false). */
  setLink?(up: boolean): void;
}

/**
 * What a device-specific part of a worker adds to the common loop: the network worker's
 * backends. Small on purpose: the loop, ring, imports, control plane and supervision stay here.
 */
export interface WorkerExtension {
  /** Data may arrive on the extension's own sockets at any moment: the loop then never blocks
   *  its event loop in Atomics.wait, it waits with Atomics.waitAsync instead. */
  readonly asyncIo: boolean;
  /** Extra core imports (net_transmit). Called before the core exists. */
  imports(ctx: WorkerContext): Partial<CoreImports>;
  /** After the core has its config and its power-on reset: open backends. */
  start(ctx: WorkerContext): Promise<void>;
  /** Extra control methods, merged into the comlink API. */
  control(): Partial<DeviceControlApi>;
  stats(): Partial<WorkerStats>;
  close(): Promise<void>;
}

/** What the loop offers an extension. */
export interface WorkerContext {
  /** The core, once loaded (start() and later). */
  readonly core: CoreExports;
  readonly ram: GuestRam;
  /** Views of what an SG list in core memory names, or a STATUS_* error (EFAULT outside RAM). */
  resolveSg(sgPtr: number, sgCount: number): Uint8Array[] | number;
  /** A view of core memory, or null if the range is outside it. */
  coreBytes(ptr: number, len: number): Uint8Array | null;
  /** Runs core calls from an event-loop callback (socket data, a finished write, a control
   *  message): a trap ends the worker through the loop as in a backend completion, and a
   *  sleeping loop is woken to re-arm its timers. Returns false (without calling) once the
   *  worker is stopping or has failed. */
  fromEventLoop(f: () => void): boolean;
}

const TWO_POW_53 = 2n ** 53n;
const TWO_POW_32 = 2 ** 32;
/** An SG entry's high address word must be below this for the address to stay under 2^53. */
const SG_ADDR_HIGH_LIMIT = 2 ** 21;
/** Log lines a core may emit per second before they are dropped (a guest can make a core chatty). */
const LOG_BUDGET_PER_SECOND = 50;
/** Requests served back to back before the loop lets the event loop run (I/O completions, control). */
const YIELD_EVERY = 64;
/** Longest blocking wait before the loop visits its event loop anyway. */
const MAX_BLOCKING_WAIT_MS = 100;
/** After a kick with no control message handled yet, the loop keeps turning its event loop for
 *  up to this long (instead of blocking again for up to MAX_BLOCKING_WAIT_MS) so that the message
 *  the kick announced is served as soon as it arrives. */
const CONTROL_GRACE_MS = 20;
/** With I/O that may arrive any time (a NIC), a timer due within this long is waited for by
 *  turning the event loop, not by Atomics.waitAsync: its timeout is a platform delayed task
 *  with millisecond granularity, which made every e1000 moderation timer (TIDV 8 µs, say) cost
 *  at least a millisecond (measured: ping through the proxy 11.4 ms with the driver's default
 *  moderation, 6.7 ms with it off). */
const SHORT_TIMER_POLL_MS = 2;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A backend call the core asked for, started once the access that asked is answered. */
interface QueuedIo {
  reqId: number;
  op: number;
  backend: BlockBackend;
  offset: number;
  segments: Uint8Array[];
  bytes: number;
}

export class DeviceWorker {
  private core!: CoreExports;
  private shadow!: ShadowPublisher;
  private readonly ram: GuestRam;
  private readonly ring: RequestRing;
  private readonly irq: IrqLines;
  private readonly backends: (BlockBackend | null)[] = [];
  private readonly completions: { reqId: number; status: number }[] = [];
  private readonly timers = new Map<number, number>(); // id -> deadline (ms, performance.now())
  /** Backend calls submitted by the access being served; started after its answer. */
  private readonly queuedIo: QueuedIo[] = [];
  private inFlight = 0;
  /** Bumped by every backend completion: a polling loop compares it. */
  private ioEvents = 0;
  /** performance.now() of the last backend completion. */
  private lastIoEventAt = 0;
  /** The loop sleeps in waitForWorkAsync; a completion must kick the ring to wake it. */
  private sleepingForIo = false;
  /** Completion kicks not yet seen by the loop (they are not control messages). */
  private selfKicks = 0;
  /** A non-posted request is being served: the host samples the interrupt lines when it
   *  collects the answer, so lowering a line needs no wake-up (see set_irq). */
  private servingAnswered = false;
  /** Control messages delivered on the control port so far. */
  private controlMessages = 0;
  /** A core trap (or other failure) in a completion callback, rethrown by the loop. */
  private failure: unknown = null;
  private readonly ioPoll: IoPoll;
  private faultArmed: FaultPoint | null = null;
  private stopping = false;
  private logWindowStart = 0;
  private logsInWindow = 0;
  private readonly textDecoder = new TextDecoder();
  readonly stats: WorkerStats = {
    ioreqs: 0, postedWrites: 0, blockRequests: 0, backendCalls: 0, bytesRead: 0, bytesWritten: 0,
    flushes: 0, fdatasyncs: 0, bounced: 0, dmaFaults: 0, logsDropped: 0,
  };

  constructor(
    private readonly data: DeviceWorkerData,
    private readonly extension: WorkerExtension | null = null,
  ) {
    this.ring = RequestRing.attach(data.ringSab);
    this.irq = IrqLines.attach(data.irqSab);
    this.ram = GuestRam.fromTransferable(data.ram);
    this.ioPoll = new IoPoll(data.policy);
    registerRamBuffers(data.ram);
  }

  async start(): Promise<void> {
    for (const d of this.data.drives) {
      this.backends.push(d ? await BlockBackend.open({ path: d.path, cache: d.cache, readOnly: d.readOnly, allowEmpty: d.allowEmpty ?? false }) : null);
    }
    const ctx = this.context();
    const loaded = await loadCore(this.data.wasmPath, { ...this.imports(), ...this.extension?.imports(ctx) });
    this.core = loaded.exports;
    if (this.data.config.length > CONFIG_MAX) throw new Error('device config larger than CONFIG_MAX');
    new Uint8Array(this.core.memory.buffer, this.core.config_ptr(), this.data.config.length).set(this.data.config);
    const rc = this.core.init(this.data.config.length);
    if (rc !== 0) throw new Error(`${this.data.id}: core rejected its configuration (init returned ${rc})`);
    this.core.reset(RESET_POWER_ON);
    this.shadow = new ShadowPublisher(this.data.shadowSab, this.core);
    this.shadow.declare();
    this.shadow.publish(this.ring.takenCount());
    await this.extension?.start(ctx);
    const api: DeviceControlApi = {
      stats: () => this.collectStats(),
      armFault: (at) => {
        if (!this.data.faultInjection) throw new Error('fault injection is disabled for this worker');
        this.faultArmed = at;
      },
      replaceRam: (t) => {
        // Tables may arrive out of order; replaceRegions ignores one older than the current.
        registerRamBuffers(t);
        this.ram.replaceRegions(t.regions.map((r) => ({ ...r, gpa: asGpa(r.gpa) })), t.generation);
      },
      reset: (kind) => {
        this.shadow.beginChange(true);
        this.call(() => this.core.reset(kind));
        this.shadow.publish(this.ring.takenCount());
        this.startQueuedIo();
      },
      shutdown: async () => {
        this.stopping = true;
        this.ring.kick();
        for (const b of this.backends) await b?.close();
        await this.extension?.close();
      },
      ...this.extension?.control(),
    };
    exposeOn(this.data.controlPort, api);
    // Registered after comlink's listener, so it counts a message comlink has already handled.
    this.data.controlPort.on('message', () => {
      this.controlMessages++;
    });
  }

  /**
   * The serving loop. With no backend call in flight it waits for requests in
   * RequestRing.waitForWork (adaptive spin, then Atomics.wait: the event loop has nothing to
   * do). With one in flight, the event loop must keep turning so that libuv can deliver the
   * completion: see waitWithIoInFlight.
   */
  async run(): Promise<void> {
    let served = 0;
    while (!this.stopping) {
      this.throwIfFailed();
      this.drainCompletions();
      this.fireTimers();
      this.startQueuedIo();
      const slot = this.ring.peek();
      if (slot >= 0) {
        this.serve(slot);
        // The access is answered: now start what it asked the backend for. Submitting first
        // would make the guest wait for the hand-off to libuv's pool (and on a busy machine for
        // the pool thread that preempts this one) before it sees its write completed.
        this.startQueuedIo();
        if (++served % YIELD_EVERY === 0) await yieldToEventLoop();
        continue;
      }
      const timeout = Math.min(this.msToNextTimer(), MAX_BLOCKING_WAIT_MS);
      if (this.inFlight > 0 || this.extension?.asyncIo) {
        await this.waitWithIoInFlight(timeout);
      } else {
        const r = this.ring.waitForWork(this.data.policy, timeout);
        if (r === 'kick') await this.afterKick();
        else if (r === 'timeout') await yieldToEventLoop();
      }
    }
  }

  /**
   * Waits for a request or a backend completion while I/O is in flight. First it polls: one
   * event-loop turn at a time (a setImmediate turn lets libuv run completions without
   * blocking), checking the ring after each, for as long as the adaptive IoPoll budget says
   * polling has been paying; then it sleeps in Atomics.waitAsync, woken by the host's doorbell
   * or by a completion's kick. Never spins without yielding: a completion can only arrive
   * through the event loop.
   */
  private async waitWithIoInFlight(timeoutMs: number): Promise<void> {
    const events = this.ioEvents;
    const start = performance.now();
    const shortTimer = this.extension?.asyncIo === true && timeoutMs <= SHORT_TIMER_POLL_MS;
    // A NIC's sockets wake its event loop by themselves (the thread sleeps in epoll, not in
    // Atomics.wait), so there is nothing to poll for but a timer due very soon; polling only
    // took a core from the guest's vCPU on this 2-core machine.
    const pollMs = shortTimer ? timeoutMs : this.extension?.asyncIo ? 0 : this.ioPoll.budgetMs(timeoutMs);
    const pollUntil = start + pollMs;
    while (performance.now() < pollUntil) {
      await yieldToEventLoop();
      if (this.ioEvents !== events) return this.ioPoll.caught();
      if (this.stopping || this.failure !== null || this.ring.peek() >= 0) return;
    }
    this.sleepingForIo = true;
    let outcome: WorkWait;
    try {
      outcome = await this.ring.waitForWorkAsync(WAIT_ONLY_POLICY, Math.max(0, start + timeoutMs - performance.now()));
    } finally {
      this.sleepingForIo = false;
    }
    if (this.ioEvents !== events) this.ioPoll.missed(this.lastIoEventAt - start);
    if (outcome === 'kick') await this.afterKick();
  }

  /** A wait reported kicks: completions' own (see ioDone), a control message's, or both. */
  private async afterKick(): Promise<void> {
    if (this.selfKicks === 0) return this.serveControl();
    // A control kick at the same moment as a completion's is reported with it; its message,
    // posted before that kick, is handled in the next event-loop turn.
    this.selfKicks = 0;
    await yieldToEventLoop();
  }

  /**
   * A kick announces a control message (DeviceHost kicks after posting one). Turn the event
   * loop until a message has been handled, or CONTROL_GRACE_MS passed, or a request came: the
   * message may still be in flight when the kick is seen, and going back to Atomics.wait then
   * would leave it waiting for up to MAX_BLOCKING_WAIT_MS.
   */
  private async serveControl(): Promise<void> {
    const seen = this.controlMessages;
    const until = performance.now() + CONTROL_GRACE_MS;
    do {
      await yieldToEventLoop();
    } while (this.controlMessages === seen && !this.stopping && this.ring.peek() < 0 && performance.now() < until);
  }

  private throwIfFailed(): void {
    if (this.failure !== null) throw this.failure;
  }

  private collectStats(): WorkerStats {
    let fdatasyncs = 0;
    let bounced = 0;
    for (const b of this.backends) {
      if (!b) continue;
      fdatasyncs += b.stats.fdatasyncs;
      bounced += b.stats.bouncedSegments;
    }
    return { ...this.stats, fdatasyncs, bounced, ...this.extension?.stats() };
  }

  private context(): WorkerContext {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const worker = this;
    return {
      get core() {
        return worker.core;
      },
      ram: this.ram,
      resolveSg: (sgPtr, sgCount) => {
        const sgBytes = this.coreBytes(sgPtr, sgCount * SG_ENTRY_SIZE);
        if (!sgBytes) return STATUS_EFAULT;
        return this.resolveSegments(sgBytes, sgCount);
      },
      coreBytes: (ptr, len) => this.coreBytes(ptr, len),
      fromEventLoop: (f) => this.fromEventLoop(f),
    };
  }

  /** See WorkerContext.fromEventLoop; the same hand-over as ioDone's. */
  private fromEventLoop(f: () => void): boolean {
    if (this.failure !== null || this.stopping) return false;
    // An event-loop call (a received frame, a transmit completion) changes registers like a
    // request does, so a shadowed register is republished around it.
    this.shadow.beginChange(true);
    try {
      this.call(f);
      this.startQueuedIo();
    } catch (err) {
      this.failure = err;
    }
    this.shadow.publish(this.ring.takenCount());
    this.ioEvents++;
    this.lastIoEventAt = performance.now();
    if (this.sleepingForIo) {
      this.selfKicks++;
      this.ring.kick();
    }
    return true;
  }

  private call<T>(f: () => T, point: FaultPoint = 'next-call'): T {
    if (this.faultArmed === point) {
      this.faultArmed = null;
      this.core.debug_fault();
    }
    return f();
  }

  private serve(slot: number): void {
    const req = this.ring.read(slot);
    const posted = this.ring.isPosted(slot);
    this.stats.ioreqs++;
    this.shadow.beginChange(false);
    this.servingAnswered = !posted;
    try {
      this.serveRequest(slot, req, posted);
    } finally {
      this.servingAnswered = false;
    }
  }

  private serveRequest(slot: number, req: RingRequest, posted: boolean): void {
    let value = 0n;
    if (req.type === IOREQ_TYPE_PCI_CONFIG) {
      const off = Number(req.addr & 0xffn);
      if (req.dir === 'read') value = BigInt(this.call(() => this.core.pci_config_read(off, req.size)) >>> 0);
      else this.call(() => this.core.pci_config_write(off, req.size, Number(req.data & 0xffffffffn)));
    } else if (req.dataIsPtr) {
      this.repString(req);
    } else if (req.dir === 'read') {
      value = this.call(() => this.core.io_read(req.space, req.addr, req.size));
    } else {
      const steps = req.count;
      for (let i = 0; i < steps; i++) {
        // `rep stos` to a device: same value, device address stepping for MMIO only.
        const addr = req.type === 1 ? stepAddr(req.addr, i, req.size, req.df) : req.addr;
        this.call(() => this.core.io_write(req.space, addr, req.size, req.data));
      }
    }
    // Published before the answer: once the host has it, a read it answers from the shadow
    // already counts this request as served.
    this.shadow.publish(this.ring.takenCount());
    if (posted) {
      this.stats.postedWrites++;
      this.ring.finish(slot);
    } else {
      this.ring.respond(slot, value);
    }
  }

  /** `rep ins/outs/movs` with a guest RAM pointer (Xen data_is_ptr, xen-ioreq.md 2.2). */
  private repString(req: Ioreq): void {
    const size = req.size;
    const count = req.count;
    const bytes = new Uint8Array(size * count);
    const view = new DataView(bytes.buffer);
    const ramBase = req.df ? Number(req.data) - (count - 1) * size : Number(req.data);
    // Element i lives at data ± i*size; with df the lowest address holds the last element.
    const slotOf = (i: number) => (req.df ? count - 1 - i : i) * size;
    const mmio = req.type === 1;
    if (req.dir === 'read') {
      for (let i = 0; i < count; i++) {
        const addr = mmio ? stepAddr(req.addr, i, size, req.df) : req.addr;
        const v = this.call(() => this.core.io_read(req.space, addr, size));
        writeLe(view, slotOf(i), size, v);
      }
      if (!this.ram.write(asGpa(ramBase), bytes)) this.stats.dmaFaults++;
    } else {
      if (!this.ram.read(asGpa(ramBase), bytes.length, bytes, 0)) {
        this.stats.dmaFaults++;
        return;
      }
      for (let i = 0; i < count; i++) {
        const addr = mmio ? stepAddr(req.addr, i, size, req.df) : req.addr;
        const v = readLe(view, slotOf(i), size);
        this.call(() => this.core.io_write(req.space, addr, size, v));
      }
    }
  }

  private drainCompletions(): void {
    if (this.completions.length === 0) return;
    this.shadow.beginChange(true);
    while (this.completions.length > 0) {
      const c = this.completions.shift()!;
      this.call(() => this.core.complete(c.reqId, c.status), 'next-completion');
    }
    this.shadow.publish(this.ring.takenCount());
  }

  private fireTimers(): void {
    if (this.timers.size === 0) return;
    const now = performance.now();
    for (const [id, deadline] of [...this.timers]) {
      if (deadline <= now) {
        this.timers.delete(id);
        this.shadow.beginChange(true);
        this.call(() => this.core.timer_fired(id));
        this.shadow.publish(this.ring.takenCount());
      }
    }
  }

  private msToNextTimer(): number {
    let next = Infinity;
    const now = performance.now();
    for (const d of this.timers.values()) next = Math.min(next, d - now);
    return Math.max(0, next);
  }

  private coreBytes(ptr: number, len: number): Uint8Array | null {
    const buf = this.core.memory.buffer;
    if (ptr < 0 || len < 0 || ptr + len > buf.byteLength) return null;
    return new Uint8Array(buf, ptr, len);
  }

  private imports(): CoreImports {
    return {
      dma_read: (gpa, len, dst) => {
        const target = this.coreBytes(dst, len);
        if (!target || gpa < 0n || gpa >= TWO_POW_53) return this.dmaFault();
        return this.ram.read(asGpa(Number(gpa)), len, target, 0) ? DMA_OK : this.dmaFault();
      },
      dma_write: (gpa, src, len) => {
        const source = this.coreBytes(src, len);
        if (!source || gpa < 0n || gpa >= TWO_POW_53) return this.dmaFault();
        return this.ram.write(asGpa(Number(gpa)), source) ? DMA_OK : this.dmaFault();
      },
      set_irq: (line, level) => {
        // A line lowered while a non-posted access runs needs no wake-up of the host: the host
        // samples every line when it collects the answer (DeviceHost.answer), before the guest
        // sees the access complete. Each e1000 ICR read lowers INTA#, and the wake-up (a notify
        // of the host's waitAsync, which then runs its event loop only to learn that) lay on
        // the read's path. Raising still wakes: a host thread may be asleep waiting for it.
        this.irq.set(line, level !== 0, level !== 0 || !this.servingAnswered);
      },
      block_submit: (reqId, drive, op, lba, sgPtr, sgCount) => this.blockSubmit(reqId, drive, op, lba, sgPtr, sgCount),
      timer_arm: (timerId, ns) => {
        if (ns < 0n) this.timers.delete(timerId);
        else this.timers.set(timerId, performance.now() + Number(ns) / 1e6);
      },
      log: (level, ptr, len) => this.coreLog(level, ptr, len),
    };
  }

  private dmaFault(): number {
    this.stats.dmaFaults++;
    return DMA_FAULT;
  }

  private complete(reqId: number, status: number): void {
    this.completions.push({ reqId, status });
  }

  private blockSubmit(reqId: number, drive: number, op: number, lba: bigint, sgPtr: number, sgCount: number): void {
    this.stats.blockRequests++;
    const backend = this.backends[drive] ?? null;
    if (!backend) return this.complete(reqId, STATUS_ENODEV);
    if (op === BLOCK_FLUSH) return this.queueIo({ reqId, op, backend, offset: 0, segments: [], bytes: 0 });
    if (op !== BLOCK_READ && op !== BLOCK_WRITE) return this.complete(reqId, STATUS_EIO);
    const sgBytes = this.coreBytes(sgPtr, sgCount * SG_ENTRY_SIZE);
    if (!sgBytes || sgCount === 0 || lba < 0n || lba >= TWO_POW_53 / 512n) return this.complete(reqId, STATUS_EIO);
    const segments = this.resolveSegments(sgBytes, sgCount);
    if (typeof segments === 'number') return this.complete(reqId, segments);
    let total = 0;
    for (const s of segments) total += s.byteLength;
    this.queueIo({ reqId, op, backend, offset: Number(lba) * 512, segments, bytes: total });
  }

  /** Views of what the SG list names, in order, or STATUS_EFAULT if any range is outside guest
   *  RAM (or, for core-memory entries, outside the core's memory). */
  private resolveSegments(sgBytes: Uint8Array, sgCount: number): Uint8Array[] | number {
    const dv = new DataView(sgBytes.buffer, sgBytes.byteOffset, sgBytes.byteLength);
    const segments: Uint8Array[] = [];
    for (let i = 0; i < sgCount; i++) {
      const at = i * SG_ENTRY_SIZE;
      // Two 32-bit halves: cheaper than a BigInt per entry, and exact below 2^53.
      const low = dv.getUint32(at, true);
      const high = dv.getUint32(at + 4, true);
      const len = dv.getUint32(at + 8, true);
      const flags = dv.getUint32(at + 12, true);
      if (len === 0) continue;
      const addr = high < SG_ADDR_HIGH_LIMIT ? high * TWO_POW_32 + low : -1;
      if (flags & SG_FLAG_CORE_MEMORY) {
        const v = addr >= 0 ? this.coreBytes(addr, len) : null;
        if (!v) return STATUS_EFAULT;
        segments.push(v);
        continue;
      }
      if (addr < 0 || !this.pushRamViews(segments, addr, len)) {
        this.stats.dmaFaults++;
        return STATUS_EFAULT;
      }
    }
    return segments;
  }

  /** Appends views of guest RAM [addr, addr+len); false if any byte is not RAM. The common
   *  case, a range inside one region, costs one lookup and one view. */
  private pushRamViews(out: Uint8Array[], addr: number, len: number): boolean {
    if (len <= MAX_VIEW_BYTES) {
      const at = this.ram.resolve(asGpa(addr), len);
      if (at) {
        out.push(new Uint8Array(at.buffer, at.byteOffset, len));
        return true;
      }
    }
    const views = this.ram.views(asGpa(addr), len);
    if (!views) return false;
    for (const v of views) out.push(v);
    return true;
  }

  private queueIo(io: QueuedIo): void {
    this.queuedIo.push(io);
  }

  private startQueuedIo(): void {
    for (let i = 0; i < this.queuedIo.length; i++) this.startIo(this.queuedIo[i]!);
    this.queuedIo.length = 0;
  }

  private startIo(io: QueuedIo): void {
    this.inFlight++;
    this.stats.backendCalls++;
    let call: Promise<void>;
    try {
      call = io.op === BLOCK_READ ? io.backend.read(io.offset, io.segments)
        : io.op === BLOCK_WRITE ? io.backend.write(io.offset, io.segments)
        : io.backend.flush();
    } catch (err) {
      call = Promise.reject(err);
    }
    call.then(
      () => this.ioDone(io, STATUS_OK),
      (err: unknown) => this.ioDone(io, err instanceof BlockError ? err.errno : STATUS_EIO),
    );
  }

  /**
   * A backend call finished. The core hears of it right here, so its interrupt goes out
   * without waiting for the loop to come round (no core call can be running: this is an event
   * loop callback, and the loop only awaits between core calls). A trap in the core is handed
   * to the loop, which ends the worker as if the trap had happened there.
   */
  private ioDone(io: QueuedIo, status: number): void {
    this.inFlight--;
    if (status === STATUS_OK) {
      if (io.op === BLOCK_READ) this.stats.bytesRead += io.bytes;
      else if (io.op === BLOCK_WRITE) this.stats.bytesWritten += io.bytes;
      else this.stats.flushes++;
    }
    this.completions.push({ reqId: io.reqId, status });
    if (this.failure === null && !this.stopping) {
      try {
        this.drainCompletions();
        this.startQueuedIo(); // what the core submitted in response (the next PIO chunk, say)
      } catch (err) {
        this.failure = err;
      }
    }
    this.ioEvents++;
    this.lastIoEventAt = performance.now();
    if (this.sleepingForIo) {
      this.selfKicks++;
      this.ring.kick();
    }
  }

  private coreLog(level: number, ptr: number, len: number): void {
    const now = performance.now();
    if (now - this.logWindowStart > 1000) {
      this.logWindowStart = now;
      this.logsInWindow = 0;
    }
    if (++this.logsInWindow > LOG_BUDGET_PER_SECOND) {
      this.stats.logsDropped++;
      return;
    }
    const bytes = this.coreBytes(ptr, Math.min(len, 1024));
    if (!bytes) return;
    const text = this.textDecoder.decode(bytes.slice());
    const tag = level === LOG_ERROR ? 'error' : level === LOG_WARN ? 'warn' : 'info';
    if (level <= LOG_WARN || process.env.HVMIO_DEBUG) console.error(`[${this.data.id}] ${tag}: ${text}`);
  }
}

function stepAddr(base: bigint, i: number, size: number, df: boolean): bigint {
  const delta = BigInt(i * size);
  return BigInt.asUintN(64, df ? base - delta : base + delta);
}

function writeLe(view: DataView, off: number, size: number, v: bigint): void {
  if (size === 1) view.setUint8(off, Number(v & 0xffn));
  else if (size === 2) view.setUint16(off, Number(v & 0xffffn), true);
  else if (size === 4) view.setUint32(off, Number(v & 0xffffffffn), true);
  else view.setBigUint64(off, BigInt.asUintN(64, v), true);
}

function readLe(view: DataView, off: number, size: number): bigint {
  if (size === 1) return BigInt(view.getUint8(off));
  if (size === 2) return BigInt(view.getUint16(off, true));
  if (size === 4) return BigInt(view.getUint32(off, true));
  return view.getBigUint64(off, true);
}

/** Every guest RAM source we have is page aligned (GuestRam.allocate, the addon's mmap), but a
 *  buffer posted to a worker arrives as a new object: tell the O_DIRECT path so, or it would
 *  probe each buffer first. */
function registerRamBuffers(t: GuestRamTransferable): void {
  for (const r of t.regions) registerPageAlignedBuffer(r.buffer);
}

const asGpa = (n: number) => n as import('../../shared-mem/types.js').GuestPhysAddr;

/** Entry used by every device's worker.ts. A core trap or backend failure ends the thread
 *  with a message the supervisor logs; the supervisor then restarts the device. */
export async function runDeviceWorker(data: DeviceWorkerData, extension: WorkerExtension | null = null): Promise<void> {
  const worker = new DeviceWorker(data, extension);
  try {
    await worker.start();
    parentPort?.postMessage({ type: 'ready' });
    await worker.run();
  } catch (err) {
    parentPort?.postMessage({ type: 'fatal', message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
    process.exit(70);
  }
}
