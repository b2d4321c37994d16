// `--netdev tap,ifname=NAME`: a Linux TAP interface. The host opens it (TUNSETIFF with
// IFF_TAP | IFF_NO_PI through the native addon, which needs CAP_NET_ADMIN and /dev/net/tun)
// and hands the worker the descriptor; descriptors belong to the process, so the worker uses
// it as it is and a restarted worker takes it over. Reads: the addon's watchReadable (a
// uv_poll on this thread's loop) and non-blocking reads of one frame each into a reused
// buffer; writes: one writev of the guest's segments, synchronous and complete when it
// returns (a TAP write hands the frame to the kernel's stack at once).

import { tapRead, tapWritev, watchReadable, type FdWatch } from '../../../native/addon.js';
import type { TapBackendSpec } from '../backend-spec.js';
import { MAX_FRAME_BYTES, type NetBackend, type NetBackendEvents, type TxOutcome } from './backend.js';

/** Frames read per readiness callback before the loop gets a turn (uv_poll fires again). */
const READS_PER_WAKE = 64;

export class TapBackend implements NetBackend {
  private watch: FdWatch | null;
  private readonly readBuffer = new Uint8Array(MAX_FRAME_BYTES);
  readonly connected = true;
  /** Reads or writes that failed with an error other than EAGAIN. */
  errors = 0;

  constructor(
    private readonly spec: TapBackendSpec,
    events: NetBackendEvents,
  ) {
    const fd = spec.fd;
    const buf = this.readBuffer;
    this.watch = watchReadable(fd, () => {
      try {
        for (let i = 0; i < READS_PER_WAKE; i++) {
          const n = tapRead(fd, buf);
          if (n < 0) return;
          if (n === 0) continue;
          events.receive(buf.subarray(0, n));
        }
      } catch {
        // The interface went away (EBADFD after it was deleted): stop watching, the NIC keeps
        // running without a wire.
        this.errors++;
        this.stopWatch();
      }
    });
  }

  transmit(segments: readonly Uint8Array[], _bytes: number, done: (outcome: TxOutcome) => void): boolean {
    let outcome: TxOutcome = 'sent';
    if (this.watch === null) outcome = 'no-peer';
    else {
      try {
        if (tapWritev(this.spec.fd, segments) < 0) outcome = 'error'; // the interface's queue is full: lost, as on a wire
      } catch {
        this.errors++;
        outcome = 'error';
      }
    }
    queueMicrotask(() => done(outcome));
    return true;
  }

  private stopWatch(): void {
    this.watch?.stop();
    this.watch = null;
  }

  async close(): Promise<void> {
    // The descriptor stays open: it is the host's, and a restarted worker takes it over.
    this.stopWatch();
  }
}
