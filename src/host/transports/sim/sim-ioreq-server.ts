// The device-model side of the sim transport: it reads the Xen-format pages the simulated
// CPUs wrote, exactly as our Xen ioreq server will read Xen's, and completes them through
// the bridge. Buffered writes are drained before every synchronous request (as QEMU does,
// xen-ioreq.md 3) so that they take effect in order.

import { BufferedRing } from '../../../shared-mem/buffered-ring.js';
import {
  IOREQ_INPROCESS, IOREQ_READY, IOREQ_TYPE_PIO, IORESP_READY, loadState, readIoreq, storeState,
} from '../../../shared-mem/ioreq.js';
import type { HostBridge } from '../../bridge.js';

export class SimIoreqServer {
  /** One shared_iopage: slot n belongs to vCPU n. */
  readonly iopage = new SharedArrayBuffer(4096);
  readonly buffered: BufferedRing;
  private readonly view = new DataView(this.iopage);
  private drainScheduled = false;

  constructor(private readonly bridge: HostBridge) {
    this.buffered = BufferedRing.create();
  }

  async serve(vcpu: number): Promise<void> {
    this.drainBuffered();
    const off = vcpu * 32;
    if (loadState(this.view, off) !== IOREQ_READY) return; // spurious event
    const req = readIoreq(this.view, off);
    storeState(this.view, off, IOREQ_INPROCESS);
    const data = await this.bridge.handle(req);
    if (req.dir === 'read' && !req.dataIsPtr) this.view.setBigUint64(off + 8, data, true);
    storeState(this.view, off, IORESP_READY);
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
    this.buffered.drain((type, addr, size, value) => {
      this.bridge.post({
        addr: BigInt(addr), data: value, count: 1, size, space: 0, dataIsPtr: false, dir: 'write', df: false,
        type: type === IOREQ_TYPE_PIO ? IOREQ_TYPE_PIO : 1,
      });
    });
  }
}
