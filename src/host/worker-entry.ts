// Where a device's worker script lives. Workers always run the compiled JavaScript in dist/
// (built by `npm run build`), also when the host itself runs from TypeScript under vitest:
// one code path for tests, benchmarks and the CLI.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('hvmio: cannot find the package root');
    dir = up;
  }
  return dir;
}

export function workerEntry(device: string): string {
  const p = join(packageRoot(), 'dist', 'src', 'workers', device, 'worker.js');
  if (!existsSync(p)) throw new Error(`hvmio: ${p} is missing; run \`npm run build\` first`);
  return p;
}

export function coreWasm(device: string): string {
  const p = join(packageRoot(), 'build', `${device}.wasm`);
  if (!existsSync(p)) throw new Error(`hvmio: ${p} is missing; run \`npm run build\` first`);
  return p;
}
