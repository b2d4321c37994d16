// Which executor a backend uses when the caller does not say.
//
// libuv, measured by bench/block-throughput.ts (docs/block-backend.md has the tables): on 1 MiB
// commands of 8..16 segments, read and write, page cache and O_DIRECT, queue depth 1 and 4, piscina
// reached 0.68..0.73x libuv's throughput (geometric mean over the 8 cases, four interleaved runs on
// this 2-vCPU machine) and lost 29 of 32 cases; worst on page-cache reads (0.47..0.74x), closest on
// O_DIRECT (0.52..1.13x), where the disk dominates. Per command, 12 x 512 B from the page cache:
// libuv 40..91 us, piscina 124..335 us. Piscina pays a structured-clone postMessage to a parked
// worker and a MessagePort message back per transfer; libuv pays a condition variable and a
// uv_async. Piscina stays selectable (executor: 'piscina') for work that must run JS beside the I/O.

import type { ExecutorKind, IoExecutor } from './io-executor.js';
import { LibuvExecutor } from './libuv-executor.js';
import { PiscinaExecutor } from './piscina-executor.js';

export const DEFAULT_EXECUTOR: ExecutorKind = 'libuv';

export function createIoExecutor(kind: ExecutorKind): IoExecutor {
  switch (kind) {
    case 'libuv':
      return new LibuvExecutor();
    case 'piscina':
      return new PiscinaExecutor();
  }
}
