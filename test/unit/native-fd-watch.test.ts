// watchReadable: readiness of a raw descriptor (the mpqemu socket, an eventfd) delivered by the
// thread's own event loop, level-triggered, stoppable from inside its callback, per thread.
// What could kill a whole process (teardown of a worker with a live watch, a throwing
// callback, the loop's keep-alive) runs in child processes.
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';

import {
  ADDON_RELATIVE_PATH,
  type Fd,
  type FdWatch,
  recvMsg,
  sendMsg,
  socketpair,
  watchReadable,
} from '../../src/native/addon.js';

const ADDON_PATH = join(import.meta.dirname, '..', '..', ADDON_RELATIVE_PATH);

const opened: Fd[] = [];
const watches: FdWatch[] = [];
afterEach(() => {
  // Watches first: a descriptor is never closed under a live watch.
  for (const watch of watches.splice(0)) watch.stop();
  for (const fd of opened.splice(0)) {
    try {
      closeSync(fd);
    } catch {
      // closed by the test itself
    }
  }
});

function pair(): [Fd, Fd] {
  const p = socketpair();
  opened.push(...p);
  return p;
}

function watch(fd: Fd, onReadable: (this: FdWatch) => void): FdWatch {
  const w = watchReadable(fd, onReadable);
  watches.push(w);
  return w;
}

/** Lets the event loop go round `turns` times; each turn polls for I/O before the immediate. */
async function loopTurns(turns: number): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

const O_NONBLOCK = 0o4000;
function fdFlags(fd: Fd): number {
  const line = readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8').split('\n').find((l) => l.startsWith('flags:'));
  return parseInt(line!.split(/\s+/)[1]!, 8);
}

