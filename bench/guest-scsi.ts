// Real-guest SCSI benchmark (issue 5): an unmodified Linux guest (guest kit, QEMU 7.2 TCG,
// sym53c8xx) runs O_DIRECT dd on an LSI 53C895A disk, write and read at bs=1M (one request at
// a time) and bs=16M (split into requests that are all queued at once), with the controller
//   - ours behind QEMU's x-pci-proxy-dev (`hvmio remote --device lsi53c895a,...`);
//   - QEMU's own lsi53c895a + scsi-hd in QEMU's remote process (x-remote), same proxy;
//   - QEMU's own lsi53c895a in-process, with the proxy runs' kernel parameters and without.
// The measuring loop, CPU accounting and tick bound are the IDE benchmark's (bench/guest/*).
// Per case: guest-timed MiB/s, requests per block and the mean number in flight while busy
// (what "queued" means here, measured), host CPU seconds per GiB of every QEMU and remote
// process; per run: our backend calls per SCSI command (our --stats against the guest's own
// request count). The first repetition of ours, of QEMU's remote and of QEMU in-process
// (irqpoll) traces a few commands in the guest, to show where a command's time goes.
// Standalone: node --import tsx bench/guest-scsi.ts [--quick]   (needs `npm run build`)

import os from 'node:os';
import { pathToFileURL } from 'node:url';
import type { BenchGoal, BenchSection } from './lib/report.js';
import { printSection } from './ide/print-section.js';
import { SCSI_CONFIGURATIONS as CONFIGURATIONS } from './guest/configurations.js';
import { caseLabel, DD_CASES, type DdCase } from './guest/dd-script.js';
import { median, type ConfigSummary } from './guest/config-summary.js';
import { LEAD_SECONDS, measureAndSummarize } from './guest/measure.js';
import { describeScsiProfile, explainCpuMiss, roleSplit } from './guest/explain.js';
import { cell, memoryCells, round } from './guest/cells.js';

/** Issue 5's goals. */
const GOAL_QUEUED_THROUGHPUT_VS_REMOTE = 1.2;
const GOAL_CPU_VS_REMOTE = 0.8;
const GOAL_CPU_VS_IN_PROCESS = 1.0;
const GOAL_BACKEND_CALLS_PER_COMMAND = 1.0;
/** The queued cases: a 16 MiB block is several requests, all handed to the controller at once. */
const QUEUED_CASES: readonly DdCase[] = ['write16', 'read16'];

const cpuPerGiB = (s: ConfigSummary): number => median(s.totals.map((t) => t.perGiB));
const ratioGoal = (name: string, value: number, target: number, atMost: boolean): BenchGoal => ({
  name,
  value: Number.isFinite(value) ? round(value, 2) : NaN,
  unit: 'x',
  target: `${atMost ? '<=' : '>='} ${target}x`,
  met: Number.isFinite(value) && (atMost ? value <= target : value >= target),
});

/** A figure of one counted run of a configuration (index into its counted runs). */
type RunFigure = (s: ConfigSummary, run: number) => number;

/** Median over repetitions of a / b, each from the two configurations' runs in the same
 *  repetition: they ran back to back, so they shared the machine's load of the moment, which
 *  varies more between repetitions than between neighbouring runs. */
function pairedRatio(a: ConfigSummary, b: ConfigSummary, figure: RunFigure): number {
  const ratios: number[] = [];
  a.counted.forEach((ra, i) => {
    const j = b.counted.findIndex((rb) => rb.rep === ra.rep);
    if (j >= 0) ratios.push(figure(a, i) / figure(b, j));
  });
  return median(ratios);
}

const mibpsOf = (c: DdCase): RunFigure => (s, run) => s.cases.get(c)!.mibps[run]!;
const cpuOf: RunFigure = (s, run) => s.totals[run]!.perGiB;

