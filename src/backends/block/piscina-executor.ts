// Executor on a piscina worker pool: each transfer is one task that runs the whole readv/writev
// loop with fs.readvSync/writevSync on a pool thread. Buffers travel as SharedArrayBuffer +
// offsets, so the worker reads straight into guest RAM. A buffer that is not shared (e.g. a view
// of a core's own non-shared WASM memory) would be copied by postMessage and a read into the copy
// would be lost, so such segments are staged through a temporary SharedArrayBuffer: correct, but a
// copy; guest RAM is always shared and never takes that path.
//
// One pool per thread that uses it (reference counted), sized like libuv's default pool so the
// two executors compare on equal terms.

import { Piscina } from 'piscina';
import { BlockError, Errno } from './block-error.js';
import type { IoExecutor, TransferDirection, TransferResult } from './io-executor.js';
import type { PiscinaIoOutcome, PiscinaIoTask, SharedSegment } from './piscina-io-task.js';

export const PISCINA_THREADS = 4;

let sharedPool: Piscina<PiscinaIoTask, PiscinaIoOutcome> | null = null;
let poolUsers = 0;

function taskModule(): { filename: string; execArgv?: string[] } {
  // Run from TypeScript sources (tests, tsx) the task is a .ts file and its thread needs tsx too;
  // run from dist/ it is plain JS.
  const fromSource = import.meta.url.endsWith('.ts');
  const filename = new URL(fromSource ? './piscina-io-task.ts' : './piscina-io-task.js', import.meta.url).href;
  return fromSource ? { filename, execArgv: ['--import', 'tsx'] } : { filename };
}

function acquirePool(): Piscina<PiscinaIoTask, PiscinaIoOutcome> {
  if (sharedPool === null) {
    sharedPool = new Piscina<PiscinaIoTask, PiscinaIoOutcome>({
      ...taskModule(),
      minThreads: PISCINA_THREADS,
      maxThreads: PISCINA_THREADS,
      idleTimeout: Infinity, // threads stay up while any backend uses the pool
    });
  }
  poolUsers++;
  return sharedPool;
}

async function releasePool(): Promise<void> {
  poolUsers--;
  if (poolUsers === 0 && sharedPool !== null) {
    const pool = sharedPool;
    sharedPool = null;
    await pool.destroy();
  }
}

function unwrap(outcome: PiscinaIoOutcome, what: string): { bytes: number; syscalls: number } {
  if (!outcome.ok) throw new BlockError(outcome.errno, `${what}: ${outcome.message}`);
  return outcome;
}

export class PiscinaExecutor implements IoExecutor {
  readonly kind = 'piscina' as const;
  private pool: Piscina<PiscinaIoTask, PiscinaIoOutcome> | null = acquirePool();

  async transfer(direction: TransferDirection, fd: number, position: number, buffers: Uint8Array[]): Promise<TransferResult> {
    const staged: { original: Uint8Array; stage: Uint8Array }[] = [];
    const segments: SharedSegment[] = buffers.map((view) => {
      if (view.buffer instanceof SharedArrayBuffer) {
        return { buffer: view.buffer, byteOffset: view.byteOffset, byteLength: view.byteLength };
      }
      const stage = new Uint8Array(new SharedArrayBuffer(view.byteLength));
      if (direction === 'write') stage.set(view);
      staged.push({ original: view, stage });
      return { buffer: stage.buffer as SharedArrayBuffer, byteOffset: 0, byteLength: view.byteLength };
    });
    const outcome = await this.livePool().run({ op: direction, fd, position, segments });
    const result = unwrap(outcome, `${direction === 'read' ? 'readv' : 'writev'} at byte ${position}`);
    if (direction === 'read') for (const { original, stage } of staged) original.set(stage);
    return result;
  }

  async fdatasync(fd: number): Promise<void> {
    unwrap(await this.livePool().run({ op: 'fdatasync', fd }), 'fdatasync');
  }

  async close(): Promise<void> {
    if (this.pool === null) return;
    this.pool = null;
    await releasePool();
  }

  private livePool(): Piscina<PiscinaIoTask, PiscinaIoOutcome> {
    if (this.pool === null) throw new BlockError(Errno.EBADF, 'piscina executor is closed');
    return this.pool;
  }
}
