// The host's fast path for register reads (one per device incarnation): answers a guest read
// of a register the core declared side-effect free from the register shadow the worker
// publishes (src/shared-mem/register-shadow.ts), without a ring round trip, when and only when
// that is indistinguishable from sending it through the ring:
//
//  - the read is a plain one (no string I/O) of a declared register at its own offset and
//    width, or narrower and aligned inside it if the register allows (SHADOW_NARROW_READS);
//  - a read-to-clear register declared SHADOW_ZERO_ONLY currently holds 0 (nothing to clear);
//  - the shadow was published and no change is open (a core call running or not yet
//    published), read consistently under the seqlock;
//  - every request this host has put on the incarnation's ring is served (the worker's
//    published served count equals the ring's submitted count): a read can never overtake a
//    posted write or see a value from before one. The caller also checks that nothing waits
//    in its backlog and that no reset is under way.
//
// The interrupt levels are forwarded inside the same consistent window, so the platform sees
// exactly the lines that belong to the state the value comes from, as after a ring answer.

import type { RegisterShadow, ShadowRegister } from '../shared-mem/register-shadow.js';
import type { RequestRing } from '../shared-mem/request-ring.js';
import { SHADOW_NARROW_READS, SHADOW_ZERO_ONLY } from '../workers/common/core-abi.js';
import type { DeviceAccess } from './device-endpoint.js';

/** Where a (space, offset, size) read finds its bytes: register index and bit shift. */
interface ShadowSlice {
  index: number;
  shift: number;
  mask: number;
  /** SHADOW_ZERO_ONLY: answer only while the whole register reads 0. */
  zeroOnly: boolean;
}

const SPACE_FACTOR = 2 ** 32;

function key(space: number, offset: number, size: number): number {
  return (space * SPACE_FACTOR + offset) * 8 + size;
}

export class ShadowReader {
  private readonly slices = new Map<number, ShadowSlice>();
  /** ASYNC_EVENTS of the state the last successful read came from (for the checker). */
  lastAsyncEvents = 0;

  constructor(
    private readonly shadow: RegisterShadow,
    private readonly ring: RequestRing,
  ) {
    shadow.registers().forEach((r, index) => this.addSlices(r, index));
  }

  /** True if some read could be answered here at all (the core declared registers). */
  get enabled(): boolean {
    return this.slices.size > 0;
  }

  private addSlices(r: ShadowRegister, index: number): void {
    const widths = (r.flags & SHADOW_NARROW_READS) !== 0 ? [1, 2, 4].filter((w) => w <= r.size) : [r.size];
    for (const w of widths) {
      for (let at = 0; at + w <= r.size; at += w) {
        this.slices.set(key(r.space, r.offset + at, w), {
          index, shift: at * 8, mask: w === 4 ? 0xffff_ffff : (1 << (w * 8)) - 1, zeroOnly: (r.flags & SHADOW_ZERO_ONLY) !== 0,
        });
      }
    }
  }

  /**
   * The value of read `a` from the shadow, or null when it must go through the ring.
   * `forwardIrqs` is called inside the consistent window (it may run even when the answer is
   * null: forwarding the current levels is always right).
   */
  tryRead(a: DeviceAccess, forwardIrqs: () => void): bigint | null {
    if (a.dir !== 'read' || a.kind !== 'io' || a.count !== 1 || a.dataIsPtr) return null;
    const slice = this.slices.get(key(a.space, a.offset, a.size));
    if (!slice) return null;
    const seq = this.shadow.readBegin();
    if (seq < 0) return null;
    if (this.shadow.served() !== this.ring.submittedCount()) return null;
    const whole = this.shadow.value(slice.index);
    // A read-to-clear register with something to clear must take the ring (its side effect).
    if (slice.zeroOnly && whole !== 0) return null;
    const value = (whole >>> slice.shift) & slice.mask;
    const asyncEvents = this.shadow.asyncEvents();
    forwardIrqs();
    if (!this.shadow.readEnd(seq)) return null;
    this.lastAsyncEvents = asyncEvents;
    return BigInt(value >>> 0);
  }

  /** ASYNC_EVENTS now (a checker compares it with lastAsyncEvents). */
  asyncEventsNow(): number {
    return this.shadow.asyncEvents();
  }
}
