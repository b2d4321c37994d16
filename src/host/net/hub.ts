// `--netdev hub,hubid=N`: an in-process hub joining our NICs, like QEMU's hubports (net/hub.c):
// every frame that comes in on one port goes out on every other port of the same hub. Each
// NIC's worker holds one end of a MessageChannel; frames are ArrayBuffers, transferred, and
// copied only when more than one other port needs them.

import { MessageChannel, type MessagePort } from 'node:worker_threads';

export class NetHub {
  private readonly ports = new Set<MessagePort>();
  /** Frames relayed (one per frame in, whatever the number of ports out). */
  relayed = 0;

  constructor(readonly hubid: number) {}

  /** A new port: returns the worker's end; the hub keeps the other. `detach` removes it. */
  attach(): { workerPort: MessagePort; detach: () => void } {
    const { port1, port2 } = new MessageChannel();
    port1.on('message', (frame: unknown) => {
      if (frame instanceof ArrayBuffer) this.relay(port1, frame);
    });
    this.ports.add(port1);
    return {
      workerPort: port2,
      detach: () => {
        this.ports.delete(port1);
        port1.close();
      },
    };
  }

  get portCount(): number {
    return this.ports.size;
  }

  private relay(from: MessagePort, frame: ArrayBuffer): void {
    this.relayed++;
    const out = [...this.ports].filter((p) => p !== from);
    out.forEach((p, i) => {
      const copy = i === out.length - 1 ? frame : frame.slice(0);
      p.postMessage(copy, [copy]);
    });
  }
}

const hubs = new Map<number, NetHub>();

/** The process's hub with this number, created on first use. */
export function hubFor(hubid: number): NetHub {
  let h = hubs.get(hubid);
  if (!h) {
    h = new NetHub(hubid);
    hubs.set(hubid, h);
  }
  return h;
}
