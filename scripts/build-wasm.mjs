#!/usr/bin/env node
// Builds every device core under assembly/<device>/index.ts into build/<device>.wasm.
// A core is rebuilt only when a source it can import (assembly/**) is newer than its .wasm,
// so `npm test` stays fast on a warm tree and still correct after any edit.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const asmDir = join(root, 'assembly');
const outDir = join(root, 'build');
mkdirSync(outDir, { recursive: true });

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

const sourcesMtime = Math.max(newestMtime(asmDir), statSync(join(root, 'asconfig.json')).mtimeMs);
const devices = readdirSync(asmDir, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(asmDir, d.name, 'index.ts')))
  .map((d) => d.name);

let failed = false;
for (const device of devices) {
  const out = join(outDir, `${device}.wasm`);
  if (existsSync(out) && statSync(out).mtimeMs >= sourcesMtime && !process.env.FORCE_WASM_BUILD) {
    continue;
  }
  const asc = join(root, 'node_modules', '.bin', 'asc');
  const result = spawnSync(asc, [join('assembly', device, 'index.ts'), '--config', 'asconfig.json',
    '--target', 'release', '-o', out], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`build-wasm: ${device} core failed to compile`);
    failed = true;
  } else {
    console.log(`build-wasm: built build/${device}.wasm (${statSync(out).size} bytes)`);
  }
}
process.exit(failed ? 1 : 0);
