// Where a disk request's time goes in the guest, from the ftrace function_graph output that
// guest/scripts/bench-dd.sh prints in a profile run (options funcgraph-abstime and
// funcgraph-tail; events block_rq_issue, block_rq_complete, irq_handler_entry; markers
// "BENCH-PROFILE <segment>"; the event filter keeps IRQ 0, the disk's and 14/15). Under TCG the guest clock runs on the host clock, so these
// durations include the time the vCPU waits for a proxied register access to be answered.
//
// Single register reads: ata_bmdma_status and ata_sff_check_status are one inb each
// (drivers/ata/libata-sff.c); the SCSI driver's interrupt handler, when it finds nothing to
// do, reads ISTAT once (drivers/scsi/sym53c8xx_2/sym_hipd.c, sym_interrupt).

export interface TraceCall {
  name: string;
  us: number;
  /** Guest time the call started, seconds (a leaf line carries its entry time, a closing
   *  brace its return time). */
  startS: number;
  /** The outermost traced function this call ran in (itself if outermost). */
  top: string;
  /** The IRQ whose handler entry preceded the outermost call, if it was a handler. */
  irq: number | null;
  segment: string;
  /** Called nothing traced (printed as `name();`). */
  leaf: boolean;
  /** Names of traced functions called within (outermost calls only). */
  inner: string[];
}

export interface TraceRequest {
  sector: number;
  issueS: number;
  completeS: number;
  segment: string;
}

export interface ParsedTrace {
  calls: TraceCall[];
  requests: TraceRequest[];
}

const SINGLE_READS = new Set(['ata_bmdma_status', 'ata_sff_check_status']);
const HANDLERS = new Set(['ata_bmdma_interrupt', 'sym53c8xx_intr']);

const stripModule = (s: string): string => s.replace(/\s*\[[^\]]*\]\s*$/, '').trim();

export function parseTrace(lines: readonly string[]): ParsedTrace {
  const calls: TraceCall[] = [];
  const issued = new Map<number, { t: number; segment: string }>();
  const requests: TraceRequest[] = [];
  const stack: { name: string; top: string; irq: number | null; inner: string[] }[] = [];
  let segment = 'none';
  let lastIrq: number | null = null;

  for (const line of lines) {
    // "   21.139469 |   0) ! 303.519 us  |    body"
    const first = line.indexOf('|');
    const second = first < 0 ? -1 : line.indexOf('|', first + 1);
    if (second < 0) continue;
    const t = Number(line.slice(0, first).trim());
    if (!Number.isFinite(t)) continue;
    const durationMatch = /([\d.]+) us/.exec(line.slice(first + 1, second));
    const us = durationMatch ? Number(durationMatch[1]) : NaN;
    const body = line.slice(second + 1).trim();

    const comment = /^\/\* (.*) \*\/$/.exec(body);
    if (comment && !body.startsWith('}')) {
      const text = comment[1]!;
      const marker = /^BENCH-PROFILE (\S+)/.exec(text);
      const irq = /^irq_handler_entry: irq=(\d+)/.exec(text);
      const rq = /^block_rq_(issue|complete): \S+ \S+ (?:\d+ )?\(\S*\) (\d+) \+ (\d+)/.exec(text);
      if (marker) segment = marker[1]!;
      else if (irq) lastIrq = Number(irq[1]);
      else if (rq) {
        const sector = Number(rq[2]);
        if (rq[1] === 'issue') issued.set(sector, { t, segment });
        else {
          const start = issued.get(sector);
          if (start) {
            issued.delete(sector);
            requests.push({ sector, issueS: start.t, completeS: t, segment: start.segment });
          }
        }
      }
      continue;
    }
    const open = /^(.*)\(\) \{$/.exec(body);
    const leaf = /^(.*)\(\);$/.exec(body);
    const close = /^\}(?: \/\* (.*) \*\/)?$/.exec(body);
    if (open || leaf) {
      const name = stripModule((open ?? leaf)![1]!);
      const outer = stack[stack.length - 1];
      const top = outer ? outer.top : name;
      const irq = outer ? outer.irq : HANDLERS.has(name) ? lastIrq : null;
      for (const s of stack) s.inner.push(name);
      if (open) stack.push({ name, top, irq, inner: [] });
      else calls.push({ name, us, startS: t, top, irq, segment, leaf: true, inner: [] });
    } else if (close) {
      const frame = stack.pop();
      if (frame) calls.push({ name: frame.name, us, startS: t - us / 1e6, top: frame.top, irq: frame.irq, segment, leaf: false, inner: frame.inner });
    }
  }
  return { calls, requests };
}

