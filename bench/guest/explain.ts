// The report's words for a missed goal, built from measurements of the same benchmark run:
// the traced boot (where a request's time goes in the guest) and the CPU samples (which
// process, user or kernel mode, idle or busy).

import { median, roleMedian, type ConfigSummary } from './config-summary.js';
import type { RoleCpu } from './phase-cpu.js';
import type { ProcessRole } from './run-processes.js';
import type { HostDiskSpeed } from './host-disk.js';
import { caseLabel, DD_CASES } from './dd-script.js';
import { scsiProfileOf } from './trace-profile.js';

/** Fixed digits; a value that rounds to zero prints without a minus sign. */
const fmt = (x: number, digits = 0): string => (Number.isFinite(x) ? (Math.abs(x) < 0.5 * 10 ** -digits ? 0 : x).toFixed(digits) : '?');

const ROLE_NAME: Record<ProcessRole, string> = {
  'qemu': 'QEMU',
  'proxy-qemu': 'proxy QEMU',
  'hvmio-remote': 'hvmio remote',
  'qemu-remote': 'QEMU x-remote',
};

/** "proxy QEMU 1.23 (user 1.00, sys 0.23) + hvmio remote ..." from per-role medians. */
export function roleSplit(list: readonly Map<ProcessRole, RoleCpu>[], digits = 2): string {
  if (list.length === 0) return '-';
  return [...list[0]!.keys()]
    .map((role) => `${ROLE_NAME[role]} ${fmt(roleMedian(list, role), digits)} (user ${fmt(roleMedian(list, role, 'user'), digits)}, ` +
      `sys ${fmt(roleMedian(list, role, 'system'), digits)})`)
    .join(' + ');
}

/** Why ours stays below the tick bound: the traced requests, against QEMU's remote and in-process. */
export function explainTickMiss(ours: ConfigSummary, traced: ConfigSummary, lsi: ConfigSummary | undefined, host: HostDiskSpeed): string {
  const ratios = DD_CASES.map((c) => `${caseLabel(c)} ${fmt(median(ours.cases.get(c)!.ratio), 2)}`).join(', ');
  const counted = DD_CASES.map((c) => `${caseLabel(c)} ${fmt(median(ours.cases.get(c)!.ticksPerRequest), 1)}`).join(', ');
  const head = `goal missed, ${ours.config.label} (ratios to the bound: ${ratios}): a request takes several ticks, the bound ` +
    `allows one (timer interrupts per request, counted in the guest: ${counted}; a stalled vCPU also loses some). `;
  const p = traced.profile;
  if (!p || p.requests === 0) return `${head}No traced boot to show where the time goes (its run failed).`;
  const tickMs = 1000 / traced.hz;
  if (traced !== ours) {
    return `${head}Where the time goes: as traced for ${traced.config.label} (previous note); with writeback the backend is a ` +
      `host page-cache copy instead of O_DIRECT, but the register traffic is the same: ~${fmt(p.issueMs, 2)} ms to issue a command ` +
      `and ~${fmt(p.completionMs, 2)} ms to complete it at ${fmt(p.diskReadUs)} µs per access, ` +
      `${fmt((p.issueMs + p.completionMs) / tickMs, 1)} ticks of register traffic per request before any data moves.`;
  }
  const lp = lsi?.profile;
  const accesses = ((p.issueMs + p.completionMs) * 1000) / p.diskReadUs;
  return head +
    `${p.requests} traced requests (bs=1M dd), guest time, medians: one request every ${fmt(p.periodMs, 1)} ms ` +
    `(${fmt(p.periodMs / tickMs, 1)} ticks of ${fmt(tickMs, 1)} ms) ~ issuing the command ${fmt(p.issueMs, 2)} ms ` +
    `(ata_bmdma_qc_issue: select, taskfile, PRD pointer, direction, command, Start) + until the poll that completes it ` +
    `${fmt(p.waitForCompletionMs, 2)} ms (data phase, the wait for a tick, the poll itself: ${fmt(p.completionMs, 2)} ms when it completes, ` +
    `${fmt(p.idlePollMs, 2)} ms when the command is still running) + completion to the next issue ${fmt(p.turnaroundMs, 2)} ms ` +
    `(rest of the handler, dd's next call, block layer). Register accesses dominate: one read through the proxy ` +
    `(ata_bmdma_status / ata_sff_check_status on our controller, ${p.diskReads} traced) takes ${fmt(p.diskReadUs)} µs (median), ` +
    `so issue + completion are ~${fmt(accesses)} read-equivalents; the data itself needs ~${fmt(1000 / host.writeMiBps, 1)} ms (write) / ` +
    `${fmt(1000 / host.readMiBps, 1)} ms (read) per MiB at this host disk's O_DIRECT speed. The same register read on the board's ` +
    `in-process PIIX3 in that boot: ${fmt(p.inProcessReadUs, 1)} µs` +
    (lp && Number.isFinite(lp.scsiIdlePollUs)
      ? `; through QEMU's own remote (x-remote LSI; an idle poll of its interrupt handler is one ISTAT read): ${fmt(lp.scsiIdlePollUs)} µs, ` +
        `so the proxy's own round trip is ~${fmt(lp.scsiIdlePollUs)} µs and our remote adds ~${fmt(p.diskReadUs - lp.scsiIdlePollUs)} µs to each access. ` +
        'libata-sff drives the ATA taskfile register by register, while an LSI command needs a few accesses (its SCRIPTS fetch the ' +
        `rest by DMA): even at QEMU's own round trip an IDE command would wait ~${fmt((accesses * lp.scsiIdlePollUs) / 1000, 1)} ms on ` +
        'register traffic per request.'
      : '.');
}

