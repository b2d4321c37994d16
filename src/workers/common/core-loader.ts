// Instantiates a device core under WASI: log output, clocks and randomness come from
// @wasmer/wasi, the device ABI from the worker. No directory is preopened, so a core has no
// file access at all (DESIGN.md "WASI, logging and clocks").

import { readFile } from 'node:fs/promises';
import { init, WASI } from '@wasmer/wasi';
import type { CoreExports, CoreImports } from './core-abi.js';

let wasiReady: Promise<void> | null = null;

const compiled = new Map<string, Promise<WebAssembly.Module>>();

export interface LoadedCore {
  exports: CoreExports;
  /** Whatever the core printed through WASI stdout/stderr since the last call. */
  drainOutput(): string;
}

export async function loadCore(wasmPath: string, imports: CoreImports): Promise<LoadedCore> {
  wasiReady ??= init();
  await wasiReady;
  let mod = compiled.get(wasmPath);
  if (!mod) {
    mod = readFile(wasmPath).then((bytes) => WebAssembly.compile(bytes));
    compiled.set(wasmPath, mod);
  }
  const module = await mod;
  // @wasmer/wasi 1.2.2 traps inside instantiate when offered an import the module does not
  // declare (a core that never arms a timer has no timer_arm), so offer only declared ones.
  const declared = new Set(WebAssembly.Module.imports(module).filter((i) => i.module === 'hvmio').map((i) => i.name));
  const offered = Object.fromEntries(Object.entries(imports).filter(([name]) => declared.has(name)));
  const wasi = new WASI({ env: {}, args: [] });
  const instance = wasi.instantiate(module, { hvmio: offered as WebAssembly.ModuleImports });
  wasi.start(instance);
  return {
    exports: instance.exports as unknown as CoreExports,
    drainOutput: () => wasi.getStdoutString() + wasi.getStderrString(),
  };
}
