// hvmio run's statistics table keeps a NIC's nested counters (net.*, net.rxDrops.*) from the
// remote's stats line, with their own labels, and leaves what it cannot show out.

import { describe, expect, it } from 'vitest';
import { formatStatsTable, parseRemoteStatsLine } from '../../src/host/run/stats-table.js';

describe('remote stats table', () => {
  it('flattens a NIC\'s counters into labelled rows', () => {
    const line = `hvmio remote: nic0 ${JSON.stringify({
      ioreqs: 10,
      net: { framesIn: 3, bytesIn: 2 * 1024 * 1024, rxDrops: { noBuffer: 7, fault: 0 }, linkUp: true },
      list: [1, 2],
    })}`;
    const parsed = parseRemoteStatsLine(line);
    expect(parsed?.stats).toEqual({ ioreqs: 10, 'net.framesIn': 3, 'net.bytesIn': 2 * 1024 * 1024, 'net.rxDrops.noBuffer': 7, 'net.rxDrops.fault': 0, 'net.linkUp': 'yes' });
    const table = formatStatsTable(parsed!);
    expect(table).toMatch(/frames received into guest buffers\s+3$/m);
    expect(table).toMatch(/received into guest buffers\s+2\.0 MiB$/m);
    expect(table).toMatch(/frames dropped: guest receive ring full\s+7$/m);
    expect(table).toMatch(/net\.rxDrops\.fault\s+0$/m);
    expect(table).toMatch(/link up at the end\s+yes$/m);
  });
});
