// Private network namespaces for the e1000 tests that need host-side networking (passt,
// TAP): created and removed by the test, configured with `ip`, so nothing on the machine's own
// network changes. Root and iproute2 needed; `netnsUnavailable()` says why not otherwise.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export function netnsUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'not root';
  if (!existsSync('/dev/net/tun')) return 'no /dev/net/tun';
  if (spawnSync('ip', ['-V']).error) return 'no ip (iproute2; scripts/ensure-packages.sh installs it)';
  return null;
}

export class Netns {
  readonly name: string;

  constructor(tag: string) {
    this.name = `hvmio-${tag}-${process.pid}`;
    execFileSync('ip', ['netns', 'add', this.name]);
    this.sh('ip link set lo up');
  }

  /** Runs a shell command line inside the namespace; returns its stdout. */
  sh(command: string): string {
    return execFileSync('ip', ['netns', 'exec', this.name, 'sh', '-c', command], { encoding: 'utf8' });
  }

  /** The prefix that runs a program inside the namespace. */
  get wrapper(): string[] {
    return ['ip', 'netns', 'exec', this.name];
  }

  remove(): void {
    spawnSync('ip', ['netns', 'del', this.name]);
  }
}
