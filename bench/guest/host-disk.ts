// The host's own O_DIRECT speed on the benchmark image (coreutils dd, 1 MiB blocks): the
// floor under any cache=none figure, and the time one 1 MiB backend request takes by itself.

import { spawnSync } from 'node:child_process';

export interface HostDiskSpeed {
  writeMiBps: number;
  readMiBps: number;
}

function ddSeconds(args: string[]): number {
  const r = spawnSync('dd', args, { encoding: 'utf8' });
  // "67108864 bytes (67 MB, 64 MiB) copied, 0.171 s, 392 MB/s"
  const m = /copied, ([\d.]+) s/.exec(r.stderr ?? '');
  return r.status === 0 && m ? Number(m[1]) : NaN;
}

export function hostDiskSpeed(image: string, mib: number): HostDiskSpeed {
  const write = ddSeconds(['if=/dev/zero', `of=${image}`, 'bs=1M', `count=${mib}`, 'oflag=direct', 'conv=notrunc']);
  const read = ddSeconds([`if=${image}`, 'of=/dev/null', 'bs=1M', `count=${mib}`, 'iflag=direct']);
  return { writeMiBps: mib / write, readMiBps: mib / read };
}
