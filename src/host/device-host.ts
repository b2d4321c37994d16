// The host side of one device worker, with its supervisor. It turns the bridge's accesses
// into ring slots, relays the worker's interrupt lines, and restarts the worker when its
// core traps or the thread dies. While the device is down it behaves like an absent PCI
// function: reads return all-ones and writes are dropped (DESIGN.md "Supervision").

import { MessageChannel, Worker, type Transferable } from 'node:worker_threads';
import type { NetWorkerBackend } from '../workers/net/backend-spec.js';
import type { Remote } from 'comlink';
import type { GuestRam } from '../shared-mem/guest-ram.js';
import { IOREQ_TYPE_COPY, IOREQ_TYPE_PCI_CONFIG, IOREQ_TYPE_PIO, type Ioreq } from '../shared-mem/ioreq.js';
import { IrqLines } from '../shared-mem/irq-lines.js';
import { RegisterShadow } from '../shared-mem/register-shadow.js';
import { RequestRing, RingAbortedError, type WaitPolicy } from '../shared-mem/request-ring.js';
import { releaseRemote, wrapPort } from '../workers/common/comlink-node.js';
import { IRQ_PCI_INTA, RESET_AFTER_CRASH, RESET_POWER_ON } from '../workers/common/core-abi.js';
import type { BackendDriveSpec, DeviceControlApi, DeviceWorkerData, FaultPoint, WorkerStats } from '../workers/common/device-worker.js';
import { ALL_ONES, type DeviceAccess, type DeviceEndpoint } from './device-endpoint.js';
import { RingBacklog } from './ring-backlog.js';
import { registerShadowModeFromEnv, type RegisterShadowMode } from './register-shadow-mode.js';
import { ShadowReader } from './shadow-reader.js';
import { coreWasm, workerEntry } from './worker-entry.js';

export interface DeviceHostOptions {
  id: string;
  /** Core / worker folder name: "ide". */
  device: string;
  config: Uint8Array;
  drives: (BackendDriveSpec | null)[];
  ram: GuestRam;
  policy: WaitPolicy;
  faultInjection?: boolean;
  /** Register reads answered from the register shadow (register-shadow-mode.ts). Default:
   *  the environment's HVMIO_REGISTER_SHADOW, else 'on'. */
  registerShadow?: RegisterShadowMode;
  /** Interrupt line of the device changed (ISA 0-15 or IRQ_PCI_INTA). */
  onIrq(line: number, level: boolean): void;
  /** Called after a restarted worker is serving again, to restore configuration. */
  onRestart?(): void;
  log?(line: string): void;
  /** A NIC's network backend, asked for each worker start (a hub hands out a new port). */
  net?(): { backend: NetWorkerBackend; transfer: Transferable[] };
  /** Releases what the device holds outside its worker (passt, a TAP descriptor), after stop. */
  release?(): Promise<void>;
}

export interface DeviceStats extends WorkerStats {
  restarts: number;
  state: DeviceState;
  /** Register reads answered from the register shadow, without the worker. */
  shadowReads: number;
  /** 'verify' mode: shadow answers compared with the ring's, and how many differed. */
  shadowChecks: number;
  shadowMismatches: number;
}

export type { RegisterShadowMode } from './register-shadow-mode.js';

export type DeviceState = 'starting' | 'up' | 'down' | 'stopped';

const WATCHED_IRQ_LINES = [...Array.from({ length: 16 }, (_, i) => i), IRQ_PCI_INTA];
/** More crashes than this within CRASH_WINDOW_MS and the device stays down (absent) for good. */
const MAX_CRASHES_IN_WINDOW = 5;
const CRASH_WINDOW_MS = 10_000;
const RING_SLOTS = 64;
/** How often an on-demand interrupt wait re-checks a device that is down (restarting). */
const DOWN_RECHECK_MS = 5;
/** Longest single on-demand interrupt wait (the watcher's slice too). */
const IRQ_WAIT_SLICE_MS = 500;

interface Incarnation {
  worker: Worker;
  ring: RequestRing;
  irq: IrqLines;
  /** Answers side-effect-free register reads from the worker's register shadow. */
  shadow: ShadowReader;
  control: Remote<DeviceControlApi>;
  /** Accesses waiting for this incarnation's answers; aborted together when it dies. */
  abort: { aborted: boolean };
  exited: Promise<void>;
  /** IrqLines change count when its levels were last forwarded. */
  irqSeen: number;
  /** An on-demand wait for the next interrupt change (see waitIrqChange), if one is armed,
   *  and what ends it early (the incarnation died). */
  irqWait: Promise<void> | null;
  irqWaitEnd: (() => void) | null;
}

