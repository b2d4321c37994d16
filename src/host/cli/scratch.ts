// Where scratch images go. Not tmpfs when avoidable: O_DIRECT (cache=none) is refused there.

import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../worker-entry.js';

export function scratchDir(): string {
  const fromEnv = process.env.HVMIO_SCRATCH;
  if (fromEnv) return fromEnv;
  try {
    const dir = join(packageRoot(), 'build', 'scratch');
    if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
    return dir;
  } catch {
    return tmpdir();
  }
}
