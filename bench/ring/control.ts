// The little shared control block between the ring benchmark and its echo worker: a stop flag,
// and a sample of the worker thread's CPU time that the host asks for with a ring kick (the
// worker may be blocked in Atomics.wait, where no message would reach it).

const STOP = 0;
const ACK = 1;
const CPU_NS_F64 = 1; // Float64 index (byte 8)

export const CONTROL_BYTES = 16;

export class EchoControl {
  readonly words: Int32Array;
  private readonly f64: Float64Array;

  constructor(readonly sab: SharedArrayBuffer = new SharedArrayBuffer(CONTROL_BYTES)) {
    this.words = new Int32Array(sab, 0, 2);
    this.f64 = new Float64Array(sab, 0, 2);
  }

  get stopRequested(): boolean {
    return Atomics.load(this.words, STOP) !== 0;
  }

  requestStop(): void {
    Atomics.store(this.words, STOP, 1);
  }

  /** Worker: publish a CPU sample (answers a kick). */
  publishCpu(cpuNs: number): void {
    this.f64[CPU_NS_F64] = cpuNs;
    Atomics.add(this.words, ACK, 1);
    Atomics.notify(this.words, ACK);
  }

  acks(): number {
    return Atomics.load(this.words, ACK);
  }

  /** Host: wait (blocking is fine in the benchmark) until the ack count passes `seen`. */
  awaitAck(seen: number, timeoutMs: number): number {
    const deadline = performance.now() + timeoutMs;
    while (Atomics.load(this.words, ACK) === seen) {
      const left = deadline - performance.now();
      if (left <= 0) throw new Error('echo worker did not answer the kick');
      Atomics.wait(this.words, ACK, seen, left);
    }
    return this.f64[CPU_NS_F64]!;
  }
}
