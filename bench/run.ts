// `npm run bench`: runs every benchmark side by side in one process run and writes
// bench/results/<date>-<host>[-<modules>].{json,md} with the machine's description. Figures are ratios
// against a reference measured in the same run; goals say where each stands.
// `npm run bench -- --quick` for a short smoke run; `-- --only ring,block` to pick modules.

import { cpus, hostname, totalmem, release } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { BenchModule, BenchSection } from './lib/report.js';
import { packageRoot } from '../src/host/worker-entry.js';

const MODULES: Record<string, () => Promise<BenchModule>> = {
  ring: () => import('./ring-roundtrip.js'),
  block: () => import('./block-throughput.js'),
  ide: () => import('./ide-sim-throughput.js'),
  rss: () => import('./worker-rss.js'),
  'guest-ide': () => import('./guest-ide.js'),
  'guest-scsi': () => import('./guest-scsi.js'),
  'guest-net': () => import('./guest-net.js'),
};

function machine(): Record<string, string | number> {
  const c = cpus();
  return {
    host: hostname(),
    cpu: c[0]?.model ?? 'unknown',
    cores: c.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
  };
}

function markdown(sections: { name: string; section: BenchSection }[], info: Record<string, string | number>, quick: boolean): string {
  const out = [`# hvmio benchmark results`, '', `${new Date().toISOString()}${quick ? ' (quick run)' : ''}`, ''];
  out.push('| machine | |', '|---|---|', ...Object.entries(info).map(([k, v]) => `| ${k} | ${v} |`), '');
  for (const { section } of sections) {
    out.push(`## ${section.title}`, '');
    const [head, ...rows] = section.table;
    if (head) {
      out.push(`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`);
      for (const r of rows) out.push(`| ${r.join(' | ')} |`);
      out.push('');
    }
    if (section.goals.length) {
      out.push('| goal | measured | target | met |', '|---|---|---|---|');
      for (const g of section.goals) out.push(`| ${g.name} | ${fmt(g.value)} ${g.unit} | ${g.target} | ${g.met ? 'yes' : '**no**'} |`);
      out.push('');
    }
    for (const n of section.notes ?? []) out.push(`- ${n}`);
    if (section.notes?.length) out.push('');
  }
  return out.join('\n');
}

const fmt = (v: number) => (Number.isFinite(v) ? (Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3)) : String(v));

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, only: { type: 'string' } } });
  const quick = values.quick ?? false;
  const names = values.only ? values.only.split(',') : Object.keys(MODULES);
  for (const n of names) if (!MODULES[n]) throw new Error(`unknown benchmark "${n}" (known: ${Object.keys(MODULES).join(', ')})`);
  const info = machine();
  const results: { name: string; section: BenchSection }[] = [];
  for (const name of names) {
    console.log(`bench: ${name} ...`);
    const mod = await MODULES[name]!();
    const section = await mod.run({ quick });
    results.push({ name, section });
    for (const g of section.goals) console.log(`  ${g.met ? 'met ' : 'MISS'} ${g.name}: ${fmt(g.value)} ${g.unit} (target ${g.target})`);
  }
  const dir = join(packageRoot(), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  // A run of some modules only is named after them, so it never overwrites a full run's file.
  const only = values.only ? `-${names.join('+')}` : '';
  const stamp = `${new Date().toISOString().slice(0, 10)}-${info.host}${only}${quick ? '-quick' : ''}`;
  writeFileSync(join(dir, `${stamp}.json`), JSON.stringify({ machine: info, quick, results }, null, 2));
  writeFileSync(join(dir, `${stamp}.md`), markdown(results, info, quick));
  console.log(`bench: wrote bench/results/${stamp}.md and .json`);
}

await main();