export interface RequestProfile {
  /** Traced requests (the dd segments). */
  requests: number;
  /** Medians per request (robust to a stall of the shared host; roughly period = inflight + turnaround
   *  and inflight = issue + waitForCompletion). */
  periodMs: number;
  /** block_rq_issue to block_rq_complete. */
  inflightMs: number;
  /** ata_bmdma_qc_issue: select, taskfile, PRD pointer, direction, command, Start. */
  issueMs: number;
  /** From the end of the issue until the poll that completes the request (data phase + waiting for a tick + the poll). */
  waitForCompletionMs: number;
  /** block_rq_complete to the next block_rq_issue (rest of the handler, dd's next write/read, the block layer). */
  turnaroundMs: number;
  /** Medians: the device's interrupt handler when it completed a command (it called ata_bmdma_stop), and
   *  when the poll found nothing done (both channels checked). */
  completionMs: number;
  idlePollMs: number;
  /** Median of one register read on the disk's controller. */
  diskReadUs: number;
  diskReads: number;
  /** Median of one register read on the board's in-process PIIX3 (IRQ 14/15), when the disk is elsewhere. */
  inProcessReadUs: number;
  /** Median of the SCSI handler in the idle segment: one ISTAT read through the remote. */
  scsiIdlePollUs: number;
}

