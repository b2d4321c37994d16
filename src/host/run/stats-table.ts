// The device statistics `hvmio remote --stats` prints as one JSON line when the proxy
// disconnects ("hvmio remote: ID {...}"), found in its stderr and laid out as a small table
// for people. Fields this file does not know (added later) still appear, under their own name.

export type RemoteStats = Record<string, number | string>;

/** The stats line of `hvmio remote --stats`: device id and the parsed object. */
export interface RemoteStatsLine {
  deviceId: string;
  stats: RemoteStats;
}

const STATS_LINE = /^hvmio remote: (\S+) (\{.*\})\s*$/;

/** The parsed stats if `line` is the remote's stats line, else null (malformed JSON too). */
export function parseRemoteStatsLine(line: string): RemoteStatsLine | null {
  const m = STATS_LINE.exec(line);
  if (!m) return null;
  try {
    const parsed: unknown = JSON.parse(m[2]!);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
    const stats: RemoteStats = {};
    flatten(parsed as Record<string, unknown>, '', stats);
    return { deviceId: m[1]!, stats };
  } catch {
    return null;
  }
}

/** Nested counters (a NIC's `net`, its `rxDrops`) become dotted keys: net.rxDrops.noBuffer. */
function flatten(o: Record<string, unknown>, prefix: string, out: RemoteStats): void {
  for (const [k, v] of Object.entries(o)) {
    if (typeof v === 'number' || typeof v === 'string') out[prefix + k] = v;
    else if (typeof v === 'boolean') out[prefix + k] = v ? 'yes' : 'no';
    else if (typeof v === 'object' && v !== null && !Array.isArray(v)) flatten(v as Record<string, unknown>, `${prefix}${k}.`, out);
  }
}

type Unit = 'count' | 'bytes' | 'text';

/** Known fields, in the order a reader follows a request: protocol, device, backend. */
const ROWS: readonly { key: string; label: string; unit: Unit }[] = [
  { key: 'messages', label: 'protocol messages from the proxy', unit: 'count' },
  { key: 'configReads', label: 'PCI config reads', unit: 'count' },
  { key: 'configWrites', label: 'PCI config writes', unit: 'count' },
  { key: 'barReads', label: 'register (BAR) reads', unit: 'count' },
  { key: 'barWrites', label: 'register (BAR) writes', unit: 'count' },
  { key: 'outsideBar', label: 'accesses outside every BAR', unit: 'count' },
  { key: 'sysmemSyncs', label: 'guest RAM map updates (SYNC_SYSMEM)', unit: 'count' },
  { key: 'resets', label: 'device resets', unit: 'count' },
  { key: 'ioreqs', label: 'ioreqs through the request ring', unit: 'count' },
  { key: 'shadowReads', label: 'register reads answered from the shadow', unit: 'count' },
  { key: 'shadowChecks', label: 'shadow answers checked against the ring', unit: 'count' },
  { key: 'shadowMismatches', label: 'shadow answers that differed', unit: 'count' },
  { key: 'postedWrites', label: 'posted (unwaited) writes', unit: 'count' },
  { key: 'blockRequests', label: 'block requests (data-moving commands)', unit: 'count' },
  { key: 'backendCalls', label: 'backend readv/writev calls', unit: 'count' },
  { key: 'bytesRead', label: 'read from the image', unit: 'bytes' },
  { key: 'bytesWritten', label: 'written to the image', unit: 'bytes' },
  { key: 'flushes', label: 'cache flushes (FLUSH CACHE)', unit: 'count' },
  { key: 'fdatasyncs', label: 'fdatasync calls', unit: 'count' },
  { key: 'bounced', label: 'segments bounced for alignment', unit: 'count' },
  { key: 'dmaFaults', label: 'DMA outside guest RAM', unit: 'count' },
  { key: 'net.framesOut', label: 'frames sent to the network backend', unit: 'count' },
  { key: 'net.bytesOut', label: 'sent to the network backend', unit: 'bytes' },
  { key: 'net.framesIn', label: 'frames received into guest buffers', unit: 'count' },
  { key: 'net.bytesIn', label: 'received into guest buffers', unit: 'bytes' },
  { key: 'net.rxDrops.noBuffer', label: 'frames dropped: guest receive ring full', unit: 'count' },
  { key: 'net.rxDrops.filtered', label: 'frames dropped: address filters', unit: 'count' },
  { key: 'net.rxDrops.disabled', label: 'frames dropped: receiver off or link down', unit: 'count' },
  { key: 'net.txBusy', label: 'transmit back-pressure (backend queue full)', unit: 'count' },
  { key: 'net.linkUp', label: 'link up at the end', unit: 'text' },
  { key: 'irqSignals', label: 'interrupt signals (irqfd writes)', unit: 'count' },
  { key: 'restarts', label: 'worker restarts', unit: 'count' },
  { key: 'logsDropped', label: 'core log lines dropped', unit: 'count' },
  { key: 'state', label: 'device state at the end', unit: 'text' },
];

function formatValue(value: number | string, unit: Unit): string {
  if (typeof value === 'string' || unit === 'text') return String(value);
  if (unit === 'bytes') return value >= 1024 * 1024 ? `${(value / (1024 * 1024)).toFixed(1)} MiB` : `${value.toLocaleString('en-US')} bytes`;
  return value.toLocaleString('en-US');
}

/** The table: a heading, then "  label  value" rows, values right-aligned. */
export function formatStatsTable(line: RemoteStatsLine): string {
  const rows: [string, string][] = [];
  const known = new Set<string>();
  for (const row of ROWS) {
    known.add(row.key);
    const v = line.stats[row.key];
    if (v !== undefined) rows.push([row.label, formatValue(v, row.unit)]);
  }
  for (const [key, v] of Object.entries(line.stats)) {
    if (!known.has(key)) rows.push([key, formatValue(v, 'count')]);
  }
  const labelWidth = Math.max(...rows.map(([l]) => l.length), 0);
  const valueWidth = Math.max(...rows.map(([, v]) => v.length), 0);
  const out = [`--- hvmio device statistics: ${line.deviceId}`];
  for (const [label, value] of rows) out.push(`  ${label.padEnd(labelWidth)}  ${value.padStart(valueWidth)}`);
  return out.join('\n');
}
