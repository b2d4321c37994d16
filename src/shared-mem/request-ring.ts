// The per-device request ring: how the host bridge hands trapped guest accesses to a device
// worker and gets the answers back. One SharedArrayBuffer per device:
//
//   header  8 cache lines of Int32 words (each hot word alone on its 64-byte line, so the
//           producer's and the consumer's stores do not bounce one line between cores)
//   slots   N x 32 bytes in Xen's ioreq_t layout (ioreq.ts); N a power of two
//
// Exactly one producer (the host bridge thread) and one consumer (the device worker).
// Requests are taken in submission order, posted or not. A slot's life:
//
//   NONE --producer fills, release-stores--> IOREQ_READY --consumer takes--> IOREQ_INPROCESS
//     --consumer answers--> IORESP_READY --producer takes the data--> NONE      (non-posted)
//     --consumer finishes--> NONE                                                (posted)
//
// The slot's fields are plain writes made before the Atomics store of its state, and plain
// reads made after an Atomics load of it (Xen's wmb/rmb pairs, spec section 3). `head` and
// `tail` are free-running counters; slot = counter & (N-1). Because the producer frees an
// answered slot only when it collects the answer, a slot may still be busy when `head` comes
// round to it again: submit then reports the ring full.
//
// Posted requests (writes nobody waits for, like Xen's buffered ring) carry RING_FLAG_POSTED in
// the slot's _pad0 half-word, which Xen leaves unused.
//
// Signalling: two adaptive doorbells (doorbell.ts): `doorbell` wakes the consumer (rung per
// submit and per kick), `respSeq` wakes the producer (rung per answer). Each side spins for
// the other within a learned budget before it sleeps, and a ringer makes the notify syscall
// only when the other side sleeps.

import {
  IOREQ_BYTES,
  IOREQ_INPROCESS,
  IOREQ_OFFSET_DATA,
  IOREQ_OFFSET_PAD0,
  IOREQ_OFFSET_SIZE,
  IOREQ_OFFSET_TYPE,
  IOREQ_READY,
  IORESP_READY,
  STATE_NONE,
  allOnes,
  isKnownIoreqType,
  isValidAccessSize,
  readIoreq,
  writeIoreq,
  IOREQ_STATE_MASK,
  IOREQ_OFFSET_FLAGS,
  IOREQ_DIR_READ,
  type Ioreq,
} from './ioreq.js';
import { DEFAULT_WAIT_POLICY, Doorbell, SpinBudget, WAIT_ONLY_POLICY, type WaitCondition, type WaitPolicy } from './doorbell.js';

export { DEFAULT_SPIN_NS, DEFAULT_WAIT_POLICY, DEFAULT_WAIT_POLICY as DEFAULT_POLICY, SPIN_POLICY, WAIT_ONLY_POLICY, type WaitMode, type WaitPolicy } from './doorbell.js';

const WORDS_PER_LINE = 16; // 64-byte cache line / 4

// Header word indices (Int32).
const MAGIC = 0;
const VERSION = 1;
const SLOT_COUNT = 2;
const GARBAGE_COUNT = 3;
const HEAD = 1 * WORDS_PER_LINE;
const TAIL = 2 * WORDS_PER_LINE;
const DOORBELL = 3 * WORDS_PER_LINE;
const DOORBELL_STAMP = DOORBELL + 1; // written only when a sleeper is notified
const CONSUMER_SLEEPING = 4 * WORDS_PER_LINE;
const RESP_SEQ = 5 * WORDS_PER_LINE;
const RESP_STAMP = RESP_SEQ + 1;
const PRODUCER_SLEEPING = 6 * WORDS_PER_LINE;
const CONTROL_KICK = 7 * WORDS_PER_LINE;

export const RING_HEADER_BYTES = 8 * 64;
export const RING_MAGIC = 0x4852_4e47; // "HRNG"
export const RING_VERSION = 1;
export const DEFAULT_RING_SLOTS = 64;
export const MAX_RING_SLOTS = 1 << 16;
/** In a slot's _pad0 (u16 at offset 28): the producer does not wait for an answer. */
export const RING_FLAG_POSTED = 1;