/** Runs an ES module script in a fresh node with the addon's path in HVMIO_ADDON. */
function runChild(script: string, nodeFlags: string[] = []): { status: number | null; stdout: string; stderr: string } {
  const child = spawnSync(process.execPath, [...nodeFlags, '--input-type=module', '-e', script], {
    env: { ...process.env, HVMIO_ADDON: ADDON_PATH },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}
const CHILD_PRELUDE = `
import { createRequire } from 'node:module';
const addon = createRequire(import.meta.url)(process.env.HVMIO_ADDON);
`;

describe('watchReadable', () => {
  it('calls back when the peer writes, and the callback reads what was sent', async () => {
    const [a, b] = pair();
    const got = new Promise<{ text: string; self: boolean }>((resolve) => {
      const w = watch(b, function () {
        const result = recvMsg(b, 64);
        this.stop();
        resolve({ text: result?.data.toString() ?? '<eof>', self: this === w });
      });
    });
    sendMsg(a, Buffer.from('ioreq ready'));
    expect(await got).toEqual({ text: 'ioreq ready', self: true });
  });

  it('makes the descriptor non-blocking, so a callback can drain it until `again`', async () => {
    const [a, b] = pair();
    expect(fdFlags(b) & O_NONBLOCK).toBe(0);
    const chunks: string[] = [];
    const drained = new Promise<boolean>((resolve) => {
      watch(b, function () {
        for (let i = 0; i < 100; i++) {
          const r = recvMsg(b, 3);
          if (r === null || r.again) {
            this.stop();
            resolve(r !== null);
            return;
          }
          chunks.push(r.data.toString());
        }
      });
    });
    expect(fdFlags(b) & O_NONBLOCK).toBe(O_NONBLOCK);
    sendMsg(a, Buffer.from('abcdefgh'));
    expect(await drained).toBe(true);
    expect(chunks.join('')).toBe('abcdefgh');
  });

  it('is level-triggered: fires again while unread data waits, and stop() inside the callback ends it', async () => {
    const [a, b] = pair();
    let calls = 0;
    const stopped = new Promise<void>((resolve) => {
      watch(b, function () {
        calls++;
        if (calls === 3) {
          this.stop();
          this.stop(); // idempotent
          resolve();
        }
      });
    });
    sendMsg(a, Buffer.from('x'));
    await stopped;
    await loopTurns(5);
    expect(calls).toBe(3);
    // Nobody read: the byte is still there, so each call was the same readiness again.
    expect(recvMsg(b, 8)?.data.toString()).toBe('x');
  });

  it('fires at end of stream, where recvMsg returns null', async () => {
    const [a, b] = pair();
    const seen = new Promise<unknown>((resolve) => {
      watch(b, function () {
        const r = recvMsg(b, 16);
        this.stop();
        resolve(r);
      });
    });
    closeSync(a);
    expect(await seen).toBeNull();
  });

  it('fires on a socket error (peer gone with our data unread), then again for end of stream', async () => {
    const [a, b] = pair();
    sendMsg(b, Buffer.from('never read')); // left in a's queue: closing a resets b
    closeSync(a);
    const outcomes: string[] = [];
    const done = new Promise<void>((resolve) => {
      watch(b, function () {
        try {
          const r = recvMsg(b, 16);
          outcomes.push(r === null ? 'eof' : 'data');
        } catch (err) {
          outcomes.push((err as { code?: string }).code ?? 'error');
        }
        if (outcomes.length === 2) {
          this.stop();
          resolve();
        }
      });
    });
    await done;
    expect(outcomes).toEqual(['ECONNRESET', 'eof']);
  });

  it('never calls back after stop(), even with data pending and the descriptor closed and reused', async () => {
    const [a, b] = pair();
    let calls = 0;
    const w = watch(b, () => {
      calls++;
    });
    sendMsg(a, Buffer.from('pending'));
    w.stop();
    closeSync(b);
    w.stop();
    w.ref();
    w.unref();
    // The lowest free numbers come back: b's number is most likely reused, and readable.
    const [c, d] = pair();
    sendMsg(c, Buffer.from('y'));
    sendMsg(d, Buffer.from('z'));
    await loopTurns(5);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(calls).toBe(0);
  });

  it('a descriptor can be watched again once its watch is stopped, but not twice at once', async () => {
    const [a, b] = pair();
    const first = watch(b, () => {});
    expect(() => watchReadable(b, () => {})).toThrow(expect.objectContaining({ code: 'EEXIST' }));
    first.stop();
    const got = new Promise<string>((resolve) => {
      watch(b, function () {
        this.stop();
        resolve(recvMsg(b, 8)?.data.toString() ?? '<eof>');
      });
    });
    sendMsg(a, Buffer.from('again'));
    expect(await got).toBe('again');
  });

  it('rejects bad arguments and descriptors it cannot watch', () => {
    const [a, b] = pair();
    expect(() => watchReadable(-1, () => {})).toThrow(RangeError);
    expect(() => watchReadable(1.5, () => {})).toThrow(RangeError);
    expect(() => watchReadable(a, 'not a function' as unknown as () => void)).toThrow(TypeError);
    closeSync(b);
    expect(() => watchReadable(b, () => {})).toThrow(expect.objectContaining({ code: 'EBADF' }));
    const path = join(tmpdir(), `hvmio-fd-watch-${process.pid}`);
    const file = openSync(path, 'w');
    opened.push(file);
    unlinkSync(path);
    // epoll cannot watch a regular file (it is always ready).
    expect(() => watchReadable(file, () => {})).toThrow(expect.objectContaining({ code: 'EPERM' }));
  });

  it('an FdWatch made through its constructor was never started and ignores every call', () => {
    const [, b] = pair();
    const w = watch(b, () => {});
    const Ctor = (w as unknown as { constructor: new () => FdWatch }).constructor;
    const orphan = new Ctor();
    expect(() => {
      orphan.ref();
      orphan.unref();
      orphan.stop();
    }).not.toThrow();
  });
});

describe('watchReadable in a worker thread', () => {
  it('fires on the worker loop, and a stopped watch lets the worker end on its own', async () => {
    const [a, b] = pair();
    const worker = new Worker(
      `const { workerData, parentPort } = require('node:worker_threads');
       const addon = require(workerData.addonPath);
       addon.watchReadable(workerData.fd, function () {
         const r = addon.recvMsg(workerData.fd, 64);
         this.stop();
         parentPort.postMessage(r === null ? '<eof>' : r.data.toString());
         parentPort.close();
       });
       parentPort.postMessage('watching');`,
      { eval: true, workerData: { addonPath: ADDON_PATH, fd: b } },
    );
    const messages: string[] = [];
    const exited = new Promise<number>((resolve, reject) => {
      worker.on('message', (m: string) => {
        messages.push(m);
        if (m === 'watching') sendMsg(a, Buffer.from('to the worker'));
      });
      worker.once('exit', resolve);
      worker.once('error', reject);
    });
    // Exit code 0 without terminate(): nothing (the watch least of all) kept its loop alive.
    expect(await exited).toBe(0);
    expect(messages).toEqual(['watching', 'to the worker']);
  });

  it('an exception from the callback in a worker is that worker\'s uncaught error', async () => {
    const [a, b] = pair();
    const worker = new Worker(
      `const { workerData, parentPort } = require('node:worker_threads');
       const addon = require(workerData.addonPath);
       addon.watchReadable(workerData.fd, () => { throw new Error('thrown in the worker'); });
       parentPort.postMessage('watching');`,
      { eval: true, workerData: { addonPath: ADDON_PATH, fd: b } },
    );
    let error: unknown = null;
    worker.on('error', (err) => {
      error = err;
    });
    worker.on('message', () => sendMsg(a, Buffer.from('x')));
    const code = await new Promise<number>((resolve) => worker.once('exit', resolve));
    expect(code).toBe(1);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe('thrown in the worker');
  });

  it('stops the watches of a worker that is terminated or exits, and the process lives on', () => {
    const script = `${CHILD_PRELUDE}
import { Worker } from 'node:worker_threads';
const body = \`
  const { workerData, parentPort } = require('node:worker_threads');
  const addon = require(workerData.addonPath);
  let calls = 0;
  addon.watchReadable(workerData.fd, () => { if (++calls === 1) parentPort.postMessage('firing'); });
  parentPort.on('message', (m) => { if (m === 'exit') process.exit(3); });
  parentPort.postMessage('watching');\`;

// Each worker watches with data pending and never reads: its watch is firing when it ends.
async function run(end) {
  const [a, b] = addon.socketpair();
  // execArgv: [] so the eval'd body is CommonJS, not this script's --input-type=module.
  const worker = new Worker(body, {
    eval: true,
    execArgv: [],
    workerData: { addonPath: process.env.HVMIO_ADDON, fd: b },
  });
  const exited = new Promise((resolve) => worker.once('exit', resolve));
  await new Promise((resolve) => worker.on('message', (m) => {
    if (m === 'watching') addon.sendMsg(a, Buffer.from('unread'));
    if (m === 'firing') resolve();
  }));
  if (end === 'terminate') await worker.terminate(); else worker.postMessage('exit');
  return exited;
}
const codes = [await run('terminate'), await run('exit'), await run('terminate')];
console.log(JSON.stringify({ codes }));
`;
    const child = runChild(script);
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    expect(JSON.parse(child.stdout.trim())).toEqual({ codes: [1, 3, 1] });
  });
});

describe('watchReadable and the process', () => {
  it('a ref\'d watch keeps the process alive; an unref\'d one does not', () => {
    // An unref'd timer runs only if something else keeps the loop alive.
    const keepAlive = (setup: string) =>
      runChild(`${CHILD_PRELUDE}
const [a, b] = addon.socketpair();
const w = addon.watchReadable(b, () => {});
${setup}
setTimeout(() => { console.log('kept alive'); w.stop(); }, 50).unref();
`);
    const refd = keepAlive('');
    expect(refd.stderr).toBe('');
    expect(refd.status).toBe(0);
    expect(refd.stdout.trim()).toBe('kept alive');

    const unrefd = keepAlive('w.unref();');
    expect(unrefd.stderr).toBe('');
    expect(unrefd.status).toBe(0);
    expect(unrefd.stdout.trim()).toBe('');

    const refdAgain = keepAlive('w.unref(); w.ref();');
    expect(refdAgain.status).toBe(0);
    expect(refdAgain.stdout.trim()).toBe('kept alive');
  });

  it('an unref\'d watch still fires while something else keeps the process alive', () => {
    const child = runChild(`${CHILD_PRELUDE}
const [a, b] = addon.socketpair();
const timer = setInterval(() => {}, 1000);
const w = addon.watchReadable(b, function () {
  console.log(addon.recvMsg(b, 16).data.toString());
  this.stop();
  clearInterval(timer);
});
w.unref();
addon.sendMsg(a, Buffer.from('fired'));
`);
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    expect(child.stdout.trim()).toBe('fired');
  });

  it('a watch whose FdWatch object was dropped and collected keeps working', () => {
    const child = runChild(
      `${CHILD_PRELUDE}
const [a, b] = addon.socketpair();
addon.watchReadable(b, function () {
  console.log(addon.recvMsg(b, 16).data.toString());
  this.stop();
});
for (let i = 0; i < 3; i++) globalThis.gc();
await new Promise((resolve) => setTimeout(resolve, 10));
globalThis.gc();
addon.sendMsg(a, Buffer.from('still watched'));
`,
      ['--expose-gc'],
    );
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    expect(child.stdout.trim()).toBe('still watched');
  });

  it('an exception from the callback is an uncaught exception, after which microtasks still run', () => {
    const handled = runChild(`${CHILD_PRELUDE}
const [a, b] = addon.socketpair();
const thrown = new Error('thrown by onReadable');
const w = addon.watchReadable(b, () => {
  Promise.resolve().then(() => console.log('microtask ran'));
  throw thrown;
});
process.on('uncaughtException', (err) => {
  console.log(err === thrown ? 'caught the same error' : 'caught something else');
  w.stop();
});
addon.sendMsg(a, Buffer.from('x'));
`);
    expect(handled.stderr).toBe('');
    expect(handled.status).toBe(0);
    expect(handled.stdout.trim().split('\n').sort()).toEqual(['caught the same error', 'microtask ran']);

    // No handler: Node's usual report and exit code 1, not a silent death or an abort.
    const unhandled = runChild(`${CHILD_PRELUDE}
const [a, b] = addon.socketpair();
addon.watchReadable(b, () => { throw new Error('nobody catches this'); });
addon.sendMsg(a, Buffer.from('x'));
`);
    expect(unhandled.status).toBe(1);
    expect(unhandled.stderr).toContain('Error: nobody catches this');
  });
});
