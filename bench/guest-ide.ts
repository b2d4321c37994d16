// Real-guest IDE benchmark: an unmodified Linux guest (guest kit, QEMU 7.2 TCG) runs O_DIRECT
// dd on its disk, write and read at bs=1M and bs=16M, with the disk on
//   - our PIIX3 IDE behind QEMU's x-pci-proxy-dev (`hvmio remote`), cache=none and writeback;
//   - QEMU's in-process PIIX3 IDE, with the proxy runs' kernel parameters and without them;
//   - QEMU's own remote process (x-remote) serving an LSI 53C895A disk, the reference remote.
// Each run is a fresh boot; configurations interleave within each repetition so background
// load hits all alike; figures are medians over repetitions. Per case: guest-timed MiB/s, the
// tick bound where the interrupt only arrives by the tick poll, host CPU seconds per GiB of all
// QEMU and remote processes (sampled at guest markers, null phase subtracted), and the remote's
// resident memory at the end of the dd phase. The first repetition of ours (cache=none) and of
// QEMU's remote also traces a few requests in the guest, to show where a request's time goes.
// Standalone: node --import tsx bench/guest-ide.ts [--quick]   (needs `npm run build`)

import os from 'node:os';
import { pathToFileURL } from 'node:url';
import type { BenchGoal, BenchSection } from './lib/report.js';
import { printSection } from './ide/print-section.js';
import { IDE_CONFIGURATIONS as CONFIGURATIONS } from './guest/configurations.js';
import { caseLabel, DD_CASES } from './guest/dd-script.js';
import { requestsPerBlock } from './guest/tick-bound.js';
import { median, type ConfigSummary } from './guest/config-summary.js';
import { LEAD_SECONDS, measureAndSummarize } from './guest/measure.js';
import { explainCpuMiss, explainTickMiss, roleSplit } from './guest/explain.js';
import { cell, memoryCells, round } from './guest/cells.js';

const GOAL_TICK_RATIO = 0.9;
const GOAL_CPU_RATIO = 1.0;

