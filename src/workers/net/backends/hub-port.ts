// `--netdev hub,hubid=N`: this NIC's port on an in-process hub of the host (src/host/net/hub.ts),
// which relays every frame to the other ports of the same hub, as QEMU's hubports do. Frames
// cross threads as ArrayBuffers over a MessagePort, so transmit copies the frame once into a
// buffer that is then transferred (not cloned). Meant for tests: a MessagePort has no
// back-pressure, so the hub relies on the receiving NIC dropping what its ring cannot take.

import type { HubBackendSpec } from '../backend-spec.js';
import type { NetBackend, NetBackendEvents, TxOutcome } from './backend.js';

export class HubPortBackend implements NetBackend {
  readonly connected = true;
  private closed = false;

  constructor(
    private readonly spec: HubBackendSpec,
    events: NetBackendEvents,
  ) {
    spec.port.on('message', (frame: unknown) => {
      if (frame instanceof ArrayBuffer) events.receive(new Uint8Array(frame));
    });
  }

  transmit(segments: readonly Uint8Array[], bytes: number, done: (outcome: TxOutcome) => void): boolean {
    if (this.closed) {
      queueMicrotask(() => done('no-peer'));
      return true;
    }
    const frame = new Uint8Array(bytes);
    let at = 0;
    for (const s of segments) {
      frame.set(s, at);
      at += s.length;
    }
    this.spec.port.postMessage(frame.buffer, [frame.buffer]);
    queueMicrotask(() => done('sent'));
    return true;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.spec.port.close();
  }
}