export class DeviceHost implements DeviceEndpoint {
  state: DeviceState = 'starting';
  restarts = 0;
  private current: Incarnation | null = null;
  private readonly crashTimes: number[] = [];
  private readonly irqLevels = new Map<number, boolean>();
  private readonly backlog = new RingBacklog({
    submit: (req, posted) => this.current?.ring.submit(req, posted) ?? -1,
    alive: () => this.current !== null && this.state === 'up',
    yieldToWorker: () => new Promise<void>((r) => setImmediate(r)),
  });
  private lastStats: WorkerStats | null = null;
  private irqsOnDemand = false;
  /** Link state the control plane last set (network devices), re-applied after a restart. */
  private linkUp: boolean | null = null;
  private readonly shadowMode: RegisterShadowMode;
  /** Resets under way: the control port changes the device behind the ring's back. */
  private resetting = 0;
  private shadowReads = 0;
  private shadowChecks = 0;
  private shadowMismatchCount = 0;

  constructor(private readonly opts: DeviceHostOptions) {
    this.shadowMode = opts.registerShadow ?? registerShadowModeFromEnv();
  }

  /** 'verify' mode: shadow answers that differed from the ring's. */
  get shadowMismatches(): number {
    return this.shadowMismatchCount;
  }

  async start(): Promise<void> {
    this.current = await this.spawn();
    this.state = 'up';
  }

  /**
   * One synchronous access. Not an async function: on the fast path (ring has room, answer
   * within the spin) the only promise is the ring's, already resolved, plus one reaction that
   * also forwards any interrupt change the access caused. The guest thus sees an interrupt the
   * device raised while handling the access as soon as the access completes, as on real
   * hardware, instead of one event-loop task (and possibly a thread wake-up) later.
   */
  access(a: DeviceAccess): Promise<bigint> {
    const inc = this.current;
    if (this.state !== 'up' || !inc) return Promise.resolve(absent(a));
    if (this.backlog.length > 0) return this.accessBehindBacklog(a);
    if (this.shadowMode !== 'off' && this.resetting === 0 && a.dir === 'read' && inc.shadow.enabled) {
      const value = inc.shadow.tryRead(a, () => this.forwardIrqs(inc));
      if (value !== null) {
        if (this.shadowMode === 'verify') return this.verifyShadowRead(inc, a, value);
        this.shadowReads++;
        return Promise.resolve(value);
      }
    }
    const slot = inc.ring.submit(toIoreq(a), false);
    if (slot < 0) return this.accessBehindBacklog(a);
    return this.answer(inc, slot, a);
  }

  /** Samples the worker's interrupt lines now and forwards what changed since the last look.
   *  Cheap when nothing changed (one shared-memory load). */
  pollIrqs(): void {
    const inc = this.current;
    if (inc) this.forwardIrqs(inc);
  }

  /**
   * For a platform that samples interrupt lines itself (the sim guest only sees them through
   * its interrupt controller, which calls pollIrqs and waitIrqChange): stop the watcher that
   * sleeps on the worker's lines all the time. While it sleeps, every level change costs the
   * worker an Atomics.notify, a futex wake that takes it 12-30 µs on this VM (on the path of
   * the Status read that lowers INTRQ, for one). Call before the guest runs; the watcher's
   * last wait ends at the next change.
   */
  deliverIrqsOnDemand(): void {
    this.irqsOnDemand = true;
  }

  /**
   * Resolves once an interrupt line changed (and was forwarded), after `timeoutMs` (at most
   * IRQ_WAIT_SLICE_MS: a pending wait keeps the process alive), or when the worker died. One
   * wait at a time per worker; a caller that comes while one is armed shares it, so callers
   * re-arm until their own deadline.
   */
  waitIrqChange(timeoutMs: number): Promise<void> {
    const inc = this.current;
    const ms = Math.min(Math.max(timeoutMs, 0), IRQ_WAIT_SLICE_MS);
    // Down: nothing can change until a new worker is up; look again a little later.
    if (!inc) return new Promise((resolve) => setTimeout(resolve, Math.min(ms, DOWN_RECHECK_MS)));
    inc.irqWait ??= new Promise<void>((resolve) => {
      inc.irqWaitEnd = resolve;
      void inc.irq.waitChangeAsync(inc.irqSeen, ms).then(() => resolve());
    }).then(() => {
      inc.irqWait = null;
      inc.irqWaitEnd = null;
      this.forwardIrqs(inc);
    });
    return inc.irqWait;
  }

