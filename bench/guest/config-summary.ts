// One configuration's figures over its repetitions: which runs count (a run whose guest or dd
// failed, whose CPU samples are incomplete, or whose device moved less than asked posts no
// figure), and the medians the report shows.

import { blockMiB, DD_CASES, ddCaseFailure, IDLE_CASE, type DdCase, type DiskInfo } from './dd-script.js';
import { rolesOf, type Configuration } from './configurations.js';
import type { GuestRunResult } from './guest-run.js';
import { cpuSeconds, type RoleCpu, type RunCpu } from './phase-cpu.js';
import type { MemoryStatus } from './procfs.js';
import type { ProcessRole } from './run-processes.js';
import { kernelHz, tickBoundMiBps } from './tick-bound.js';
import { parseTrace, profileOf, type ParsedTrace, type RequestProfile } from './trace-profile.js';

const MIB = 1 << 20;
const GIB = 1 << 30;

export interface RunRecord {
  config: Configuration;
  rep: number;
  run: GuestRunResult;
  cpu: RunCpu;
  /** Why this run's figures are not used, if they are not. */
  failure?: string;
}

export interface CaseFigures {
  /** One value per counted run. */
  mibps: number[];
  /** The tick bound from that run's own requests per block (NaN where no bound applies), and mibps / bound. */
  bound: number[];
  ratio: number[];
  cpuSecondsPerGiB: number[];
  ticksPerRequest: number[];
  requestsPerBlock: number[];
  /** Mean requests in flight while the disk was busy (iostat's avgqu-sz). */
  meanInFlight: number[];
  /** dd wall time in guest seconds. */
  seconds: number[];
}

export interface RunTotals {
  /** CPU seconds per GiB over all four dd cases, and its worst-case error. */
  perGiB: number;
  errorPerGiB: number;
  byRole: Map<ProcessRole, RoleCpu>;
  /** Seconds per GiB of our remote's main thread (null for other remotes). */
  remoteMainPerGiB: number | null;
  /** Guest seconds the four dd cases took, and the GiB they moved. */
  ddSeconds: number;
  gib: number;
  /** CPU seconds per second of an idle guest (`sleep 1`, null phase subtracted), by role. */
  idlePerSecond: Map<ProcessRole, RoleCpu>;
}

export interface ConfigSummary {
  config: Configuration;
  counted: RunRecord[];
  failures: string[];
  cases: Map<DdCase, CaseFigures>;
  info: DiskInfo | null;
  /** The guest kernel's HZ, from jiffies over the dd cases. */
  hz: number;
  totals: RunTotals[];
  /** The remote's memory at the end of the dd phase, per counted run. */
  memory: MemoryStatus[];
  /** Our remote's ioreqs (accesses through the device worker's ring) per block request over
   *  its whole run (boot included). */
  ioreqsPerRequest: number[];
  /** Our remote's register reads answered from the register shadow, without the worker, per
   *  block request over its whole run. */
  shadowReadsPerRequest: number[];
  /** Our remote's backend calls per request the guest's disk completed since boot (reads,
   *  writes, flushes: for a SCSI disk one command each), and per request its device core
   *  submitted to the backend. */
  backendCallsPerGuestRequest: number[];
  backendCallsPerSubmission: number[];
  profile: RequestProfile | null;
  /** The first traced run's ftrace output, parsed, and that run's disk interrupt line. */
  trace: { parsed: ParsedTrace; diskIrq: number } | null;
}

