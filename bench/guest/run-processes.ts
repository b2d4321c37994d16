// Which processes of one guest run do the work, found below the launcher script in the
// process tree by what they exec'd: the QEMU that runs the guest (with x-pci-proxy-dev when the
// disk controller is remote), and the remote serving the controller: our `hvmio remote` (Node)
// or QEMU's own `-machine x-remote`. Helpers (bash, timeout, perl) are not counted: they only
// relay the console.

import { basename } from 'node:path';
import { descendants, readArgv, type Pid } from './procfs.js';

export type ProcessRole = 'qemu' | 'proxy-qemu' | 'hvmio-remote' | 'qemu-remote';

export interface RoleProcess {
  pid: Pid;
  role: ProcessRole;
}

export function roleOf(argv: readonly string[]): ProcessRole | null {
  const exe = basename(argv[0] ?? '');
  if (exe.startsWith('qemu-system')) {
    if (argv.some((a) => a.startsWith('x-remote'))) return 'qemu-remote';
    if (argv.some((a) => a.startsWith('x-pci-proxy-dev'))) return 'proxy-qemu';
    return 'qemu';
  }
  if (exe === 'node' && argv.some((a) => basename(a) === 'hvmio') && argv.includes('remote')) return 'hvmio-remote';
  return null;
}

/** The QEMU and remote processes below `launcher`, in tree order. */
export function findRunProcesses(launcher: Pid): RoleProcess[] {
  const out: RoleProcess[] = [];
  for (const pid of descendants(launcher)) {
    const role = roleOf(readArgv(pid));
    if (role) out.push({ pid, role });
  }
  return out;
}

export const isRemote = (role: ProcessRole): boolean => role === 'hvmio-remote' || role === 'qemu-remote';
