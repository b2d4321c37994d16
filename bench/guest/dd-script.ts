// The guest script guest/scripts/bench-dd.sh: its parameters, and what it reports on the
// console (its "BENCH ..." lines) in typed form.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { kitDir } from './guest-kit.js';

export interface DdScriptParams {
  /** MiB moved by each dd case. */
  mib: number;
  /** Pause between a begin marker and the timed work, seconds: the host samples meanwhile. */
  leadSeconds: number;
  /** Trace a few commands with ftrace after the measured cases. */
  profile: boolean;
}

/** The measured dd cases, in the order the script runs them. */
export const DD_CASES = ['write1', 'read1', 'write16', 'read16'] as const;
export type DdCase = (typeof DD_CASES)[number];
/** Null cases (same steps, no dd) before and after the dd cases. */
export const NULL_CASES = ['idle1', 'idle2'] as const;
export type NullCase = (typeof NULL_CASES)[number];
/** One second of idle guest (`sleep 1`). */
export const IDLE_CASE = 'sleep1';
export type CaseName = DdCase | NullCase | typeof IDLE_CASE;

export const blockMiB = (c: DdCase): number => (c.endsWith('16') ? 16 : 1);
export const directionOf = (c: DdCase): 'write' | 'read' => (c.startsWith('write') ? 'write' : 'read');
export const caseLabel = (c: DdCase): string => `${directionOf(c)} bs=${blockMiB(c)}M`;

export function renderDdScript(p: DdScriptParams): string {
  if (!Number.isInteger(p.mib) || p.mib % 16 !== 0 || p.mib <= 0) throw new Error(`dd size ${p.mib} MiB is not a positive multiple of 16`);
  return readFileSync(join(kitDir, 'scripts', 'bench-dd.sh'), 'utf8')
    .replaceAll('@MIB@', String(p.mib))
    .replaceAll('@LEAD_S@', p.leadSeconds.toFixed(2))
    .replaceAll('@PROFILE@', p.profile ? '1' : '0');
}

/** The disk's queue limits and controller, as the guest kernel reports them. */
export interface DiskInfo {
  pci: string;
  id: string;
  driver: string;
  irq: number;
  maxSectorsKb: number;
  maxHwSectorsKb: number;
  maxSegments: number;
  maxSegmentSize: number;
  nrRequests: number;
  queueDepth: number;
  xfer: string;
  irqpoll: boolean;
}

export interface CaseResult {
  name: CaseName;
  bytes: number;
  /** Guest time from just before to just after the command. */
  ns: number;
  /** Timer interrupts (IRQ 0) and jiffies in that time. */
  ticks: number;
  jiffies: number;
  /** Block requests the disk completed in that time. */
  requests: number;
  /** The disk's busy time and its requests' summed time in flight, ms (/sys/block/sda/stat
   *  fields 10 and 11): queuedMs / busyMs is the mean number in flight while busy. */
  busyMs: number;
  queuedMs: number;
  rc: number;
  /** dd's "N+M records out" count, or "none". */
  records: string;
}

/** What the disk completed since boot, read after the last case. */
export interface DiskTotals {
  requests: number;
  flushes: number;
}

export type BenchLine =
  | { kind: 'mark'; edge: 'begin' | 'end'; name: string }
  | { kind: 'info'; info: DiskInfo }
  | { kind: 'case'; result: CaseResult }
  | { kind: 'totals'; totals: DiskTotals }
  | { kind: 'trace-begin' }
  | { kind: 'trace-end' }
  | { kind: 'error'; message: string };

function keyValues(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const word of text.trim().split(/\s+/)) {
    const eq = word.indexOf('=');
    if (eq > 0) out.set(word.slice(0, eq), word.slice(eq + 1));
  }
  return out;
}

const num = (m: Map<string, string>, key: string): number => {
  const v = m.get(key);
  return v === undefined || v === '' ? NaN : Number(v);
};

/** One console line, if it is one of the script's BENCH lines. */
export function parseBenchLine(line: string): BenchLine | null {
  const m = /^BENCH (\S+) ?(.*)$/.exec(line);
  if (!m) return null;
  const [, kind, rest] = m as unknown as [string, string, string];
  switch (kind) {
    case 'mark': {
      const mark = /^(begin|end) (\S+)$/.exec(rest.trim());
      return mark ? { kind: 'mark', edge: mark[1] as 'begin' | 'end', name: mark[2]! } : null;
    }
    case 'info': {
      const kv = keyValues(rest);
      return {
        kind: 'info',
        info: {
          pci: kv.get('pci') ?? '', id: kv.get('id') ?? '', driver: kv.get('driver') ?? '', irq: num(kv, 'irq'),
          maxSectorsKb: num(kv, 'max_sectors_kb'), maxHwSectorsKb: num(kv, 'max_hw_sectors_kb'), maxSegments: num(kv, 'max_segments'),
          maxSegmentSize: num(kv, 'max_segment_size'), nrRequests: num(kv, 'nr_requests'), queueDepth: num(kv, 'queue_depth'),
          xfer: kv.get('xfer') ?? '', irqpoll: kv.get('cmdline_irqpoll') === '1',
        },
      };
    }
    case 'case': {
      const [name, ...more] = rest.trim().split(/\s+/);
      const kv = keyValues(more.join(' '));
      return {
        kind: 'case',
        result: {
          name: name as CaseName, bytes: num(kv, 'bytes'), ns: num(kv, 'ns'), ticks: num(kv, 'ticks'), jiffies: num(kv, 'jiffies'),
          requests: num(kv, 'requests'), busyMs: num(kv, 'busy_ms'), queuedMs: num(kv, 'queued_ms'), rc: num(kv, 'rc'),
          records: kv.get('records') ?? 'none',
        },
      };
    }
    case 'totals': {
      const kv = keyValues(rest);
      return { kind: 'totals', totals: { requests: num(kv, 'requests'), flushes: num(kv, 'flushes') } };
    }
    case 'trace-begin':
      return { kind: 'trace-begin' };
    case 'trace-end':
      return { kind: 'trace-end' };
    case 'error':
      return { kind: 'error', message: rest };
    default:
      return null;
  }
}

/** Why a dd case's figure cannot be trusted, or undefined if it can. */
export function ddCaseFailure(c: DdCase, r: CaseResult | undefined, mib: number): string | undefined {
  if (!r) return `${caseLabel(c)}: no result line (guest died or timed out?)`;
  const blocks = mib / blockMiB(c);
  if (r.rc !== 0) return `${caseLabel(c)}: dd exited ${r.rc}`;
  if (r.records !== `${blocks}+0`) return `${caseLabel(c)}: dd moved ${r.records} records, not ${blocks}+0`;
  if (!(r.ns > 0) || !(r.requests > 0)) return `${caseLabel(c)}: no time or no block requests recorded`;
  return undefined;
}