export function median(values: readonly number[]): number {
  const s = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Why a run's figures cannot be used, or undefined. */
export function runFailure(r: GuestRunResult, config: Configuration, ddMiB: number, cpu: RunCpu): string | undefined {
  if (r.rc !== 0) return `guest exited rc=${r.rc}${r.errors.length ? ` (${r.errors.join('; ')})` : ''}`;
  if (!r.info) return 'the guest reported no disk';
  for (const c of DD_CASES) {
    const why = ddCaseFailure(c, r.cases.get(c), ddMiB);
    if (why) return why;
  }
  const found = r.processes.map((p) => p.role).sort().join(',');
  if (found !== [...rolesOf(config.kind)].sort().join(',')) return `found processes [${found}], expected [${rolesOf(config.kind).join(',')}]`;
  if (cpu.problems.length > 0) return `CPU samples: ${cpu.problems.join('; ')}`;
  const idle = r.cases.get(IDLE_CASE);
  if (!idle || idle.rc !== 0 || !(idle.ns > 0)) return 'the idle second (sleep 1) did not run';
  if (config.kind === 'ours') {
    const s = r.remoteStats;
    if (!s) return 'our remote printed no --stats line';
    const want = 2 * ddMiB * MIB;
    if (Number(s.bytesWritten) < want || Number(s.bytesRead) < want) {
      return `our remote moved ${s.bytesWritten} bytes written / ${s.bytesRead} read, the guest asked for ${want} each`;
    }
    if (Number(s.restarts) > 0 || s.state !== 'up') return `our device worker is ${s.state} after ${s.restarts} restart(s)`;
  }
  if (config.tickPollParams !== r.info.irqpoll) return 'the guest did not boot with the expected kernel parameters';
  return undefined;
}

function addScaled(into: Map<ProcessRole, RoleCpu>, from: Map<ProcessRole, RoleCpu>, scale: number): void {
  for (const [role, c] of from) {
    const sum = into.get(role) ?? { user: 0, system: 0 };
    into.set(role, { user: sum.user + c.user * scale, system: sum.system + c.system * scale });
  }
}

export function summarize(config: Configuration, records: readonly RunRecord[], ddMiB: number): ConfigSummary {
  const counted = records.filter((r) => r.failure === undefined);
  const cases = new Map<DdCase, CaseFigures>();
  for (const c of DD_CASES) cases.set(c, { mibps: [], bound: [], ratio: [], cpuSecondsPerGiB: [], ticksPerRequest: [], requestsPerBlock: [], meanInFlight: [], seconds: [] });
  const totals: RunTotals[] = [];
  const memory: MemoryStatus[] = [];
  const ioreqsPerRequest: number[] = [];
  const shadowReadsPerRequest: number[] = [];
  const backendCallsPerGuestRequest: number[] = [];
  const backendCallsPerSubmission: number[] = [];
  const jiffyRates: number[] = [];
  for (const r of counted) {
    let cpu = 0;
    let bytes = 0;
    let ddSeconds = 0;
    let remoteMain: number | null = null;
    const byRole = new Map<ProcessRole, RoleCpu>();
    for (const c of DD_CASES) {
      const res = r.run.cases.get(c)!;
      const phase = r.cpu.phases.get(c)!;
      const f = cases.get(c)!;
      const seconds = res.ns / 1e9;
      const mibps = res.bytes / MIB / seconds;
      const perBlock = res.requests / (ddMiB / blockMiB(c));
      const hz = kernelHz(res.jiffies, res.ns);
      const bound = config.tickBound ? tickBoundMiBps(hz, blockMiB(c), perBlock, r.run.info!.queueDepth) : NaN;
      f.mibps.push(mibps);
      f.bound.push(bound);
      f.ratio.push(mibps / bound);
      f.cpuSecondsPerGiB.push(phase.seconds / (res.bytes / GIB));
      f.ticksPerRequest.push(res.ticks / res.requests);
      f.requestsPerBlock.push(perBlock);
      f.meanInFlight.push(res.busyMs > 0 ? res.queuedMs / res.busyMs : NaN);
      f.seconds.push(seconds);
      jiffyRates.push(res.jiffies / seconds);
      cpu += phase.seconds;
      bytes += res.bytes;
      ddSeconds += seconds;
      addScaled(byRole, phase.byRole, 1);
      if (phase.remoteMainThreadSeconds !== null) remoteMain = (remoteMain ?? 0) + phase.remoteMainThreadSeconds;
    }
    const gib = bytes / GIB;
    const perGiB = new Map<ProcessRole, RoleCpu>();
    addScaled(perGiB, byRole, 1 / gib);
    const idlePerSecond = new Map<ProcessRole, RoleCpu>();
    addScaled(idlePerSecond, r.cpu.phases.get(IDLE_CASE)!.byRole, 1e9 / r.run.cases.get(IDLE_CASE)!.ns);
    const spread = Number.isFinite(r.cpu.nullSpreadSeconds) ? r.cpu.nullSpreadSeconds : 0;
    totals.push({
      perGiB: cpu / gib,
      errorPerGiB: (DD_CASES.length * r.cpu.resolutionSeconds + 2 * spread) / gib,
      byRole: perGiB,
      remoteMainPerGiB: remoteMain === null ? null : remoteMain / gib,
      ddSeconds,
      gib,
      idlePerSecond,
    });
    const end = r.run.samples.find((s) => s.name === DD_CASES[DD_CASES.length - 1] && s.edge === 'end');
    if (end?.remoteMemory) memory.push(end.remoteMemory);
    const st = r.run.remoteStats;
    if (st && Number(st.blockRequests) > 0) {
      ioreqsPerRequest.push(Number(st.ioreqs) / Number(st.blockRequests));
      shadowReadsPerRequest.push(Number(st.shadowReads ?? 0) / Number(st.blockRequests));
      backendCallsPerSubmission.push(Number(st.backendCalls) / Number(st.blockRequests));
    }
    const guest = r.run.totals;
    if (st && guest && guest.requests + guest.flushes > 0) backendCallsPerGuestRequest.push(Number(st.backendCalls) / (guest.requests + guest.flushes));
  }
  const traced = records.find((r) => r.run.trace.length > 0 && r.run.info);
  const parsed = traced ? parseTrace(traced.run.trace) : null;
  return {
    config,
    counted,
    failures: records.filter((r) => r.failure !== undefined).map((r) => `run ${r.rep + 1}: ${r.failure}`),
    cases,
    info: counted[0]?.run.info ?? records.find((r) => r.run.info)?.run.info ?? null,
    hz: kernelHz(median(jiffyRates), 1e9),
    totals,
    memory,
    ioreqsPerRequest,
    shadowReadsPerRequest,
    backendCallsPerGuestRequest,
    backendCallsPerSubmission,
    profile: traced && parsed ? profileOf(parsed, traced.run.info!.irq) : null,
    trace: traced && parsed ? { parsed, diskIrq: traced.run.info!.irq } : null,
  };
}


/** Median over runs of one role's CPU seconds per GiB (or per idle second). */
export function roleMedian(list: readonly Map<ProcessRole, RoleCpu>[], role: ProcessRole, part?: keyof RoleCpu): number {
  return median(list.map((m) => {
    const c = m.get(role);
    return c === undefined ? NaN : part === undefined ? cpuSeconds(c) : c[part];
  }));
}