/** How often a producer waiting asynchronously re-checks its abort signal even if nobody calls
 *  wakeProducer(). */
const ABORT_RECHECK_MS = 500;

/** A request as the consumer reads it. */
export interface RingRequest extends Ioreq {
  posted: boolean;
}

export type WorkWait = 'work' | 'timeout' | 'kick';

/** Anything with an `aborted` flag: an AbortSignal, or a getter over a shared word. */
export interface AbortCheck {
  readonly aborted: boolean;
}

/** The producer gave up on a request (its worker died or was declared hung). */
export class RingAbortedError extends Error {
  constructor(readonly slot: number) {
    super(`request in ring slot ${slot} was aborted`);
    this.name = 'RingAbortedError';
  }
}

/** A producer's wait condition: the slot at `offset` was answered, or the wait was aborted. */
class Answered implements WaitCondition {
  constructor(
    private readonly bytes: Uint8Array,
    private readonly offset: number,
    private readonly signal: AbortCheck | undefined,
  ) {}

  ready(): boolean {
    return (Atomics.load(this.bytes, this.offset + IOREQ_OFFSET_FLAGS) & IOREQ_STATE_MASK) === IORESP_READY || this.signal?.aborted === true;
  }
}

export class RequestRing {
  readonly slots: number;
  private readonly buffer: SharedArrayBuffer;
  private readonly words: Int32Array;
  private readonly view: DataView;
  private readonly bytes: Uint8Array;
  private readonly mask: number;
  private readonly workBell: Doorbell;
  private readonly responseBell: Doorbell;
  private readonly consumerBudget = new SpinBudget();
  /** The producer learns two budgets: answers from a worker that was awake come in
   *  microseconds; answers from one it had to wake come after that worker's wake-up latency. */
  private readonly producerBudgetAwake = new SpinBudget();
  private readonly producerBudgetWoken = new SpinBudget();
  /** Producer-local, per slot: the consumer was asleep when the request was submitted. */
  private readonly consumerWasAsleep: Uint8Array;
  /** Kicks already reported by waitForWork (consumer-local). */
  private kicksSeen: number;
  private readonly workOrKick: WaitCondition = {
    ready: () => this.hasWork() || Atomics.load(this.words, CONTROL_KICK) !== this.kicksSeen,
  };

  /** A fresh ring of `slots` (a power of two) request slots. */
  static create(slots: number = DEFAULT_RING_SLOTS): RequestRing {
    if (!Number.isInteger(slots) || slots < 1 || slots > MAX_RING_SLOTS || (slots & (slots - 1)) !== 0) {
      throw new RangeError(`ring slots must be a power of two in 1..${MAX_RING_SLOTS}, not ${slots}`);
    }
    const sab = new SharedArrayBuffer(RING_HEADER_BYTES + slots * IOREQ_BYTES);
    const words = new Int32Array(sab, 0, RING_HEADER_BYTES / 4);
    words[SLOT_COUNT] = slots;
    words[VERSION] = RING_VERSION;
    Atomics.store(words, MAGIC, RING_MAGIC);
    return new RequestRing(sab);
  }

  /** The ring in `sab`, made by `create` on another thread. */
  static attach(sab: SharedArrayBuffer): RequestRing {
    return new RequestRing(sab);
  }

