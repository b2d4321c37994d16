// The task a piscina worker thread runs for the piscina executor: synchronous readv/writev/
// fdatasync on an fd of this process, with buffers rebuilt as views of SharedArrayBuffers that
// were posted, not copied (structured clone shares a SharedArrayBuffer's memory). Failures come
// back as values: a thrown Error would lose its errno crossing the thread boundary.

import fs from 'node:fs';
import { errnoFromError, Errno } from './block-error.js';
import { transferSync } from './transfer-loop.js';

/** A view of shared memory, posted as its parts. */
export interface SharedSegment {
  buffer: SharedArrayBuffer;
  byteOffset: number;
  byteLength: number;
}

export type PiscinaIoTask =
  | { op: 'read' | 'write'; fd: number; position: number; segments: SharedSegment[] }
  | { op: 'fdatasync'; fd: number };

export type PiscinaIoOutcome =
  | { ok: true; bytes: number; syscalls: number }
  | { ok: false; errno: number; message: string };

export default function runPiscinaIoTask(task: PiscinaIoTask): PiscinaIoOutcome {
  try {
    if (task.op === 'fdatasync') {
      fs.fdatasyncSync(task.fd);
      return { ok: true, bytes: 0, syscalls: 1 };
    }
    const views = task.segments.map((s) => new Uint8Array(s.buffer, s.byteOffset, s.byteLength));
    const { fd } = task;
    const result = task.op === 'read'
      ? transferSync('read', task.position, views, (batch, at) => fs.readvSync(fd, batch, at))
      : transferSync('write', task.position, views, (batch, at) => fs.writevSync(fd, batch, at));
    return { ok: true, ...result };
  } catch (error) {
    return {
      ok: false,
      errno: errnoFromError(error) ?? Errno.EIO,
      message: error instanceof Error ? error.message : String(error),
    };
  }
}
