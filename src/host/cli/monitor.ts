// `hvmio remote --monitor PATH`: a small line-based control socket in the spirit of QEMU's
// human monitor, for what a running device model is asked from outside (tests, scripts):
//   set_link ID on|off   plug or pull a NIC's cable (QEMU's set_link); the guest sees LSC
//   info network         the NIC's counters as one JSON line
// Every command gets one line back: "OK", a JSON line, or "error: ...".

import { createServer, type Server } from 'node:net';
import { existsSync, unlinkSync } from 'node:fs';
import type { DeviceHost } from '../device-host.js';
import { OptionError } from './keyval.js';

export interface MonitorDevice {
  id: string;
  host: DeviceHost;
  isNic: boolean;
}

export async function startMonitor(path: string, devices: readonly MonitorDevice[]): Promise<Server> {
  if (existsSync(path)) throw new OptionError(`--monitor ${path}: already exists`);
  const server = createServer((s) => {
    let pending = '';
    s.setEncoding('utf8');
    s.on('data', (chunk: string) => {
      pending += chunk;
      if (pending.length > 4096) {
        s.end('error: line too long\n');
        return;
      }
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl).trim();
        pending = pending.slice(nl + 1);
        void answer(line, devices).then((reply) => s.write(`${reply}\n`));
      }
    });
    s.on('error', () => {});
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(new OptionError(`--monitor ${path}: cannot listen (${err.code ?? err.message})`)));
    server.listen(path, () => resolve());
  });
  server.unref();
  server.on('close', () => {
    if (existsSync(path)) unlinkSync(path);
  });
  return server;
}

async function answer(line: string, devices: readonly MonitorDevice[]): Promise<string> {
  const words = line.split(/\s+/).filter(Boolean);
  try {
    if (words[0] === 'set_link' && words.length === 3) {
      const d = devices.find((x) => x.id === words[1]);
      if (!d || !d.isNic) return `error: no network device "${words[1]}"`;
      if (words[2] !== 'on' && words[2] !== 'off') return 'error: set_link ID on|off';
      await d.host.setLink(words[2] === 'on');
      return 'OK';
    }
    if (words[0] === 'info' && words[1] === 'network' && words.length === 2) {
      const out: Record<string, unknown> = {};
      for (const d of devices.filter((x) => x.isNic)) out[d.id] = (await d.host.stats()).net ?? null;
      return JSON.stringify(out);
    }
    return 'error: unknown command (set_link ID on|off, info network)';
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
}
