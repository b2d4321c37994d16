// Readings of other processes from Linux procfs: CPU time (proc(5) /proc/PID/stat fields 14
// utime and 15 stime, in clock ticks), parent, command line, and the memory lines of
// /proc/PID/status. A process that has gone away reads as null, never as an exception: the
// benchmark samples processes it does not own (QEMU, our remote) while they may be exiting.

import { readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

export type Pid = number & { readonly __brand: 'Pid' };

/** Clock ticks per second of utime/stime (`getconf CLK_TCK`; 100 on Linux/x86). */
export const CLOCK_TICKS_PER_SECOND: number = (() => {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isInteger(n) && n > 0 ? n : 100;
  } catch {
    return 100;
  }
})();

export interface StatFields {
  ppid: Pid;
  /** Clock ticks in user and in kernel mode, all threads of the process (live and exited). */
  userTicks: number;
  systemTicks: number;
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** Fields of a /proc/.../stat line; the command name in parentheses may hold spaces or ')'. */
function parseStat(text: string): StatFields | null {
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  // After ") " come field 3 (state), 4 (ppid), ...: field n is at index n - 3.
  const fields = text.slice(close + 2).trim().split(/\s+/);
  const ppid = Number(fields[1]);
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (![ppid, utime, stime].every(Number.isFinite)) return null;
  return { ppid: ppid as Pid, userTicks: utime, systemTicks: stime };
}

export function readStat(pid: Pid): StatFields | null {
  const text = readText(`/proc/${pid}/stat`);
  return text === null ? null : parseStat(text);
}

/** CPU ticks per thread of the process: tid -> utime + stime. Threads that exited are missing. */
export function readThreadTicks(pid: Pid): Map<number, number> {
  const out = new Map<number, number>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    const text = readText(`/proc/${pid}/task/${tid}/stat`);
    const stat = text === null ? null : parseStat(text);
    if (stat) out.set(Number(tid), stat.userTicks + stat.systemTicks);
  }
  return out;
}

/** argv of the process (empty for kernel threads or a process that is gone). */
export function readArgv(pid: Pid): string[] {
  const text = readText(`/proc/${pid}/cmdline`);
  return text === null ? [] : text.split('\0').filter((a) => a.length > 0);
}

export function allPids(): Pid[] {
  return readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map((name) => Number(name) as Pid);
}

/** Every process below `root` in the process tree (not `root` itself). */
export function descendants(root: Pid): Pid[] {
  const children = new Map<Pid, Pid[]>();
  for (const pid of allPids()) {
    const stat = readStat(pid);
    if (!stat) continue;
    const list = children.get(stat.ppid) ?? [];
    list.push(pid);
    children.set(stat.ppid, list);
  }
  const out: Pid[] = [];
  const queue = [...(children.get(root) ?? [])];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

export interface MemoryStatus {
  /** Peak resident set ("high water mark"), bytes. */
  hwmBytes: number;
  rssBytes: number;
  /** RSS split: anonymous memory, file mappings, shared memory (guest RAM mapped from the memfd). */
  anonBytes: number;
  fileBytes: number;
  shmemBytes: number;
}

export function readMemoryStatus(pid: Pid): MemoryStatus | null {
  const text = readText(`/proc/${pid}/status`);
  if (text === null) return null;
  const kib = (key: string): number => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB$`, 'm').exec(text);
    return m ? Number(m[1]) * 1024 : NaN;
  };
  return { hwmBytes: kib('VmHWM'), rssBytes: kib('VmRSS'), anonBytes: kib('RssAnon'), fileBytes: kib('RssFile'), shmemBytes: kib('RssShmem') };
}