  private answer(inc: Incarnation, slot: number, a: DeviceAccess): Promise<bigint> {
    return inc.ring.awaitResponse(slot, this.opts.policy, inc.abort).then(
      (value) => {
        this.forwardIrqs(inc);
        return value;
      },
      (err: unknown) => {
        // The worker died with this access outstanding: answer as an absent device would.
        if (err instanceof RingAbortedError) return absent(a);
        throw err;
      },
    );
  }

  /** 'verify' mode: the read goes through the ring too and the answers are compared. They
   *  must agree unless the device changed on its own (a completion, a timer) in between,
   *  which the worker counts; requests queued behind this one cannot affect its answer. */
  private verifyShadowRead(inc: Incarnation, a: DeviceAccess, fast: bigint): Promise<bigint> {
    const asyncEvents = inc.shadow.lastAsyncEvents;
    const slot = inc.ring.submit(toIoreq(a), false);
    if (slot < 0) return this.accessBehindBacklog(a);
    return this.answer(inc, slot, a).then((slow) => {
      if (inc.abort.aborted || inc.shadow.asyncEventsNow() !== asyncEvents) return slow;
      this.shadowChecks++;
      if (slow !== fast) {
        this.shadowMismatchCount++;
        this.opts.log?.(`${this.opts.id}: register shadow answered 0x${fast.toString(16)} where the device answers 0x${slow.toString(16)} (space ${a.space}, offset 0x${a.offset.toString(16)}, size ${a.size})`);
      }
      return slow;
    });
  }

  /** The ring is full or others wait already: queue behind them, in the guest's order.
   *  The slot is taken synchronously by the backlog's pump and the continuation runs in the
   *  same microtask checkpoint, so the incarnation that owns the slot is still current. */
  private async accessBehindBacklog(a: DeviceAccess): Promise<bigint> {
    const slot = await this.backlog.push(toIoreq(a), false);
    const inc = this.current;
    if (slot < 0 || this.state !== 'up' || !inc) return absent(a);
    return this.answer(inc, slot, a);
  }

  post(a: DeviceAccess): void {
    const inc = this.current;
    if (this.state !== 'up' || !inc) return;
    const req = toIoreq(a);
    if (this.backlog.length === 0 && inc.ring.submit(req, true) >= 0) return;
    void this.backlog.push(req, true);
  }

  async stats(): Promise<DeviceStats> {
    const inc = this.current;
    let s = this.lastStats;
    if (inc && this.state === 'up') {
      const p = inc.control.stats();
      inc.ring.kick(); // a worker blocked in Atomics.wait sees the control message only when kicked
      // A worker that died before its exit was noticed never answers: report what was known.
      const answer = await Promise.race([p, inc.exited.then(() => null)]);
      if (answer) this.lastStats = answer;
      s = this.lastStats;
    }
    const zero: WorkerStats = {
      ioreqs: 0, postedWrites: 0, blockRequests: 0, backendCalls: 0, bytesRead: 0, bytesWritten: 0,
      flushes: 0, fdatasyncs: 0, bounced: 0, dmaFaults: 0, logsDropped: 0,
    };
    return {
      ...(s ?? zero), restarts: this.restarts, state: this.state,
      shadowReads: this.shadowReads, shadowChecks: this.shadowChecks, shadowMismatches: this.shadowMismatchCount,
    };
  }

  /** Test hook: the core executes `unreachable` at the given point (worker must allow it). */
  async injectFault(at: FaultPoint = 'next-call'): Promise<void> {
    const inc = this.current;
    if (!inc) throw new Error(`${this.opts.id} is not running`);
    const p = inc.control.armFault(at);
    inc.ring.kick();
    await p;
  }

