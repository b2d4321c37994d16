// The yardstick: a plain synchronous fs.readvSync / fs.writevSync loop over the same file, with
// the same segment lists into the same guest RAM, on this thread: no thread hop, no planning, no
// validation. What the backend costs on top is the gap to this.

import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { COMMAND_BYTES } from './workload.js';

export class RawLoop {
  private readonly fd: number;

  constructor(file: string, direct: boolean, private readonly direction: 'read' | 'write') {
    this.fd = fs.openSync(file, fs.constants.O_RDWR | (direct ? fs.constants.O_DIRECT : 0));
  }

  /** Runs commands first..first+count-1 like timeCommands does at queue depth 1; returns seconds. */
  time(first: number, count: number, layouts: readonly Uint8Array[][]): number {
    const start = performance.now();
    for (let index = first; index < first + count; index++) {
      const segments = layouts[index % layouts.length]!;
      const moved = this.direction === 'read'
        ? fs.readvSync(this.fd, segments, index * COMMAND_BYTES)
        : fs.writevSync(this.fd, segments, index * COMMAND_BYTES);
      if (moved !== COMMAND_BYTES) throw new Error(`raw ${this.direction} moved ${moved} bytes`);
    }
    return (performance.now() - start) / 1000;
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}
