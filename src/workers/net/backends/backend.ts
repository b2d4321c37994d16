// What a network backend is to the NIC's worker: frames out without copying, frames in from
// the backend's own buffer, and a bounded transmit queue (DESIGN.md "Backends").

/** The largest frame any backend carries: QEMU's NET_BUFSIZE (4096 + 65536, include/net/net.h),
 *  which is also what its stream framing accepts. A guest frame is at most 16 KiB (e1000 jumbo). */
export const MAX_FRAME_BYTES = 4096 + 65536;

/** Frames a backend holds (taken from the guest, not yet handed to the kernel) before it says
 *  "busy". The e1000's transmit ring is at most 4096 descriptors; 256 frames keep a full
 *  1500-byte window in flight without letting a slow peer make us buffer without bound. */
export const TX_QUEUE_FRAMES = 256;
/** The same bound in bytes (TSO segments of 64 KiB fill it sooner). */
export const TX_QUEUE_BYTES = 4 * 1024 * 1024;

/** How a transmit ended: the bytes went to the peer (or the kernel's socket buffer), or were
 *  dropped (no peer, socket error). */
export type TxOutcome = 'sent' | 'no-peer' | 'error';

export interface NetBackendEvents {
  /** One frame arrived. `frame` is a view of the backend's buffer, valid only during the call:
   *  copy it out (into guest RAM) before returning. Called from the event loop. */
  receive(frame: Uint8Array): void;
  /** The transmit queue has room again after transmit() returned false. */
  writable(): void;
  /** A stream peer connected or went away; `reason` says why it went. */
  peer(connected: boolean, reason?: string): void;
}

export interface NetBackend {
  /**
   * Queues one frame, the concatenation of `segments` (`bytes` in all), without copying it:
   * the segments must stay valid until `done` runs, which is never inside this call. Returns
   * false, having taken nothing, when the transmit queue is full; `writable` follows later.
   */
  transmit(segments: readonly Uint8Array[], bytes: number, done: (outcome: TxOutcome) => void): boolean;
  /** A peer is there to take frames (a stream client connected; always true for the others). */
  readonly connected: boolean;
  /** Stops receiving, drops queued frames (their `done` runs with 'no-peer'), releases sockets. */
  close(): Promise<void>;
}

/** Counts frames and bytes held by a backend against TX_QUEUE_FRAMES / TX_QUEUE_BYTES, and
 *  says when a refused sender may try again (below half of both bounds, so that the core is not
 *  woken for every single completion). */
export class TxQueueBound {
  private frames = 0;
  private bytes = 0;
  private refused = false;

  constructor(
    private readonly onRoom: () => void,
    private readonly maxFrames = TX_QUEUE_FRAMES,
    private readonly maxBytes = TX_QUEUE_BYTES,
  ) {}

  /** Takes a frame if there is room; false (and a later onRoom) otherwise. */
  take(bytes: number): boolean {
    // A frame bigger than the byte bound alone still goes when the queue is empty.
    if (this.frames >= this.maxFrames || (this.frames > 0 && this.bytes + bytes > this.maxBytes)) {
      this.refused = true;
      return false;
    }
    this.frames++;
    this.bytes += bytes;
    return true;
  }

  release(bytes: number): void {
    this.frames--;
    this.bytes -= bytes;
    if (this.refused && this.frames <= this.maxFrames / 2 && this.bytes <= this.maxBytes / 2) {
      this.refused = false;
      this.onRoom();
    }
  }

  get heldFrames(): number {
    return this.frames;
  }
}

/** A backend that cannot start (unreachable socket, address in use): one line for the user. */
export class NetBackendError extends Error {
  override name = 'NetBackendError';
}
