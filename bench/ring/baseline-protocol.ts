// Shared between the ring benchmark and its baseline worker.

export interface BaselineWorkerData {
  kind: 'atomics' | 'message';
  /** 'atomics': Int32 words [PING, PONG]; a negative ping ends the worker. */
  sab?: SharedArrayBuffer;
}

export const PING = 0;
export const PONG = 1;