/** Why ours costs more host CPU per GiB than QEMU in-process. */
export function explainCpuMiss(ours: ConfigSummary, inProcess: ConfigSummary): string {
  const oursGiB = median(ours.totals.map((t) => t.perGiB));
  const ddOurs = median(ours.totals.map((t) => t.ddSeconds));
  const ddTheirs = median(inProcess.totals.map((t) => t.ddSeconds));
  const rate = (m: Map<ProcessRole, RoleCpu>): number => [...m.values()].reduce((a, c) => a + c.user + c.system, 0);
  const idleOurs = ours.totals.map((t) => t.idlePerSecond);
  const idleTheirs = inProcess.totals.map((t) => t.idlePerSecond);
  const idleShare = median(ours.totals.map((t) => (rate(t.idlePerSecond) * t.ddSeconds) / t.gib));
  const mainThread = median(ours.totals.map((t) => t.remoteMainPerGiB ?? NaN));
  return `goal missed, ${ours.config.label}: ${fmt(oursGiB, 2)} s/GiB = ${roleSplit(ours.totals.map((t) => t.byRole))}` +
    (Number.isFinite(mainThread) ? `; the remote's main thread (socket, bridge) ${fmt(mainThread, 2)} of its share, its other threads ` +
      '(device worker, I/O pool) the rest' : '') +
    `. The dd cases last ${fmt(ddOurs, 1)} s on ours against ${fmt(ddTheirs, 1)} s in-process, and an idle guest (sleep 1) already ` +
    `costs ${fmt(median(idleOurs.map(rate)), 2)} CPU-s per second on ours (${roleSplit(idleOurs)}) against ` +
    `${fmt(median(idleTheirs.map(rate)), 2)} in-process (${roleSplit(idleTheirs)}): every tick polls our controller through the ` +
    `proxy. At that idle rate the dd phase's duration alone costs ${fmt(idleShare, 2)} s/GiB; the rest is the commands' own ` +
    `register traffic and data: ~${fmt(median(ours.ioreqsPerRequest) + median(ours.shadowReadsPerRequest), 0)} register accesses ` +
    'per block request over the whole boot (polls included), each a socket message; ' +
    `~${fmt(median(ours.ioreqsPerRequest), 0)} of them also a ring hop to the device worker and back, the other ` +
    `~${fmt(median(ours.shadowReadsPerRequest), 0)} reads answered from the register shadow; in-process a register access is a function call.`;
}

/** Where a SCSI command's time goes in one traced boot (guest time, medians), in words. */
export function describeScsiProfile(s: ConfigSummary): string {
  if (!s.trace) return `${s.config.label}: no traced boot (its run failed or it was not profiled).`;
  const p = scsiProfileOf(s.trace.parsed, s.trace.diskIrq);
  const inflight = [...p.inflightMsBySegment].map(([seg, ms]) => `${seg} ${fmt(ms, 1)} ms`).join(', ');
  return `${s.config.label}, traced (bs=1M x 8 and bs=16M x 2 each way, ${p.requests} requests): issue to completion ${inflight}; ` +
    `sym53c8xx_queue_command ${fmt(p.queueCommandUs)} µs (one ISTAT SIGP write); ${fmt(p.handlersPerRequest, 2)} handler calls per ` +
    `request, ${fmt(p.completingHandlerUs)} µs when it completes commands (${fmt(p.requestsPerCompletion, 1)} requests each; ISTAT read, ` +
    `INTF write, ISTAT read, done queue), ${fmt(p.emptyHandlerUs)} µs when it finds nothing; an idle guest's handler (one ISTAT read) ` +
    `${fmt(p.idleHandlerUs)} µs.`;
}
