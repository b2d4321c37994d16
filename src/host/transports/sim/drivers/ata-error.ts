// A failed ATA/ATAPI command as a driver reports it upward: which command, how it failed
// (device error, timeout, PCI bus error, protocol violation), and the registers a human or
// a test needs to see (Status, Error, bus-master status; ATAPI sense data).

import {
  ATA_ER_ABRT,
  ATA_ER_AMNF,
  ATA_ER_ICRC,
  ATA_ER_IDNF,
  ATA_ER_MC,
  ATA_ER_MCR,
  ATA_ER_NM,
  ATA_ER_UNC,
  ATA_ST_BSY,
  ATA_ST_DF,
  ATA_ST_DRDY,
  ATA_ST_DRQ,
  ATA_ST_ERR,
  BM_ST_ERROR,
} from './ata-regs.js';
import type { SenseData } from './scsi-sense.js';

/**
 * - `device`: the device finished the command with ERR or DF (ATA error register is valid).
 * - `check-condition`: an ATAPI command failed; `sense` holds what REQUEST SENSE returned.
 * - `timeout`: no completion interrupt / BSY never cleared within the deadline.
 * - `host-bus`: the bus-master engine reported a PCI error (BM status bit 1; libata AC_ERR_HOST_BUS).
 * - `protocol`: the device broke the ATA state machine (e.g. no DRQ when data was due; libata AC_ERR_HSM).
 * - `no-device`: nothing answers at that position (status reads all-ones or zero).
 */
export type AtaFailureKind = 'device' | 'check-condition' | 'timeout' | 'host-bus' | 'protocol' | 'no-device';

export interface AtaErrorDetails {
  kind: AtaFailureKind;
  command: number;
  status: number;
  error: number;
  bmStatus?: number | null;
  sense?: SenseData | null;
  detail?: string;
}

const ERROR_BIT_NAMES: [number, string][] = [
  [ATA_ER_ICRC, 'ICRC'],
  [ATA_ER_UNC, 'UNC'],
  [ATA_ER_MC, 'MC'],
  [ATA_ER_IDNF, 'IDNF'],
  [ATA_ER_MCR, 'MCR'],
  [ATA_ER_ABRT, 'ABRT'],
  [ATA_ER_NM, 'NM'],
  [ATA_ER_AMNF, 'AMNF'],
];

const STATUS_BIT_NAMES: [number, string][] = [
  [ATA_ST_BSY, 'BSY'],
  [ATA_ST_DRDY, 'DRDY'],
  [ATA_ST_DF, 'DF'],
  [ATA_ST_DRQ, 'DRQ'],
  [ATA_ST_ERR, 'ERR'],
];

export class AtaError extends Error {
  readonly kind: AtaFailureKind;
  readonly command: number;
  readonly status: number;
  readonly error: number;
  readonly bmStatus: number | null;
  readonly sense: SenseData | null;

  constructor(d: AtaErrorDetails) {
    super(describe(d));
    this.name = 'AtaError';
    this.kind = d.kind;
    this.command = d.command;
    this.status = d.status;
    this.error = d.error;
    this.bmStatus = d.bmStatus ?? null;
    this.sense = d.sense ?? null;
  }

  /** Names of the Error register bits that are set, e.g. ['ABRT']. */
  get errorBits(): string[] {
    return bitNames(this.error, ERROR_BIT_NAMES);
  }

  get aborted(): boolean {
    return (this.error & ATA_ER_ABRT) !== 0;
  }

  get busMasterError(): boolean {
    return this.bmStatus !== null && (this.bmStatus & BM_ST_ERROR) !== 0;
  }

  /** Whether libata's EH would reset the link before the next command (timeout, HSM, bus errors). */
  get needsReset(): boolean {
    return this.kind === 'timeout' || this.kind === 'protocol' || this.kind === 'host-bus';
  }
}

function bitNames(value: number, names: [number, string][]): string[] {
  return names.filter(([bit]) => (value & bit) !== 0).map(([, name]) => name);
}

function hex(n: number, width = 2): string {
  return '0x' + n.toString(16).padStart(width, '0');
}

function describe(d: AtaErrorDetails): string {
  const parts = [
    `ATA command ${hex(d.command)} failed (${d.kind})`,
    `status ${hex(d.status)} {${bitNames(d.status, STATUS_BIT_NAMES).join(' ')}}`,
    `error ${hex(d.error)} {${bitNames(d.error, ERROR_BIT_NAMES).join(' ')}}`,
  ];
  if (d.bmStatus !== undefined && d.bmStatus !== null) parts.push(`bm-status ${hex(d.bmStatus)}`);
  if (d.sense) parts.push(`sense ${d.sense.key.toString(16)}/${hex(d.sense.asc)}/${hex(d.sense.ascq)}`);
  if (d.detail) parts.push(d.detail);
  return parts.join(', ');
}