function median(values: readonly number[]): number {
  const s = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const DD_SEGMENTS = ['write1', 'read1'];

/** Summary of a parsed trace; `diskIrq` is the disk controller's interrupt line in the guest. */
export function profileOf(trace: ParsedTrace, diskIrq: number): RequestProfile {
  const dd = (c: { segment: string }): boolean => DD_SEGMENTS.includes(c.segment);
  const onDisk = (c: TraceCall): boolean => c.top === 'ata_bmdma_qc_issue' || (c.irq === diskIrq && HANDLERS.has(c.top));
  const reads = trace.calls.filter((c) => c.leaf && SINGLE_READS.has(c.name));
  const diskReads = reads.filter(onDisk);
  const handlers = trace.calls.filter((c) => c.name === 'ata_bmdma_interrupt' && c.top === c.name && c.irq === diskIrq && dd(c));
  const periods: number[] = [];
  const turnarounds: number[] = [];
  for (const segment of DD_SEGMENTS) {
    const rs = trace.requests.filter((r) => r.segment === segment).sort((a, b) => a.issueS - b.issueS);
    for (let i = 1; i < rs.length; i++) {
      periods.push((rs[i]!.issueS - rs[i - 1]!.issueS) * 1000);
      turnarounds.push((rs[i]!.issueS - rs[i - 1]!.completeS) * 1000);
    }
  }
  const requests = trace.requests.filter(dd);
  const inflightMs = median(requests.map((r) => (r.completeS - r.issueS) * 1000));
  const issueMs = median(trace.calls.filter((c) => c.name === 'ata_bmdma_qc_issue' && dd(c)).map((c) => c.us / 1000));
  return {
    requests: requests.length,
    periodMs: median(periods),
    inflightMs,
    issueMs,
    waitForCompletionMs: inflightMs - issueMs,
    turnaroundMs: median(turnarounds),
    completionMs: median(handlers.filter((c) => c.inner.includes('ata_bmdma_stop')).map((c) => c.us / 1000)),
    idlePollMs: median(handlers.filter((c) => !c.inner.includes('ata_bmdma_stop')).map((c) => c.us / 1000)),
    diskReadUs: median(diskReads.map((c) => c.us)),
    diskReads: diskReads.length,
    inProcessReadUs: median(reads.filter((c) => !onDisk(c) && (c.irq === 14 || c.irq === 15)).map((c) => c.us)),
    scsiIdlePollUs: median(trace.calls.filter((c) => c.name === 'sym53c8xx_intr' && c.top === c.name && c.segment === 'idle').map((c) => c.us)),
  };
}

/** Where a SCSI command's time goes with sym53c8xx (drivers/scsi/sym53c8xx_2): queuing a
 *  command puts it on the SCRIPTS' start queue in guest memory and writes ISTAT SIGP once;
 *  the interrupt handler reads ISTAT, and when the SCRIPTS flagged completions (INTF) it
 *  acknowledges them, reads ISTAT again and completes every command in the done queue. */
export interface ScsiProfile {
  /** Traced requests in the dd segments, and the medians of their issue-to-complete time, per segment. */
  requests: number;
  inflightMsBySegment: Map<string, number>;
  /** Median of sym53c8xx_queue_command (one SIGP write through the controller). */
  queueCommandUs: number;
  /** Handler calls on the disk's line in the dd segments, per traced request. */
  handlersPerRequest: number;
  /** Medians: a handler call that completed commands, and one that found nothing (dd segments). */
  completingHandlerUs: number;
  emptyHandlerUs: number;
  /** Requests completed per completing handler call (block_rq_complete inside it). */
  requestsPerCompletion: number;
  /** Median handler in the idle segment: one ISTAT read. */
  idleHandlerUs: number;
}

const SCSI_DD_SEGMENTS = ['write1', 'read1', 'write16', 'read16'];

export function scsiProfileOf(trace: ParsedTrace, diskIrq: number): ScsiProfile {
  const dd = (c: { segment: string }): boolean => SCSI_DD_SEGMENTS.includes(c.segment);
  const handlers = trace.calls.filter((c) => c.name === 'sym53c8xx_intr' && c.top === c.name && dd(c) && (c.irq === diskIrq || c.irq === 0));
  const requests = trace.requests.filter(dd);
  // A handler completed commands when block_rq_complete events fall inside it (sym53c8xx
  // completes them from its handler: scsi_done, then the block layer, in the same context).
  const completions = (c: TraceCall): number => requests.filter((r) => r.completeS >= c.startS && r.completeS <= c.startS + c.us / 1e6).length;
  const completing = handlers.filter((c) => completions(c) > 0);
  const inflightMsBySegment = new Map<string, number>();
  for (const segment of SCSI_DD_SEGMENTS) {
    inflightMsBySegment.set(segment, median(requests.filter((r) => r.segment === segment).map((r) => (r.completeS - r.issueS) * 1000)));
  }
  return {
    requests: requests.length,
    inflightMsBySegment,
    queueCommandUs: median(trace.calls.filter((c) => c.name === 'sym53c8xx_queue_command' && c.top === c.name && dd(c)).map((c) => c.us)),
    handlersPerRequest: requests.length > 0 ? handlers.length / requests.length : NaN,
    completingHandlerUs: median(completing.map((c) => c.us)),
    emptyHandlerUs: median(handlers.filter((c) => !completing.includes(c)).map((c) => c.us)),
    requestsPerCompletion: completing.length > 0 ? completing.reduce((n, c) => n + completions(c), 0) / completing.length : NaN,
    idleHandlerUs: median(trace.calls.filter((c) => c.name === 'sym53c8xx_intr' && c.top === c.name && c.segment === 'idle').map((c) => c.us)),
  };
}