  private constructor(sab: SharedArrayBuffer) {
    if (!(sab instanceof SharedArrayBuffer) || sab.byteLength < RING_HEADER_BYTES) {
      throw new TypeError('not a request ring buffer');
    }
    const words = new Int32Array(sab);
    const slots = words[SLOT_COUNT]!;
    if (
      Atomics.load(words, MAGIC) !== RING_MAGIC ||
      words[VERSION] !== RING_VERSION ||
      slots < 1 ||
      slots > MAX_RING_SLOTS ||
      (slots & (slots - 1)) !== 0 ||
      sab.byteLength !== RING_HEADER_BYTES + slots * IOREQ_BYTES
    ) {
      throw new TypeError('not a request ring buffer (bad magic, version or size)');
    }
    this.buffer = sab;
    this.words = words;
    this.view = new DataView(sab);
    this.bytes = new Uint8Array(sab);
    this.slots = slots;
    this.mask = slots - 1;
    this.workBell = new Doorbell(words, DOORBELL, CONSUMER_SLEEPING, DOORBELL_STAMP);
    this.responseBell = new Doorbell(words, RESP_SEQ, PRODUCER_SLEEPING, RESP_STAMP);
    this.kicksSeen = Atomics.load(words, CONTROL_KICK);
    this.consumerWasAsleep = new Uint8Array(slots);
  }

  get sab(): SharedArrayBuffer {
    return this.buffer;
  }

  /** Requests ever submitted (free-running Int32 counter, the producer's `head`): compared with
   *  what the consumer reports served (register-shadow.ts). */
  submittedCount(): number {
    return Atomics.load(this.words, HEAD);
  }

  /** Requests ever taken by the consumer (free-running, its `tail`), malformed ones included.
   *  Between the consumer's own calls every taken request is also answered. */
  takenCount(): number {
    return Atomics.load(this.words, TAIL);
  }

  /** Requests submitted and not yet taken by the consumer. */
  pending(): number {
    return Math.max(0, this.queued());
  }

  /** head - tail. Can be -1 for a moment: the consumer may take a request as soon as its state
   *  says READY, before the producer's head update that follows lands. */
  private queued(): number {
    return (Atomics.load(this.words, HEAD) - Atomics.load(this.words, TAIL)) | 0;
  }

  /** Something for the consumer to look at. The next slot's state comes first: it is the line
   *  the request is in anyway, so a spinning consumer sees a new request without also pulling
   *  the producer's head line over (head is only updated after the state, see queued()). The
   *  ring's own memory is trusted (only the bridge and the worker map it); a slot left READY
   *  without a submission would keep the consumer busy, like any corruption of its header. */
  private hasWork(): boolean {
    return this.stateAt(RING_HEADER_BYTES + (Atomics.load(this.words, TAIL) & this.mask) * IOREQ_BYTES) === IOREQ_READY || this.queued() > 0;
  }

  /** Malformed slots the consumer answered itself (all-ones reads, dropped writes). */
  get garbageCount(): number {
    return Atomics.load(this.words, GARBAGE_COUNT);
  }

  private offsetOf(slot: number): number {
    if (!Number.isInteger(slot) || slot < 0 || slot > this.mask) {
      throw new RangeError(`ring slot ${slot} does not exist (ring has ${this.slots})`);
    }
    return RING_HEADER_BYTES + slot * IOREQ_BYTES;
  }

  /** True if the request in `slot` was submitted as posted (no answer expected). */
  isPosted(slot: number): boolean {
    return this.postedAt(this.offsetOf(slot));
  }

  // A slot's state is bits 0-3 of its flags byte (offset 30). The ring reads and writes it with
  // byte-wide Atomics: a sequentially consistent store is the release that publishes the
  // slot's plain-written fields, and a load the acquire before reading them. Only the side that
  // owns the slot at that moment writes the byte (producer: NONE -> READY and RESP -> NONE;
  // consumer: READY -> INPROCESS -> RESP), so keeping the flag bits by read-then-store loses
  // nothing, and byte 31 (type) is never touched. Cheaper than ioreq.ts's word-wide
  // compare-exchange, which must also work on pages shared with Xen.
  private stateAt(offset: number): number {
    return Atomics.load(this.bytes, offset + IOREQ_OFFSET_FLAGS) & IOREQ_STATE_MASK;
  }

  private setStateAt(offset: number, state: number): void {
    const at = offset + IOREQ_OFFSET_FLAGS;
    Atomics.store(this.bytes, at, (this.bytes[at]! & ~IOREQ_STATE_MASK) | state);
  }

