// Where one DMA command's time goes, from the guest CPU's point of view (the TimedBus record
// of that command): the register accesses before the bus-master engine is started (taskfile,
// PRD pointer, direction), the data phase from writing Start until the completion interrupt
// arrives (the device's backend readv/writev plus the hops that report it), and the accesses
// after the interrupt (bus-master status, stop, Status, clearing the interrupt bit).

import { BM_CMD_START } from '../../src/host/transports/sim/drivers/ata-regs.js';
import type { BusEvent } from './timed-bus.js';

export interface CommandPhases {
  /** Command start .. BM Start issued. */
  setupMs: number;
  setupIoreqs: number;
  /** BM Start issued .. interrupt seen by the driver. */
  dataMs: number;
  /** The Start write's own round trip: the worker answers it after walking the PRD table and
   *  submitting the backend call (the core starts the transfer inside that io_write). */
  startAccessMs: number;
  /** Interrupt .. command end. */
  completionMs: number;
  completionIoreqs: number;
  totalMs: number;
  /** Mean guest-visible round trip of one register access in this command, the Start write
   *  (which carries the transfer's submission) excepted. */
  meanIoreqMs: number;
}

const isIoreq = (e: BusEvent): boolean => e.kind !== 'irq-wait';

/**
 * Splits one command's events (recorded between `startMs` and `endMs`) at the write that sets
 * Start in the bus-master Command register `bmCommandPort`, and at the end of the last
 * interrupt wait. Throws if the record does not look like a bus-master DMA command.
 */
export function splitCommand(events: readonly BusEvent[], startMs: number, endMs: number, bmCommandPort: number): CommandPhases {
  const ordered = [...events].sort((a, b) => a.startMs - b.startMs);
  const start = ordered.find((e) => e.kind === 'out' && e.target === bmCommandPort && (e.value & BM_CMD_START) !== 0);
  if (!start) throw new Error('no bus-master Start in the command record');
  const waits = ordered.filter((e) => e.kind === 'irq-wait' && e.startMs >= start.startMs);
  const interrupt = waits[waits.length - 1];
  if (!interrupt) throw new Error('no interrupt wait after bus-master Start');
  const ioreqs = ordered.filter(isIoreq);
  const before = ioreqs.filter((e) => e.startMs < start.startMs);
  const after = ioreqs.filter((e) => e.startMs >= interrupt.endMs);
  const plain = ioreqs.filter((e) => e !== start);
  const plainMs = plain.reduce((sum, e) => sum + (e.endMs - e.startMs), 0);
  return {
    setupMs: start.startMs - startMs,
    setupIoreqs: before.length,
    dataMs: interrupt.endMs - start.startMs,
    startAccessMs: start.endMs - start.startMs,
    completionMs: endMs - interrupt.endMs,
    completionIoreqs: after.length,
    totalMs: endMs - startMs,
    meanIoreqMs: plain.length > 0 ? plainMs / plain.length : NaN,
  };
}

/** The per-field median over several commands. */
export function medianPhases(all: readonly CommandPhases[]): CommandPhases {
  if (all.length === 0) throw new Error('no commands to summarise');
  const pick = (field: keyof CommandPhases): number => median(all.map((p) => p[field]));
  return {
    setupMs: pick('setupMs'),
    setupIoreqs: pick('setupIoreqs'),
    dataMs: pick('dataMs'),
    startAccessMs: pick('startAccessMs'),
    completionMs: pick('completionMs'),
    completionIoreqs: pick('completionIoreqs'),
    totalMs: pick('totalMs'),
    meanIoreqMs: pick('meanIoreqMs'),
  };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
