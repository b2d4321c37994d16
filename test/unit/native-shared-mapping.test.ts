// mapShared: guest RAM (a memfd) as an external SharedArrayBuffer that worker threads share,
// unmapped only after the last reference in any thread is gone (DESIGN.md "Guest RAM";
// spec/mpqemu.md section 8).
import { spawnSync } from 'node:child_process';
import { closeSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';

import { ADDON_RELATIVE_PATH, type Fd, mapShared, memfdCreate, socketpair } from '../../src/native/addon.js';

const opened: Fd[] = [];
function memfd(name: string, size: number): Fd {
  const fd = memfdCreate(name, size);
  opened.push(fd);
  return fd;
}
afterEach(() => {
  for (const fd of opened.splice(0)) closeSync(fd);
});

function pread(fd: Fd, length: number, position: number): Buffer {
  const out = Buffer.alloc(length);
  readSync(fd, out, 0, length, position);
  return out;
}

describe('mapShared', () => {
  it('aliases the file both ways: writes through the buffer are in the file and vice versa', () => {
    const fd = memfd('alias', 3 * 4096);
    const ram = new Uint8Array(mapShared(fd, 2 * 4096, 4096)); // file bytes [4096, 12288)
    expect(ram.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(ram.length).toBe(8192);
    ram.set([0xde, 0xad, 0xbe, 0xef], 10);
    expect([...pread(fd, 4, 4096 + 10)]).toEqual([0xde, 0xad, 0xbe, 0xef]);
    writeSync(fd, Buffer.from([1, 2, 3]), 0, 3, 4096 + 8000);
    expect([...ram.subarray(8000, 8003)]).toEqual([1, 2, 3]);
  });

  it('stays valid after the descriptor is closed (the mapping holds the file)', () => {
    const fd = memfdCreate('closed-after', 4096);
    const ram = new Uint8Array(mapShared(fd, 4096, 0));
    closeSync(fd);
    ram[4095] = 7;
    expect(ram[4095]).toBe(7);
  });

  it('refuses a range beyond the end of the file (touching it would be SIGBUS)', () => {
    const fd = memfd('short', 8192);
    expect(() => mapShared(fd, 8192 + 4096, 0)).toThrow(/beyond the end/);
    expect(() => mapShared(fd, 4096, 8192)).toThrow(/beyond the end/);
    expect(() => mapShared(fd, 1, 3 * 4096)).toThrow(/beyond the end/);
  });

  it('refuses an offset that is not page-aligned, a zero length, and a descriptor it cannot map', () => {
    const fd = memfd('args', 8192);
    expect(() => mapShared(fd, 4096, 100)).toThrow(/page size/);
    expect(() => mapShared(fd, 0, 0)).toThrow(RangeError);
    const [a, b] = socketpair();
    opened.push(a, b);
    expect(() => mapShared(a, 4096, 0)).toThrow(expect.objectContaining({ code: 'ENODEV', syscall: 'mmap' }));
  });

  it('is shared with a worker thread, where Atomics work on it', async () => {
    const fd = memfd('atomics', 4096);
    const sab = mapShared(fd, 4096, 0);
    const words = new Int32Array(sab);
    // The worker adds 1000 to word 1, then publishes word 0 = 1 and wakes us.
    const worker = new Worker(
      `const { workerData } = require('node:worker_threads');
       const words = new Int32Array(workerData);
       for (let i = 0; i < 1000; i++) Atomics.add(words, 1, 1);
       Atomics.store(words, 0, 1);
       Atomics.notify(words, 0);`,
      { eval: true, workerData: sab },
    );
    const exited = new Promise<number>((resolve, reject) => {
      worker.once('exit', resolve);
      worker.once('error', reject);
    });
    for (let i = 0; i < 1000; i++) Atomics.add(words, 1, 1);
    // Bounded: each wait returns when the word changes or after 10 s.
    for (let round = 0; round < 6 && Atomics.load(words, 0) === 0; round++) Atomics.wait(words, 0, 0, 10_000);
    expect(await exited).toBe(0);
    expect(Atomics.load(words, 0)).toBe(1);
    expect(Atomics.load(words, 1)).toBe(2000);
    expect(pread(fd, 4, 4).readInt32LE(0)).toBe(2000);
  });
});

// Runs in a child process started with --expose-gc, so that the test decides when each
// thread collects. The child prints one JSON line with what it observed.
const LIFETIME_SCRIPT = String.raw`
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { readFileSync, readSync, writeSync, closeSync } from 'node:fs';
const addon = createRequire(import.meta.url)(process.env.HVMIO_ADDON);
const SIZE = 65536;

const mapped = () => readFileSync('/proc/self/maps', 'utf8').split('\n').filter((l) => l.includes('memfd:lifetime-probe')).length;
const pread = (fd, n, pos) => { const b = Buffer.alloc(n); readSync(fd, b, 0, n, pos); return b; };
async function collect() { for (let i = 0; i < 3; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 5)); } }

const fd = addon.memfdCreate('lifetime-probe', SIZE);
let sab = addon.mapShared(fd, SIZE, 0);
const out = { initial: { count: addon.mappingCount(), maps: mapped() } };

const worker = new Worker(
  "const { parentPort } = require('node:worker_threads');" +
  "let ram = null;" +
  "parentPort.on('message', (m) => {" +
  "  if (m.op === 'take') { ram = new Uint8Array(m.sab); parentPort.postMessage('taken'); }" +
  "  else if (m.op === 'write') { ram.set(Buffer.from(m.text), m.at); parentPort.postMessage('written'); }" +
  "  else if (m.op === 'read') { parentPort.postMessage(Buffer.from(ram.subarray(m.at, m.at + m.len)).toString()); }" +
  "  else if (m.op === 'drop') { ram = null; for (let i = 0; i < 3; i++) globalThis.gc(); parentPort.postMessage('dropped'); }" +
  "});",
  // A CommonJS eval worker; --expose-gc is a process-wide V8 flag, so gc() exists there too.
  { eval: true, execArgv: [] },
);
const ask = (m) => new Promise((resolve) => { worker.once('message', resolve); worker.postMessage(m); });

await ask({ op: 'take', sab });
sab = null;               // the main thread's last reference
await collect();
out.afterMainDrop = { count: addon.mappingCount(), maps: mapped() };

await ask({ op: 'write', at: 4096, text: 'written-by-worker' });
out.preadAfterWorkerWrite = pread(fd, 17, 4096).toString();
writeSync(fd, Buffer.from('written-to-file'), 0, 15, 8192);
out.workerReadOfFileWrite = await ask({ op: 'read', at: 8192, len: 15 });

await ask({ op: 'drop' });
// The last reference is gone; its backing store is freed when the worker's heap is swept,
// possibly on a helper thread: look until it happens, boundedly.
let rounds = 0;
while (addon.mappingCount() !== 0 && rounds < 200) {
  await ask({ op: 'drop' });
  await collect();
  rounds++;
}
out.afterWorkerDrop = { count: addon.mappingCount(), maps: mapped() };
out.rounds = rounds;
await worker.terminate();
closeSync(fd);
console.log(JSON.stringify(out));
`;

describe('mapShared lifetime across threads', () => {
  it('unmaps only after the last thread holding the buffer drops it, never before', () => {
    const addonPath = join(import.meta.dirname, '..', '..', ADDON_RELATIVE_PATH);
    const child = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', LIFETIME_SCRIPT], {
      env: { ...process.env, HVMIO_ADDON: addonPath },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    const seen = JSON.parse(child.stdout.trim().split('\n').pop()!);
    expect(seen.rounds).toBeLessThan(200); // the unmap was observed, not given up on
    expect(seen.initial).toEqual({ count: 1, maps: 1 });
    // The main thread collected its buffer, the worker still holds one: still mapped.
    expect(seen.afterMainDrop).toEqual({ count: 1, maps: 1 });
    expect(seen.preadAfterWorkerWrite).toBe('written-by-worker');
    expect(seen.workerReadOfFileWrite).toBe('written-to-file');
    // The worker dropped it too: the deleter ran and the mapping is gone from the address space.
    expect(seen.afterWorkerDrop).toEqual({ count: 0, maps: 0 });
  });
});