export async function run({ quick }: { quick: boolean }): Promise<BenchSection> {
  const ddMiB = quick ? 64 : 512;
  const repetitions = quick ? 1 : 3;
  const { host, seconds, imageMiB, summaries, byKey } = await measureAndSummarize('guest-scsi', CONFIGURATIONS, ddMiB, repetitions);
  const ours = byKey('ours-lsi');
  const remote = byKey('lsi-remote-none');
  const inProcess = byKey('qemu-lsi-poll');
  const native = byKey('qemu-lsi');

  const table: (string | number)[][] = [[
    'configuration', 'dd (O_DIRECT)', 'MiB/s', 'min-max', 'requests/block', 'mean in flight', 'tick bound MiB/s', 'ratio to bound',
    'host CPU s/GiB', 'backend calls/command', 'remote VmHWM MiB', 'remote VmRSS MiB',
  ]];
  for (const s of summaries) {
    for (const c of DD_CASES) {
      const f = s.cases.get(c)!;
      const ok = f.mibps.length > 0;
      table.push([
        s.config.label, caseLabel(c), ok ? round(median(f.mibps)) : 'FAILED', ok ? `${round(Math.min(...f.mibps))}-${round(Math.max(...f.mibps))}` : '-',
        cell(median(f.requestsPerBlock), 2), cell(median(f.meanInFlight), 2), cell(median(f.bound)), cell(median(f.ratio), 2),
        cell(median(f.cpuSecondsPerGiB), 2), '', '', '',
      ]);
    }
    const [hwm, rss] = memoryCells(s.memory);
    const total = cpuPerGiB(s);
    table.push([
      s.config.label, 'all four', '', `${s.counted.length}/${s.counted.length + s.failures.length} runs`, '', '', '', '',
      Number.isFinite(total) ? `${round(total, 2)} ±${round(median(s.totals.map((t) => t.errorPerGiB)), 2)}` : 'FAILED',
      s.config.kind === 'ours' ? cell(median(s.backendCallsPerGuestRequest), 3) : '-', hwm, rss,
    ]);
  }

  const goals: BenchGoal[] = [];
  for (const c of QUEUED_CASES) {
    goals.push(ratioGoal(`queued throughput (${caseLabel(c)}), ours vs QEMU's LSI through the same proxy, median of per-repetition ratios`,
      pairedRatio(ours, remote, mibpsOf(c)), GOAL_QUEUED_THROUGHPUT_VS_REMOTE, false));
  }
  const cpuVsRemote = pairedRatio(ours, remote, cpuOf);
  const cpuVsInProcess = pairedRatio(ours, inProcess, cpuOf);
  goals.push(ratioGoal('host CPU s/GiB, ours vs QEMU\'s LSI through the same proxy, median of per-repetition ratios', cpuVsRemote, GOAL_CPU_VS_REMOTE, true));
  goals.push(ratioGoal('host CPU s/GiB, ours vs QEMU\'s LSI in-process, same kernel parameters, median of per-repetition ratios', cpuVsInProcess,
    GOAL_CPU_VS_IN_PROCESS, true));
  const perCommand = median(ours.backendCallsPerGuestRequest);
  goals.push({
    name: 'backend calls per SCSI command (our --stats backend calls / requests the guest\'s disk completed since boot, flushes included)',
    value: Number.isFinite(perCommand) ? round(perCommand, 3) : NaN, unit: 'calls',
    target: `= ${GOAL_BACKEND_CALLS_PER_COMMAND.toFixed(1)}`,
    met: Number.isFinite(perCommand) && Math.abs(perCommand - GOAL_BACKEND_CALLS_PER_COMMAND) < 0.005,
  });

  const throughputRatios = (other: ConfigSummary): string =>
    DD_CASES.map((c) => `${caseLabel(c)} ${cell(pairedRatio(ours, other, mibpsOf(c)), 2)} (of medians ` +
      `${cell(median(ours.cases.get(c)!.mibps) / median(other.cases.get(c)!.mibps), 2)})`).join(', ');
  const info = ours.info ?? remote.info;
  const inFlight = (s: ConfigSummary): string =>
    DD_CASES.map((c) => `${caseLabel(c)} ${cell(median(s.cases.get(c)!.meanInFlight), 2)}`).join(', ');
  const notes: string[] = [
    `${ddMiB} MiB per dd case, median of ${repetitions} run(s) per configuration, each a fresh boot of the guest kit (QEMU 7.2 TCG, ` +
      `1 vCPU, 256 MiB), one LSI 53C895A with one disk at SCSI ID 0, cache=none everywhere; configurations interleaved within a ` +
      `repetition; ${imageMiB} MiB preallocated random image in build/scratch; whole benchmark ${round(seconds)} s; ${os.cpus().length} ` +
      `cores, load average ${os.loadavg()[0]!.toFixed(1)} at the end (other work on this machine shares the cores). MiB/s are guest ` +
      `time around each dd. Host O_DIRECT dd on the same image, 1 MiB blocks: write ${cell(host.writeMiBps)} MiB/s, read ` +
      `${cell(host.readMiBps)} MiB/s (a ceiling for every figure).`,
    `Queued, as the guest saw it: sd's queue_depth ${info?.queueDepth} on ours, ${remote.info?.queueDepth} on QEMU's LSI (sysfs ` +
      `device/queue_depth), max_sectors_kb ${info?.maxSectorsKb}, so a 16 MiB block is ${cell(median(ours.cases.get('write16')!.requestsPerBlock), 1)} ` +
      'requests. Mean requests in flight while the disk was busy (/sys/block/sda/stat time in queue / busy time, iostat\'s avgqu-sz): ' +
      `ours ${inFlight(ours)}; QEMU's LSI through the proxy ${inFlight(remote)}; in-process (irqpoll) ${inFlight(inProcess)}.`,
    `Throughput ratios, median of per-repetition ratios (and the ratio of the medians), ours / QEMU's LSI through the proxy: ` +
      `${throughputRatios(remote)}; ours / QEMU's LSI in-process (irqpoll ` +
      `parameters): ${throughputRatios(inProcess)}; ours / in-process with its native interrupt: ${throughputRatios(native)}.`,
    'Tick bound: QEMU 7.2\'s proxy delivers no interrupt under TCG, so proxied guests boot with nolapic irqpoll nohz=off and the ' +
      `PIT tick (HZ ${ours.hz}) polls the controller: a request completes at a tick at the earliest, up to queue_depth of them per tick ` +
      '(bench/guest/tick-bound.ts). It binds the bs=1M cases (one request per tick at most); the bs=16M requests are all in flight at ' +
      'once, so one tick can complete a whole block.',
    'Host CPU: utime+stime of the QEMU and remote processes (ours: proxy QEMU + `hvmio remote`; x-remote: proxy QEMU + remote QEMU; ' +
      `in-process: the one QEMU), sampled at the guest's begin/end markers, null cases subtracted (${LEAD_SECONDS} s pause after each ` +
      'begin marker); ± is one clock tick per process per sample plus twice the spread of the two null cases. ' +
      `Ours ${round(cpuPerGiB(ours), 2)} s/GiB = ${roleSplit(ours.totals.map((t) => t.byRole))}; QEMU's LSI through the proxy ` +
      `${round(cpuPerGiB(remote), 2)} = ${roleSplit(remote.totals.map((t) => t.byRole))}; in-process with the irqpoll parameters ` +
      `${round(cpuPerGiB(inProcess), 2)}, with its native interrupt ${round(cpuPerGiB(native), 2)}. Ratios of the medians: ours / ` +
      `through the proxy ${cell(cpuPerGiB(ours) / cpuPerGiB(remote), 2)}, ours / in-process ${cell(cpuPerGiB(ours) / cpuPerGiB(inProcess), 2)}, ` +
      `ours / in-process native ${cell(pairedRatio(ours, native, cpuOf), 2)} (paired).`,
    `Backend calls: ours made ${cell(median(ours.backendCallsPerGuestRequest), 3)} backend calls per request the guest's disk ` +
      `completed since boot (reads + writes + flushes, /sys/block/sda/stat, each one SCSI command) and ` +
      `${cell(median(ours.backendCallsPerSubmission), 3)} per request its core submitted (--stats backendCalls / blockRequests); ` +
      `${cell(median(ours.ioreqsPerRequest) + median(ours.shadowReadsPerRequest), 1)} register accesses through the proxy per ` +
      `submitted request over the whole boot, idle polls included: ${cell(median(ours.ioreqsPerRequest), 1)} through the device ` +
      `worker's ring (ioreqs), ${cell(median(ours.shadowReadsPerRequest), 1)} reads answered from the register shadow.`,
    ...[ours, remote, inProcess].map(describeScsiProfile),
  ];
  if (!(cpuVsInProcess <= GOAL_CPU_VS_IN_PROCESS)) notes.push(explainCpuMiss(ours, inProcess));
  for (const s of summaries) if (s.failures.length) notes.push(`NO FIGURE from ${s.config.label} ${s.failures.join('; ')}`);
  return { title: `Real guest O_DIRECT dd on an LSI 53C895A: ours through QEMU's proxy vs QEMU's own through the proxy and in-process (${ddMiB} MiB per case)`, table, goals, notes };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printSection(await run({ quick: process.argv.includes('--quick') }));
}