  /** Network devices: plug (true) or pull (false) the cable; the guest sees a link change
   *  (LSC). Kept across a worker restart. */
  async setLink(up: boolean): Promise<void> {
    if (!this.opts.net) throw new Error(`${this.opts.id} is not a network device`);
    this.linkUp = up;
    const inc = this.current;
    if (!inc || this.state !== 'up') return;
    // The method exists on a network worker's API only (DeviceControlApi.setLink is optional).
    const p = (inc.control as unknown as { setLink(up: boolean): Promise<void> }).setLink(up);
    inc.ring.kick();
    await p;
  }

  /** PCI RST# (QEMU's DEVICE_RESET): the core returns to its power-on state, INTx drops. */
  async reset(): Promise<void> {
    const inc = this.current;
    if (!inc || this.state !== 'up') return;
    // Until the worker has reset the core, reads go through the ring (behind the reset's
    // barrier), never to a shadow that still shows the state from before the reset.
    this.resetting++;
    try {
      // Writes posted before the reset must not run after it: the reset travels on the control
      // port, which the worker may read before it has drained its ring. A read through the ring
      // is answered only after every request queued ahead of it.
      await this.access(RING_BARRIER);
      if (this.current !== inc || this.state !== 'up') return;
      const p = inc.control.reset(RESET_POWER_ON);
      inc.ring.kick();
      await p;
    } finally {
      this.resetting--;
    }
  }

  /** Hands the current guest RAM table (after the transport replaced regions) to the worker. */
  async syncRam(): Promise<void> {
    const inc = this.current;
    if (!inc || this.state !== 'up') return;
    const p = inc.control.replaceRam(this.opts.ram.toTransferable());
    inc.ring.kick();
    await p;
  }