  private postedAt(offset: number): boolean {
    return (this.view.getUint16(offset + IOREQ_OFFSET_PAD0, true) & RING_FLAG_POSTED) !== 0;
  }

  // ---- producer (host bridge) ---------------------------------------------------------------

  /** Queues `req`. Returns its slot, or -1 if the ring is full. Posted requests need no answer:
   *  the consumer frees their slot itself. */
  submit(req: Ioreq, posted: boolean): number {
    const head = Atomics.load(this.words, HEAD);
    const slot = head & this.mask;
    const offset = RING_HEADER_BYTES + slot * IOREQ_BYTES;
    // The slot's own state is the whole full check (no read of the consumer's tail line): slots
    // are reused in order, so NONE here means the request that used it N submissions ago was
    // taken and completed; anything else means queued, in process, or answered but uncollected.
    if (this.stateAt(offset) !== STATE_NONE) return -1;
    writeIoreq(this.view, offset, req);
    this.view.setUint16(offset + IOREQ_OFFSET_PAD0, posted ? RING_FLAG_POSTED : 0, true);
    this.setStateAt(offset, IOREQ_READY);
    Atomics.store(this.words, HEAD, (head + 1) | 0);
    this.consumerWasAsleep[slot] = this.workBell.ring() ? 1 : 0;
    return slot;
  }

  /** True once the consumer answered the request in `slot`. */
  responseReady(slot: number): boolean {
    return this.stateAt(this.offsetOf(slot)) === IORESP_READY;
  }

  /** The answer's data; frees the slot. Throws if there is no answer yet (a caller bug). */
  takeResponse(slot: number): bigint {
    const offset = this.offsetOf(slot);
    if (this.stateAt(offset) !== IORESP_READY) {
      throw new Error(`ring slot ${slot} has no response to take`);
    }
    return this.takeAt(offset);
  }

  private takeAt(offset: number): bigint {
    const data = this.view.getBigUint64(offset + IOREQ_OFFSET_DATA, true);
    this.setStateAt(offset, STATE_NONE);
    return data;
  }

  /**
   * The answer to the request in `slot`, without ever blocking the event loop: spins up to the
   * policy's budget, then sleeps in Atomics.waitAsync on respSeq. Rejects with RingAbortedError
   * once `signal.aborted` is true (call wakeProducer() after setting it, so that a sleeping
   * waiter notices at once; otherwise it notices within ABORT_RECHECK_MS).
   * When the answer comes within the spin, the promise is created already resolved: no async
   * machinery on the fast path.
   */
  awaitResponse(slot: number, policy: WaitPolicy = DEFAULT_WAIT_POLICY, signal?: AbortCheck): Promise<bigint> {
    let offset: number;
    try {
      offset = this.offsetOf(slot);
    } catch (e) {
      return Promise.reject(e); // a promise-returning function reports errors through its promise
    }
    const answered = new Answered(this.bytes, offset, signal);
    const budget = this.producerBudget(slot);
    const start = this.responseBell.spin(answered, policy, ABORT_RECHECK_MS, budget);
    if (start < 0 && this.stateAt(offset) === IORESP_READY) return Promise.resolve(this.takeAt(offset));
    return this.sleepForResponse(slot, offset, answered, policy, budget, start, signal);
  }

  private async sleepForResponse(
    slot: number,
    offset: number,
    answered: Answered,
    first: WaitPolicy,
    budget: SpinBudget,
    spinStart: number,
    signal: AbortCheck | undefined,
  ): Promise<bigint> {
    for (let round = 0; ; round++) {
      if (this.stateAt(offset) === IORESP_READY) return this.takeAt(offset);
      if (signal?.aborted === true) throw new RingAbortedError(slot);
      const policy = round === 0 ? first : WAIT_ONLY_POLICY;
      await this.responseBell.sleepUntilAsync(answered, policy, ABORT_RECHECK_MS, budget, round === 0 ? spinStart : performance.now());
    }
  }

