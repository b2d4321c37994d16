// Generation-tagged request ids. A device keeps one slot per place a block request can be
// outstanding (an IDE channel, a SCSI target queue entry, ...). Every issued request gets a
// fresh id; abandoning a slot (reset, SRST, DEVICE RESET) forgets the id, so a completion
// that the worker delivers afterwards is recognised as stale and ignored instead of
// finishing a command the guest has already given up on.
//
// req_id layout: bits 31..8 generation (never 0), bits 7..0 slot index.

export const REQUEST_SLOT_BITS: u32 = 8;
export const REQUEST_SLOT_MASK: u32 = (1 << REQUEST_SLOT_BITS) - 1;
const GENERATION_MASK: u32 = u32.MAX_VALUE >> REQUEST_SLOT_BITS;

/** The slot index a request id was issued from. */
export function requestSlotOf(reqId: u32): u32 {
  return reqId & REQUEST_SLOT_MASK;
}

export class RequestSlot {
  private generation: u32 = 0;
  private inFlight: u32 = 0;

  constructor(readonly index: u32) {}

  /** True while an issued request has neither completed nor been abandoned. */
  get busy(): bool {
    return this.inFlight != 0;
  }

  /** The id of the request in flight, 0 if none. */
  get inFlightId(): u32 {
    return this.inFlight;
  }

  /** Issues the id for a new request; any earlier one becomes stale. */
  issue(): u32 {
    let next = (this.generation + 1) & GENERATION_MASK;
    if (next == 0) next = 1;
    this.generation = next;
    this.inFlight = (next << REQUEST_SLOT_BITS) | (this.index & REQUEST_SLOT_MASK);
    return this.inFlight;
  }

  /** Accepts the completion of `reqId` if it is the request in flight (and retires it). */
  accept(reqId: u32): bool {
    if (this.inFlight == 0 || reqId != this.inFlight) return false;
    this.inFlight = 0;
    return true;
  }

  /** Forgets the request in flight: its completion, if it ever arrives, will be ignored. */
  abandon(): void {
    this.inFlight = 0;
  }
}