  /** Resolves once the device is serving again after a crash (or immediately if it is up). */
  async whenUp(timeoutMs = 10_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.state !== 'up') {
      if (this.state === 'stopped' || Date.now() > until) throw new Error(`${this.opts.id} did not come back (${this.state})`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  async stop(): Promise<void> {
    const inc = this.current;
    this.state = 'stopped';
    this.current = null;
    if (!inc) return;
    inc.abort.aborted = true;
    inc.irqWaitEnd?.();
    inc.ring.wakeProducer();
    try {
      const p = inc.control.shutdown();
      inc.ring.kick();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([p, new Promise((r) => (timer = setTimeout(r, 2000)))]);
      clearTimeout(timer);
    } catch {
      // The worker may already be gone; terminate below either way.
    }
    releaseRemote(inc.control);
    await inc.worker.terminate();
    await inc.exited;
    await this.opts.release?.();
  }

  private async spawn(): Promise<Incarnation> {
    const ring = RequestRing.create(RING_SLOTS);
    const irq = IrqLines.create();
    // Fresh per incarnation: invalid until this worker has published into it.
    const shadow = RegisterShadow.create();
    const { port1, port2 } = new MessageChannel();
    const net = this.opts.net?.();
    const data: DeviceWorkerData = {
      id: this.opts.id,
      wasmPath: coreWasm(this.opts.device),
      ringSab: ring.sab,
      irqSab: irq.sab,
      shadowSab: shadow.sab,
      ram: this.opts.ram.toTransferable(),
      config: this.opts.config,
      drives: this.opts.drives,
      policy: this.opts.policy,
      faultInjection: this.opts.faultInjection ?? false,
      controlPort: port2,
      net: net?.backend,
    };
    const worker = new Worker(workerEntry(this.opts.device), { workerData: data, transferList: [port2, ...(net?.transfer ?? [])] });
    const control = wrapPort<DeviceControlApi>(port1);
    const abort = { aborted: false };
    let fatal = '';
    const ready = new Promise<void>((resolve, reject) => {
      worker.on('message', (m: { type: string; message?: string }) => {
        if (m.type === 'ready') resolve();
        if (m.type === 'fatal') fatal = m.message ?? 'unknown failure';
      });
      worker.once('exit', (code) => reject(new Error(`${this.opts.id}: worker exited during start (${fatal || `code ${code}`})`)));
      worker.once('error', (err) => reject(err));
    });
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    const irqSeen = irq.changeCount();
    await ready;
    // The worker declared its registers before it reported ready.
    const inc: Incarnation = {
      worker, ring, irq, shadow: new ShadowReader(shadow, ring), control, abort, exited, irqSeen, irqWait: null, irqWaitEnd: null,
    };
    worker.on('error', (err) => {
      fatal ||= err.message;
    });
    worker.once('exit', (code) => {
      if (this.current === inc && this.state !== 'stopped') void this.onCrash(inc, fatal || `exit code ${code}`);
    });
    if (!this.irqsOnDemand) void this.watchIrqs(inc);
    return inc;
  }

  private async onCrash(inc: Incarnation, reason: string): Promise<void> {
    this.state = 'down';
    this.current = null;
    this.backlog.clear();
    inc.abort.aborted = true;
    inc.irqWaitEnd?.();
    inc.ring.wakeProducer();
    releaseRemote(inc.control);
    for (const [line, level] of this.irqLevels) if (level) this.setIrq(line, false);
    this.opts.log?.(`${this.opts.id}: device worker died (${reason}); restarting`);
    const now = Date.now();
    this.crashTimes.push(now);
    while (this.crashTimes.length && this.crashTimes[0]! < now - CRASH_WINDOW_MS) this.crashTimes.shift();
    if (this.crashTimes.length > MAX_CRASHES_IN_WINDOW) {
      this.opts.log?.(`${this.opts.id}: ${this.crashTimes.length} crashes in ${CRASH_WINDOW_MS / 1000} s; leaving it absent`);
      return;
    }
    try {
      const next = await this.spawn();
      if ((this.state as DeviceState) === 'stopped') {
        await next.worker.terminate();
        return;
      }
      // Whatever the dead core was doing is lost: the new one reports it as failed work, then
      // gets the configuration the guest had programmed.
      const reported = next.control.reset(RESET_AFTER_CRASH);
      next.ring.kick();
      await reported;
      this.current = next;
      this.restarts++;
      this.state = 'up';
      this.opts.onRestart?.();
      if (this.linkUp !== null) await this.setLink(this.linkUp);
    } catch (err) {
      this.opts.log?.(`${this.opts.id}: restart failed: ${(err as Error).message}`);
    }
  }

  /** The slow path of interrupt delivery: sleeps until the worker changes a line while nobody
   *  polls (accesses and waiting guests poll through pollIrqs). */
  private async watchIrqs(inc: Incarnation): Promise<void> {
    // Runs for as long as this incarnation lives (its abort flag is set when it dies or stops);
    // it starts before spawn() has made the incarnation current.
    while (!inc.abort.aborted && this.state !== 'stopped' && !this.irqsOnDemand) {
      this.forwardIrqs(inc, true);
      await inc.irq.waitChangeAsync(inc.irqSeen, IRQ_WAIT_SLICE_MS);
      if (inc.abort.aborted) return;
    }
  }

  /** Forwards every line whose level differs from what the platform was last told. Only the
   *  live incarnation's lines count (a dying one's are dropped by onCrash). */
  private forwardIrqs(inc: Incarnation, force = false): void {
    const count = inc.irq.changeCount();
    if (count === inc.irqSeen && !force) return;
    inc.irqSeen = count;
    if (inc.abort.aborted) return;
    for (const line of WATCHED_IRQ_LINES) {
      const level = inc.irq.level(line);
      if ((this.irqLevels.get(line) ?? false) !== level) this.setIrq(line, level);
    }
  }

  private setIrq(line: number, level: boolean): void {
    this.irqLevels.set(line, level);
    if (line === IRQ_PCI_INTA) this.onIntx?.(level);
    this.opts.onIrq(line, level);
  }

  onIntx?: (level: boolean) => void;
}

/** A harmless read (PCI vendor ID, which the core answers without side effects) used to
 *  wait until the worker has run everything queued before it. */
const RING_BARRIER: DeviceAccess = {
  kind: 'config', space: 0, offset: 0, size: 4, dir: 'read', data: 0n, count: 1, dataIsPtr: false, df: false, deviceAddressSteps: false,
};

function absent(a: DeviceAccess): bigint {
  return a.dir === 'read' ? ALL_ONES(a.size) : 0n;
}

function toIoreq(a: DeviceAccess): Ioreq {
  return {
    addr: BigInt(a.offset),
    data: a.data,
    count: a.count,
    size: a.size,
    space: a.space,
    dataIsPtr: a.dataIsPtr,
    dir: a.dir,
    df: a.df,
    type: a.kind === 'config' ? IOREQ_TYPE_PCI_CONFIG : a.deviceAddressSteps ? IOREQ_TYPE_COPY : IOREQ_TYPE_PIO,
  };
}
