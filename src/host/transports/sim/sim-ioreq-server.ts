// The device-model side of the sim transport: it reads the Xen-format pages the simulated
// CPUs wrote, exactly as our Xen ioreq server will read Xen's, and completes them through
// the bridge. Buffered writes are drained before every synchronous request (as QEMU does,
// xen-ioreq.md 3) so that they take effect in order.

import { BufferedRing } from '../../../shared-mem/buffered-ring.js';
import {
  IOREQ_DATA_IS_PTR, IOREQ_DIR_READ, IOREQ_INPROCESS, IOREQ_OFFSET_DATA, IOREQ_OFFSET_FLAGS, IOREQ_READY, IOREQ_TYPE_PIO,
  IORESP_READY, loadState, readIoreq, storeState,
} from '../../../shared-mem/ioreq.js';
import type { HostBridge } from '../../bridge.js';

/** Slots in one shared_iopage (4 KiB / 32 bytes): every vCPU the sim can have. */
const SLOTS = 128;
const RESOLVED: Promise<void> = Promise.resolve();

export class SimIoreqServer {
  /** One shared_iopage: slot n belongs to vCPU n. */
  readonly iopage = new SharedArrayBuffer(4096);
  readonly buffered: BufferedRing;
  private readonly view = new DataView(this.iopage);
  /** The same page for the state word's Atomics. */
  private readonly words = new Int32Array(this.iopage);
  /** Per slot, made once: writes the bridge's answer into the slot and publishes it. */
  private readonly answerers: ((data: bigint) => void)[] = [];
  private drainScheduled = false;

  constructor(private readonly bridge: HostBridge) {
    this.buffered = BufferedRing.create();
    for (let i = 0; i < SLOTS; i++) this.answerers.push((data) => this.answer(i * 32, data));
  }

  /** Serves vCPU `vcpu`'s slot; settles once the answer is in the slot (IORESP_READY). */
  serve(vcpu: number): Promise<void> {
    this.drainBuffered();
    const off = vcpu * 32;
    if (loadState(this.words, off) !== IOREQ_READY) return RESOLVED; // spurious event
    const req = readIoreq(this.view, off);
    storeState(this.words, off, IOREQ_INPROCESS);
    return this.bridge.handle(req).then(this.answerers[vcpu]);
  }

  /** Only reads that are not string I/O carry data back (xen-ioreq.md 2.2); the flags byte is
   *  still the request's, the slot being ours until IORESP_READY. */
  private answer(off: number, data: bigint): void {
    const flags = this.view.getUint8(off + IOREQ_OFFSET_FLAGS);
    if ((flags & IOREQ_DIR_READ) !== 0 && (flags & IOREQ_DATA_IS_PTR) === 0) this.view.setBigUint64(off + IOREQ_OFFSET_DATA, data, true);
    storeState(this.words, off, IORESP_READY);
  }

  notifyBuffered(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    queueMicrotask(() => {
      this.drainScheduled = false;
      this.drainBuffered();
    });
  }

  drainBuffered(): void {
    this.buffered.drain(this.postBuffered);
  }

  private readonly postBuffered = (type: number, addr: number, size: number, value: bigint): void => {
    this.bridge.post({
      addr: BigInt(addr), data: value, count: 1, size, space: 0, dataIsPtr: false, dir: 'write', df: false,
      type: type === IOREQ_TYPE_PIO ? IOREQ_TYPE_PIO : 1,
    });
  };
}
