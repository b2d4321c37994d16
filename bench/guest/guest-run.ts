// One guest boot: starts a guest-kit script, reads the console as it comes, and whenever the
// guest prints a "BENCH mark" line samples the CPU time of every QEMU and remote process of
// the run (and, at end marks, the remote's memory), so the host's cost of each guest phase is
// known without stopping anything. Collects the guest's BENCH results and the ftrace profile.

import { spawn } from 'node:child_process';
import type { Launch } from './configurations.js';
import { parseBenchLine, type CaseName, type CaseResult, type DiskInfo, type DiskTotals } from './dd-script.js';
import { readMemoryStatus, readStat, readThreadTicks, type MemoryStatus, type Pid } from './procfs.js';
import { findRunProcesses, isRemote, type ProcessRole, type RoleProcess } from './run-processes.js';

/** CPU clock ticks of one role (summed if the role has several processes). */
export interface RoleTicks {
  user: number;
  system: number;
}

export interface MarkSample {
  name: string;
  edge: 'begin' | 'end';
  ticks: Map<ProcessRole, RoleTicks>;
  /** Our remote's main thread (tid = pid), clock ticks; the rest of its ticks are worker threads. */
  remoteMainThreadTicks: number | null;
  /** Remote processes' memory, at end marks only. */
  remoteMemory: MemoryStatus | null;
  /** A process of the run had gone when sampled: the sample is incomplete. */
  missing: boolean;
}

export interface GuestRunResult {
  rc: number;
  info: DiskInfo | null;
  cases: Map<CaseName, CaseResult>;
  /** The disk's requests since boot, from the guest at the end of its script. */
  totals: DiskTotals | null;
  samples: MarkSample[];
  processes: RoleProcess[];
  /** ftrace output lines, if the script profiled. */
  trace: string[];
  /** `hvmio remote --stats` JSON, printed by our remote when the proxy disconnects. */
  remoteStats: Record<string, number | string> | null;
  errors: string[];
  consoleTail: string;
  stderrTail: string;
  wallSeconds: number;
}

const tail = (text: string, lines: number): string => text.split('\n').slice(-lines).join('\n');

function sample(processes: readonly RoleProcess[], name: string, edge: 'begin' | 'end'): MarkSample {
  const ticks = new Map<ProcessRole, RoleTicks>();
  let missing = false;
  let remoteMainThreadTicks: number | null = null;
  let remoteMemory: MemoryStatus | null = null;
  for (const p of processes) {
    const stat = readStat(p.pid);
    if (!stat) {
      missing = true;
      continue;
    }
    const sum = ticks.get(p.role) ?? { user: 0, system: 0 };
    ticks.set(p.role, { user: sum.user + stat.userTicks, system: sum.system + stat.systemTicks });
    if (p.role === 'hvmio-remote') remoteMainThreadTicks = readThreadTicks(p.pid).get(p.pid) ?? null;
    if (edge === 'end' && isRemote(p.role)) remoteMemory = readMemoryStatus(p.pid);
  }
  return { name, edge, ticks, remoteMainThreadTicks, remoteMemory, missing };
}

export function runGuest(launch: Launch, timeoutSeconds: number): Promise<GuestRunResult> {
  const started = process.hrtime.bigint();
  const child = spawn('bash', [launch.script, ...launch.args], {
    env: { ...process.env, GUEST_TIMEOUT: String(timeoutSeconds), ...launch.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const result: GuestRunResult = {
    rc: -1, info: null, cases: new Map(), totals: null, samples: [], processes: [], trace: [], remoteStats: null, errors: [],
    consoleTail: '', stderrTail: '', wallSeconds: 0,
  };
  let consoleText = '';
  let stderrText = '';
  let pending = '';
  let inTrace = false;

  const onLine = (line: string): void => {
    const bench = parseBenchLine(line);
    if (inTrace) {
      if (bench?.kind === 'trace-end') inTrace = false;
      else result.trace.push(line);
      return;
    }
    if (!bench) return;
    switch (bench.kind) {
      case 'mark':
        // The processes exist long before the script's first marker; look them up once.
        if (result.processes.length === 0 && child.pid !== undefined) result.processes = findRunProcesses(child.pid as Pid);
        result.samples.push(sample(result.processes, bench.name, bench.edge));
        break;
      case 'info':
        result.info = bench.info;
        break;
      case 'case':
        result.cases.set(bench.result.name, bench.result);
        break;
      case 'totals':
        result.totals = bench.totals;
        break;
      case 'trace-begin':
        inTrace = true;
        break;
      case 'error':
        result.errors.push(bench.message);
        break;
      case 'trace-end':
        break;
    }
  };

  child.stdout.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    // The trace can be long; keep the console only for the failure report.
    if (!inTrace) consoleText = tail(consoleText + text, 200);
    pending += text;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      onLine(pending.slice(0, nl).replace(/\r$/, ''));
      pending = pending.slice(nl + 1);
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (stderrText += chunk.toString()));

  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      if (pending.length > 0) onLine(pending);
      result.rc = code ?? -1;
      const stats = /hvmio remote: \S+ (\{.*\})/.exec(stderrText);
      if (stats) {
        try {
          result.remoteStats = JSON.parse(stats[1]!) as Record<string, number | string>;
        } catch {
          result.errors.push('unreadable hvmio remote --stats line');
        }
      }
      result.consoleTail = tail(consoleText, 40);
      result.stderrTail = tail(stderrText, 20);
      result.wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
      resolve(result);
    });
  });
}
