// Which executor a backend uses when the caller does not say.
//
// DEFAULT_EXECUTOR is PLACEHOLDER (measurement pending).

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