export async function run({ quick }: { quick: boolean }): Promise<BenchSection> {
  const ddMiB = quick ? 64 : 256;
  const repetitions = quick ? 1 : 3;
  const { host, seconds, imageMiB, summaries, byKey } = await measureAndSummarize('guest-ide', CONFIGURATIONS, ddMiB, repetitions);
  const lsi = byKey('lsi-remote-none');
  const oursNone = byKey('ours-none');

  const table: (string | number)[][] = [[
    'configuration', 'dd (O_DIRECT)', 'MiB/s', 'min-max', 'tick bound MiB/s', 'ratio to bound', 'requests/block', 'ticks/request',
    'host CPU s/GiB', 'remote VmHWM MiB', 'remote VmRSS MiB',
  ]];
  for (const s of summaries) {
    for (const c of DD_CASES) {
      const f = s.cases.get(c)!;
      const ok = f.mibps.length > 0;
      const m = median(f.mibps);
      table.push([
        s.config.label, caseLabel(c), ok ? round(m) : 'FAILED', ok ? `${round(Math.min(...f.mibps))}-${round(Math.max(...f.mibps))}` : '-',
        cell(median(f.bound), 1), cell(median(f.ratio), 2), cell(median(f.requestsPerBlock), 2),
        s.config.tickPollParams ? cell(median(f.ticksPerRequest), 2) : '-', cell(median(f.cpuSecondsPerGiB), 2), '', '',
      ]);
    }
    const [hwm, rss] = memoryCells(s.memory);
    const total = median(s.totals.map((t) => t.perGiB));
    table.push([
      s.config.label, 'all four', '', `${s.counted.length}/${s.counted.length + s.failures.length} runs`, '', '', '', '',
      Number.isFinite(total) ? `${round(total, 2)} ±${round(median(s.totals.map((t) => t.errorPerGiB)), 2)}` : 'FAILED', hwm, rss,
    ]);
  }

  const goals: BenchGoal[] = [];
  const misses: string[] = [];
  for (const s of summaries.filter((x) => x.config.kind === 'ours')) {
    let missed = false;
    for (const c of DD_CASES) {
      const ratio = median(s.cases.get(c)!.ratio);
      const met = Number.isFinite(ratio) && ratio >= GOAL_TICK_RATIO;
      missed ||= !met;
      goals.push({
        name: `real-guest IDE ${s.config.label}, ${caseLabel(c)} vs tick bound`,
        value: Number.isFinite(ratio) ? round(ratio, 2) : NaN, unit: 'x bound', target: `>= ${GOAL_TICK_RATIO}x bound`, met,
      });
    }
    if (missed) misses.push(explainTickMiss(s, s.profile ? s : oursNone, lsi, host));
  }
  const cpuNotes: string[] = [];
  for (const cache of ['none', 'writeback'] as const) {
    const pick = (kind: string, poll: boolean): ConfigSummary =>
      summaries.find((x) => x.config.kind === kind && x.config.cache === cache && x.config.tickPollParams === poll)!;
    const ours = pick('ours', true);
    const inProcess = pick('qemu-in-process', true);
    const native = pick('qemu-in-process', false);
    const o = median(ours.totals.map((t) => t.perGiB));
    const q = median(inProcess.totals.map((t) => t.perGiB));
    const ratio = o / q;
    const met = Number.isFinite(ratio) && ratio <= GOAL_CPU_RATIO;
    goals.push({
      name: `host CPU per GiB, ours vs QEMU in-process IDE, cache=${cache}, same kernel parameters`,
      value: Number.isFinite(ratio) ? round(ratio, 2) : NaN, unit: 'x QEMU', target: `<= ${GOAL_CPU_RATIO}x QEMU`, met,
    });
    cpuNotes.push(`Host CPU, cache=${cache}: ours ${cell(o, 2)} s/GiB; QEMU in-process ${cell(q, 2)} s/GiB with the irqpoll parameters ` +
      `(${roleSplit(inProcess.totals.map((t) => t.byRole))}) and ${cell(median(native.totals.map((t) => t.perGiB)), 2)} s/GiB with its native ` +
      'interrupt path.');
    if (!met) misses.push(explainCpuMiss(ours, inProcess));
  }

  const ide = oursNone.info ?? byKey('qemu-none-poll').info;
  const notes: string[] = [
    `${ddMiB} MiB per dd case, median of ${repetitions} run(s) per configuration, each a fresh boot of the guest kit (QEMU 7.2 TCG, ` +
      `1 vCPU, 256 MiB); configurations interleaved within a repetition; ${imageMiB} MiB preallocated random image in build/scratch; ` +
      `whole benchmark ${round(seconds)} s; ${os.cpus().length} cores, load average ${os.loadavg()[0]!.toFixed(1)} at the end (other work ` +
      'on this machine shares the cores). MiB/s are guest time (/proc/timer_list; under TCG the guest clock is the host clock) around ' +
      `each dd. Host O_DIRECT dd on the same image, 1 MiB blocks: write ${cell(host.writeMiBps)} MiB/s, read ${cell(host.readMiBps)} MiB/s ` +
      '(a ceiling for every cache=none figure).',
    `Tick bound: QEMU 7.2's proxy delivers no interrupt under TCG, so proxied guests boot with nolapic irqpoll nohz=off and the PIT ` +
      `tick polls the device, HZ ${oursNone.hz} (from jiffies over the dd cases). IDE disk as the guest sees it: max_sectors_kb ` +
      `${ide?.maxSectorsKb} (max_hw_sectors_kb ${ide?.maxHwSectorsKb}: LBA48, so not the 256-sector LBA28 limit), queue depth ` +
      `${ide?.queueDepth}, ${ide?.maxSegments} segments of <= ${ide?.maxSegmentSize} bytes: bs=1M is 1 request, bs=16M ` +
      `${requestsPerBlock(16 * 1024, ide?.maxSectorsKb ?? NaN)} by max_sectors_kb, one at a time, so at best one request per tick. ` +
      'Each run\'s bound uses the requests per block the guest counted in that run (/sys/block/sda/stat): a dd buffer whose pages ' +
      'are scattered splits further (128 segments: a 1 MiB block then becomes 2 requests, and the bound halves); the ratio is the ' +
      'median of the runs\' ratios. ticks/request counts IRQ 0 in /proc/interrupts. In-process configurations get their interrupt ' +
      'directly: no bound. ' +
      (lsi.info ? `LSI disk: max_sectors_kb ${lsi.info.maxSectorsKb}, queue depth ${lsi.info.queueDepth}: its bs=16M requests are all in flight at once.` : ''),
    'Host CPU: utime+stime (/proc/PID/stat fields 14+15, clock ticks) of the QEMU and remote processes, all threads (ours: proxy QEMU + ' +
      '`hvmio remote`; QEMU in-process: the one QEMU; x-remote: proxy QEMU + remote QEMU), sampled by the host when it reads each ' +
      `case's begin/end marker on the guest console. The guest pauses ${LEAD_SECONDS} s after a begin marker; null cases (same steps, no ` +
      'dd) before and after the dd cases measure what the markers, the pause and the idle guest cost, and that is subtracted. ± in the ' +
      'table: worst case of one clock tick per process per sample plus twice the spread between the two null cases.',
    ...cpuNotes,
  ];
  const [oh, or] = memoryCells(oursNone.memory);
  const [lh, lr] = memoryCells(lsi.memory);
  notes.push(`Remote resident memory at the end of the dd phase: ours (Node, hvmio remote, PIIX3 IDE, cache=none) VmHWM ${oh} MiB, ` +
    `VmRSS ${or}; QEMU x-remote with lsi53c895a + scsi-hd (cache=none) VmHWM ${lh} MiB, VmRSS ${lr}. shmem is guest RAM mapped from ` +
    'the proxy\'s memfd and touched by DMA. QEMU 7.2\'s x-remote cannot serve piix3-ide ("Failed to realize piix3-ide: No such device"; ' +
    'it needs an ISA bus), hence the LSI controller as the comparable QEMU remote.');
  notes.push(...misses);
  for (const s of summaries) if (s.failures.length) notes.push(`NO FIGURE from ${s.config.label} ${s.failures.join('; ')}`);
  return { title: `Real guest O_DIRECT dd: our PIIX3 IDE through QEMU's proxy vs QEMU's in-process IDE (${ddMiB} MiB per case)`, table, goals, notes };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printSection(await run({ quick: process.argv.includes('--quick') }));
}
