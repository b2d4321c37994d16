// Host-side helpers of the e1000 real-guest tests: free UDP ports for a dgram pair, and the
// `hvmio remote --monitor` socket (set_link, info network) spoken to while the guest runs.

import { createSocket } from 'node:dgram';
import { connect } from 'node:net';

export async function freeUdpPorts(n: number): Promise<number[]> {
  const socks = await Promise.all(
    Array.from({ length: n }, () => new Promise<ReturnType<typeof createSocket>>((resolve) => {
      const s = createSocket('udp4');
      s.bind(0, '127.0.0.1', () => resolve(s));
    })),
  );
  const ports = socks.map((s) => s.address().port);
  await Promise.all(socks.map((s) => new Promise<void>((r) => s.close(() => r()))));
  return ports;
}

/** Sends one monitor line and returns the one-line answer. */
export function monitorCommand(path: string, line: string, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ path });
    let got = '';
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`monitor: no answer to "${line}"`));
    }, timeoutMs);
    s.setEncoding('utf8');
    s.on('connect', () => s.write(`${line}\n`));
    s.on('data', (d: string) => {
      got += d;
      const nl = got.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        s.end();
        resolve(got.slice(0, nl));
      }
    });
    s.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}
