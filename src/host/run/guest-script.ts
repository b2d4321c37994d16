// The guest kit hands the guest exactly one script file (fw_cfg opt/guest/script). Workloads
// that share steps say "#@include RELATIVE-PATH" on a line of their own; this inlines those
// files (relative to the including file, nested includes allowed) into one script written
// to a private directory, which is what the kit then passes on.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';

const INCLUDE = /^#@include\s+(\S+)\s*$/;
/** Deeper than this is a cycle, not a library. */
const MAX_INCLUDE_DEPTH = 8;

export class GuestScriptError extends Error {
  override name = 'GuestScriptError';
}

/** The script's text with every include inlined. */
export function expandGuestScript(path: string): string {
  return expand(path, 0, []).text;
}

function expand(path: string, depth: number, chain: string[]): { text: string; inlined: boolean } {
  const here = resolve(path);
  if (depth > MAX_INCLUDE_DEPTH || chain.includes(here)) {
    throw new GuestScriptError(`guest script includes form a cycle: ${[...chain, here].join(' -> ')}`);
  }
  let text: string;
  try {
    text = readFileSync(here, 'utf8');
  } catch (err) {
    const where = chain.length ? ` (included from ${chain[chain.length - 1]})` : '';
    throw new GuestScriptError(`cannot read guest script ${here}${where}: ${(err as Error).message}`);
  }
  const lines = text.split('\n');
  if (!lines.some((l) => INCLUDE.test(l))) return { text, inlined: false };
  const expanded = lines.map((line) => {
    const m = INCLUDE.exec(line);
    if (!m) return line;
    const included = expand(join(dirname(here), m[1]!), depth + 1, [...chain, here]).text;
    return `# ---- ${m[1]} (inlined by hvmio)\n${included.replace(/\n$/, '')}\n# ---- end of ${m[1]}`;
  });
  return { text: expanded.join('\n'), inlined: true };
}

export interface ComposedScript {
  path: string;
  dispose(): void;
}

export function composeGuestScript(path: string): ComposedScript {
  const { text, inlined } = expand(path, 0, []);
  if (!inlined) return { path, dispose: () => {} };
  const dir = mkdtempSync(join(tmpdir(), 'hvmio-script-'));
  const out = join(dir, basename(path));
  writeFileSync(out, text, { mode: 0o755 });
  return { path: out, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
