// The one error type the block backend lets out. A device worker turns `errno` straight into the
// completion status of the request (assembly/common/abi.ts STATUS_*), so every failure, whatever
// its origin (validation, open, a failed syscall on a libuv or piscina thread), must carry a
// negative Linux errno.

import { constants as osConstants } from 'node:os';

/** Negative Linux errno values the backend reports itself (asm-generic/errno-base.h). */
export const Errno = {
  EPERM: -1,
  ENOENT: -2,
  EIO: -5,
  EBADF: -9,
  EACCES: -13,
  ENOTDIR: -20,
  EISDIR: -21,
  EINVAL: -22,
  EROFS: -30,
  EOPNOTSUPP: -95,
} as const;

export class BlockError extends Error {
  override readonly name = 'BlockError';
  /** Negative errno, e.g. -5 EIO, -22 EINVAL, -30 EROFS. */
  readonly errno: number;

  constructor(errno: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.errno = errno < 0 && Number.isInteger(errno) ? errno : Errno.EIO;
  }
}

/** Node reports system errors with a negative `errno` and a `code` such as 'EIO'. */
function errnoOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { errno, code } = error as { errno?: unknown; code?: unknown };
  if (typeof errno === 'number' && Number.isInteger(errno) && errno < 0) return errno;
  if (typeof code === 'string') {
    const positive = (osConstants.errno as Record<string, number | undefined>)[code];
    if (positive !== undefined) return -positive;
  }
  return undefined;
}

/** Wraps anything thrown below the backend into a BlockError; unknown failures become EIO. */
export function toBlockError(error: unknown, context: string): BlockError {
  if (error instanceof BlockError) return error;
  const errno = errnoOf(error) ?? Errno.EIO;
  const detail = error instanceof Error ? error.message : String(error);
  return new BlockError(errno, `${context}: ${detail}`, { cause: error });
}

/** The errno a failure carries, for callers that branch on it (EINVAL retry, tests). */
export function errnoFromError(error: unknown): number | undefined {
  return error instanceof BlockError ? error.errno : errnoOf(error);
}
