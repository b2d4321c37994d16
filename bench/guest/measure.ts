// The measuring loop of the real-guest benchmarks: one scratch image, the dd script (plain
// and profiling), then every configuration booted once per repetition, interleaved so that
// background load hits all alike. Each boot's CPU samples become per-phase figures and the
// run is judged countable or not (config-summary.ts).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createScratchImage, settleDirtyPages } from '../lib/scratch-image.js';
import { launchOf, type Configuration } from './configurations.js';
import { ensureGuestBuilt, scratchDir } from './guest-kit.js';
import { runGuest } from './guest-run.js';
import { DD_CASES, IDLE_CASE, renderDdScript } from './dd-script.js';
import { phaseCpu } from './phase-cpu.js';
import { hostDiskSpeed, type HostDiskSpeed } from './host-disk.js';
import { runFailure, summarize, type ConfigSummary, type RunRecord } from './config-summary.js';

const MIB = 1 << 20;
/** Pause after each begin marker, so the host samples before the timed work starts. */
export const LEAD_SECONDS = 0.15;
const RUN_TIMEOUT_SECONDS = 300;
const HOST_DISK_PROBE_MIB = 64;
/** Image beyond the dd range: the partition-table probe and the profile's dd stay inside. */
const IMAGE_SLACK_MIB = 16;

export interface Measurement {
  records: RunRecord[];
  host: HostDiskSpeed;
  seconds: number;
  imageMiB: number;
}

/** `name` prefixes the scratch files and the progress lines on stderr. */
export async function measureConfigurations(name: string, configurations: readonly Configuration[], ddMiB: number, repetitions: number): Promise<Measurement> {
  ensureGuestBuilt();
  const started = Date.now();
  const work = mkdtempSync(join(scratchDir(), `${name}-`));
  const imageMiB = ddMiB + IMAGE_SLACK_MIB;
  const image = createScratchImage(imageMiB * MIB, name);
  const records: RunRecord[] = [];
  try {
    const host = hostDiskSpeed(image.path, HOST_DISK_PROBE_MIB);
    const plain = join(work, 'bench-dd.sh');
    const traced = join(work, 'bench-dd-profile.sh');
    writeFileSync(plain, renderDdScript({ mib: ddMiB, leadSeconds: LEAD_SECONDS, profile: false }));
    writeFileSync(traced, renderDdScript({ mib: ddMiB, leadSeconds: LEAD_SECONDS, profile: true }));
    for (let rep = 0; rep < repetitions; rep++) {
      for (const config of configurations) {
        const t0 = Date.now();
        const run = await runGuest(launchOf(config, config.profile && rep === 0 ? traced : plain, image.path), RUN_TIMEOUT_SECONDS);
        if (config.cache === 'writeback') settleDirtyPages(image.path);
        const cpu = phaseCpu(run.samples, [...DD_CASES, IDLE_CASE]);
        const failure = runFailure(run, config, ddMiB, cpu);
        records.push({ config, rep, run, cpu, ...(failure !== undefined ? { failure } : {}) });
        process.stderr.write(`${name}: run ${rep + 1}/${repetitions} ${config.key}: ${((Date.now() - t0) / 1000).toFixed(1)} s` +
          `${failure ? ` FAILED: ${failure}\n${run.consoleTail}\n${run.stderrTail}` : ''}\n`);
      }
    }
    return { records, host, seconds: (Date.now() - started) / 1000, imageMiB };
  } finally {
    image.remove();
    rmSync(work, { recursive: true, force: true });
  }
}

export interface SummarizedRun extends Measurement {
  /** One per configuration, in the order given. */
  summaries: ConfigSummary[];
  byKey(key: string): ConfigSummary;
}

/** measureConfigurations, then each configuration's figures over its repetitions. */
export async function measureAndSummarize(name: string, configurations: readonly Configuration[], ddMiB: number, repetitions: number): Promise<SummarizedRun> {
  const m = await measureConfigurations(name, configurations, ddMiB, repetitions);
  const summaries = configurations.map((c) => summarize(c, m.records.filter((r) => r.config === c), ddMiB));
  return {
    ...m,
    summaries,
    byKey: (key) => {
      const s = summaries.find((x) => x.config.key === key);
      if (!s) throw new Error(`${name}: no configuration ${key}`);
      return s;
    },
  };
}
