// Plain-text rendering of a BenchSection, for running a benchmark module on its own.

import type { BenchSection } from '../lib/report.js';

export function printSection(section: BenchSection): void {
  const widths = section.table[0]!.map((_, column) => Math.max(...section.table.map((row) => String(row[column]).length)));
  console.log(section.title);
  for (const row of section.table) console.log(row.map((cell, column) => String(cell).padEnd(widths[column]!)).join('  '));
  for (const goal of section.goals) console.log(`${goal.met ? 'met ' : 'MISS'}  ${goal.name}: ${goal.value} ${goal.unit} (${goal.target})`);
  for (const note of section.notes ?? []) console.log(`note: ${note}`);
}