  /**
   * Blocking variant for threads that may block: spins, then Atomics.wait. Returns the data, or
   * null after `timeoutMs` without an answer (the slot then still belongs to the consumer).
   * Throws RingAbortedError if `signal` (which another thread must be able to set, e.g. a getter
   * over a shared word) reads aborted.
   */
  awaitResponseSync(slot: number, policy: WaitPolicy, timeoutMs: number, signal?: AbortCheck): bigint | null {
    const offset = this.offsetOf(slot);
    this.responseBell.waitUntil(new Answered(this.bytes, offset, signal), policy, timeoutMs, this.producerBudget(slot));
    if (this.stateAt(offset) === IORESP_READY) return this.takeAt(offset);
    if (signal?.aborted === true) throw new RingAbortedError(slot);
    return null;
  }

  /**
   * Which budget the producer spins with for the answer in `slot`. If the worker was asleep
   * when the request went in, the answer cannot come before its wake-up (tens of µs, much more
   * on a loaded machine); the budget for that case learns whether spinning through a wake-up
   * pays (it gives up when wake-ups take longer than the policy's maximum). If the worker was
   * awake, the answer is usually microseconds away.
   */
  private producerBudget(slot: number): SpinBudget {
    return this.consumerWasAsleep[slot] === 1 ? this.producerBudgetWoken : this.producerBudgetAwake;
  }

  /** Makes every producer waiting in awaitResponse(Sync) re-check (after an abort). */
  wakeProducer(): void {
    this.responseBell.wakeAll();
  }

  /** Wakes a consumer blocked in waitForWork with 'kick' (any thread may call this). */
  kick(): void {
    Atomics.add(this.words, CONTROL_KICK, 1);
    this.workBell.ring();
  }

  // ---- consumer (device worker) -------------------------------------------------------------

  /**
   * Slot of the next request, or -1 if there is none. Does not take it: read() does. Malformed
   * slots (state not IOREQ_READY, unknown type, size not 1/2/4/8) at the front are answered here
   * (reads: all-ones; writes: dropped), counted in garbageCount, and skipped.
   */
  peek(): number {
    for (let i = 0; i < this.slots; i++) {
      const tail = Atomics.load(this.words, TAIL);
      const slot = tail & this.mask;
      const offset = RING_HEADER_BYTES + slot * IOREQ_BYTES;
      // Fast path: the slot's state is what publishes a request; head need not be read.
      if (this.stateAt(offset) === IOREQ_READY && this.wellFormed(offset)) return slot;
      // Nothing queued, or the producer is between its stores: not garbage.
      if (((Atomics.load(this.words, HEAD) - tail) | 0) <= 0) return -1;
      // head moved past this slot, so its READY store is visible by now (it came first).
      if (this.stateAt(offset) === IOREQ_READY && this.wellFormed(offset)) return slot;
      this.answerGarbage(offset, tail);
    }
    return -1;
  }

  private wellFormed(offset: number): boolean {
    return (
      isKnownIoreqType(this.view.getUint8(offset + IOREQ_OFFSET_TYPE)) &&
      isValidAccessSize(this.view.getUint32(offset + IOREQ_OFFSET_SIZE, true))
    );
  }

  private answerGarbage(offset: number, tail: number): void {
    Atomics.store(this.words, TAIL, (tail + 1) | 0);
    Atomics.add(this.words, GARBAGE_COUNT, 1);
    if (this.postedAt(offset)) {
      this.setStateAt(offset, STATE_NONE);
      return;
    }
    if ((this.view.getUint8(offset + IOREQ_OFFSET_FLAGS) & IOREQ_DIR_READ) !== 0) {
      const size = this.view.getUint32(offset + IOREQ_OFFSET_SIZE, true);
      this.view.setBigUint64(offset + IOREQ_OFFSET_DATA, allOnes(size), true);
    }
    this.setStateAt(offset, IORESP_READY);
    this.responseBell.ring();
  }

