// Host CPU time of each guest phase, from the samples taken at its begin and end markers.
//
// Method: the host samples utime+stime of the run's QEMU and remote processes when it reads a
// marker on the console, a little after the guest printed it. Every case runs the same steps
// between its markers (a pause, counter readings, the command, counter readings), and the null
// cases run them with a command that does nothing. So (case delta) - (null delta) is the CPU
// the command itself cost: the console lag appears at both markers of both and cancels, and the
// guest's idle cost during the pause (its timer ticks, and through the proxy the polls of the
// device they trigger) is subtracted.
// Error: utime/stime count whole clock ticks (10 ms at CLK_TCK 100) per process, so each
// process's delta is off by up to one tick per sample; and the idle cost varies, which the two
// null cases (before and after the dd cases) show.

import { CLOCK_TICKS_PER_SECOND } from './procfs.js';
import type { MarkSample } from './guest-run.js';
import type { ProcessRole } from './run-processes.js';
import { NULL_CASES } from './dd-script.js';

/** CPU seconds in user and in kernel mode. */
export interface RoleCpu {
  user: number;
  system: number;
}

export interface PhaseCpu {
  /** CPU seconds of the phase minus the null phase, all counted processes. */
  seconds: number;
  byRole: Map<ProcessRole, RoleCpu>;
  /** Our remote's main thread (user + system) within byRole's 'hvmio-remote', seconds; null for others. */
  remoteMainThreadSeconds: number | null;
}

export interface RunCpu {
  phases: Map<string, PhaseCpu>;
  /** |null1 - null2|, seconds: how much that cost varied within the run. */
  nullSpreadSeconds: number;
  /** Resolution error of one phase: one clock tick per process per sample, two samples, and the null's two. */
  resolutionSeconds: number;
  problems: string[];
}

interface RawDelta {
  byRole: Map<ProcessRole, RoleCpu>;
  mainThread: number | null;
}

function delta(samples: readonly MarkSample[], name: string): RawDelta | string {
  const begin = samples.find((s) => s.name === name && s.edge === 'begin');
  const end = samples.find((s) => s.name === name && s.edge === 'end');
  if (!begin || !end) return `${name}: missing marker sample`;
  if (begin.missing || end.missing) return `${name}: a process of the run was gone when sampled`;
  const byRole = new Map<ProcessRole, RoleCpu>();
  for (const [role, t] of end.ticks) {
    const b = begin.ticks.get(role) ?? { user: 0, system: 0 };
    byRole.set(role, { user: (t.user - b.user) / CLOCK_TICKS_PER_SECOND, system: (t.system - b.system) / CLOCK_TICKS_PER_SECOND });
  }
  const mainThread = begin.remoteMainThreadTicks !== null && end.remoteMainThreadTicks !== null
    ? (end.remoteMainThreadTicks - begin.remoteMainThreadTicks) / CLOCK_TICKS_PER_SECOND
    : null;
  return { byRole, mainThread };
}

export const cpuSeconds = (c: RoleCpu): number => c.user + c.system;
export const totalSeconds = (m: Map<ProcessRole, RoleCpu>): number => [...m.values()].reduce((a, c) => a + cpuSeconds(c), 0);

export function phaseCpu(samples: readonly MarkSample[], phaseNames: readonly string[]): RunCpu {
  const problems: string[] = [];
  const nulls: RawDelta[] = [];
  for (const n of NULL_CASES) {
    const d = delta(samples, n);
    if (typeof d === 'string') problems.push(d);
    else nulls.push(d);
  }
  const nullRole = new Map<ProcessRole, RoleCpu>();
  let nullMain = 0;
  for (const d of nulls) {
    for (const [role, c] of d.byRole) {
      const sum = nullRole.get(role) ?? { user: 0, system: 0 };
      nullRole.set(role, { user: sum.user + c.user / nulls.length, system: sum.system + c.system / nulls.length });
    }
    nullMain += (d.mainThread ?? 0) / nulls.length;
  }
  const processes = Math.max(1, ...samples.map((s) => s.ticks.size)); // one process per role in every configuration
  const phases = new Map<string, PhaseCpu>();
  if (nulls.length > 0) {
    for (const name of phaseNames) {
      const d = delta(samples, name);
      if (typeof d === 'string') {
        problems.push(d);
        continue;
      }
      const byRole = new Map<ProcessRole, RoleCpu>();
      for (const [role, c] of d.byRole) {
        const base = nullRole.get(role) ?? { user: 0, system: 0 };
        byRole.set(role, { user: c.user - base.user, system: c.system - base.system });
      }
      phases.set(name, { seconds: totalSeconds(byRole), byRole, remoteMainThreadSeconds: d.mainThread === null ? null : d.mainThread - nullMain });
    }
  }
  return {
    phases,
    nullSpreadSeconds: nulls.length === 2 ? Math.abs(totalSeconds(nulls[0]!.byRole) - totalSeconds(nulls[1]!.byRole)) : NaN,
    resolutionSeconds: (processes * 4) / CLOCK_TICKS_PER_SECOND,
    problems,
  };
}
