// The processes a child of ours has started, from /proc, so that an interrupted `hvmio run`
// can stop all of them. Signalling the child's process group is not enough: run-guest.sh runs
// QEMU under timeout(1), which moves itself and QEMU into a process group of their own.

import { readdirSync, readFileSync } from 'node:fs';

/** Parent pid from /proc/PID/stat; the command name (field 2) may hold spaces and ')'. */
function parentOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(fields[1]);
    return Number.isInteger(ppid) ? ppid : null;
  } catch {
    return null; // gone meanwhile
  }
}

/** Every live descendant of `root` (not `root` itself), parents before their children. */
export function descendantsOf(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    const ppid = parentOf(pid);
    if (ppid === null) continue;
    const list = children.get(ppid);
    if (list) list.push(pid);
    else children.set(ppid, [pid]);
  }
  const out: number[] = [];
  const queue = [root];
  const seen = new Set<number>(queue);
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      if (seen.has(child)) continue;
      seen.add(child);
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

/** Sends `signal` to `root` and everything below it; processes already gone are skipped. */
export function signalTree(root: number, signal: NodeJS.Signals): void {
  for (const pid of [root, ...descendantsOf(root)]) {
    try {
      process.kill(pid, signal);
    } catch {
      // exited between the listing and the signal
    }
  }
}