  /**
   * Decodes the request in `slot` (one peek() returned) and takes it: the slot becomes
   * IOREQ_INPROCESS and belongs to the consumer until respond() or finish(). Reading it again
   * just decodes it again.
   */
  read(slot: number): RingRequest {
    const offset = this.offsetOf(slot);
    const tail = Atomics.load(this.words, TAIL);
    if ((tail & this.mask) === slot && this.stateAt(offset) === IOREQ_READY) {
      this.setStateAt(offset, IOREQ_INPROCESS);
      Atomics.store(this.words, TAIL, (tail + 1) | 0);
    }
    const req = readIoreq(this.view, offset) as RingRequest;
    req.posted = this.postedAt(offset);
    return req;
  }

  /**
   * Answers the request in `slot` with `data` (release-stores IORESP_READY, wakes the producer
   * if it sleeps). For a posted request there is nobody to answer: the slot is just freed.
   * False if the slot is not a request the consumer holds (nothing is written then).
   */
  respond(slot: number, data: bigint): boolean {
    const offset = this.offsetOf(slot);
    if (this.stateAt(offset) !== IOREQ_INPROCESS) return false;
    if (this.postedAt(offset)) {
      this.setStateAt(offset, STATE_NONE);
      return true;
    }
    this.view.setBigUint64(offset + IOREQ_OFFSET_DATA, BigInt.asUintN(64, data), true);
    this.setStateAt(offset, IORESP_READY);
    this.responseBell.ring();
    return true;
  }

  /** Completes the request in `slot` without a value: frees a posted slot; a non-posted one is
   *  answered as an absent device would (reads all-ones, writes acknowledged). */
  finish(slot: number): boolean {
    const offset = this.offsetOf(slot);
    if (this.stateAt(offset) !== IOREQ_INPROCESS) return false;
    if (this.postedAt(offset)) {
      this.setStateAt(offset, STATE_NONE);
      return true;
    }
    const isRead = (this.view.getUint8(offset + IOREQ_OFFSET_FLAGS) & IOREQ_DIR_READ) !== 0;
    const data = isRead ? allOnes(this.view.getUint32(offset + IOREQ_OFFSET_SIZE, true)) : this.view.getBigUint64(offset + IOREQ_OFFSET_DATA, true);
    return this.respond(slot, data);
  }

  /** Blocks the worker thread until a request is queued ('work'), kick() was called ('kick',
   *  reported once per batch of kicks), or `timeoutMs` passed ('timeout'). Kicks win. */
  waitForWork(policy: WaitPolicy, timeoutMs: number): WorkWait {
    this.workBell.waitUntil(this.workOrKick, policy, timeoutMs, this.consumerBudget);
    return this.workOutcome();
  }

  /** Like waitForWork, sleeping in Atomics.waitAsync so the worker's event loop (disk
   *  completions, control messages) keeps running. */
  async waitForWorkAsync(policy: WaitPolicy, timeoutMs: number): Promise<WorkWait> {
    await this.workBell.waitUntilAsync(this.workOrKick, policy, timeoutMs, this.consumerBudget);
    return this.workOutcome();
  }

  private workOutcome(): WorkWait {
    const kicks = Atomics.load(this.words, CONTROL_KICK);
    if (kicks !== this.kicksSeen) {
      this.kicksSeen = kicks;
      return 'kick';
    }
    return this.hasWork() ? 'work' : 'timeout';
  }

  /** The consumer's current adaptive spin budget in ns (statistics, tests). */
  get consumerSpinNs(): number {
    return this.consumerBudget.current;
  }

  /** The producer's current adaptive spin budgets in ns, for answers from a worker that was
   *  awake and from one it had to wake (statistics, tests). */
  get producerSpinNs(): { awake: number; woken: number } {
    return { awake: this.producerBudgetAwake.current, woken: this.producerBudgetWoken.current };
  }
}
