// Opening a raw disk image, with errors a user can act on: each check says what is wrong with
// which file and what to do about it.

import fs from 'node:fs';
import { BlockError, Errno, errnoFromError, toBlockError } from './block-error.js';
import { SECTOR_BYTES } from './direct-io-requirements.js';

export type CacheMode = 'none' | 'writeback';

export interface OpenedImage {
  readonly fd: number;
  readonly sizeBytes: number;
}

/** statfs(2) f_type magic numbers (include/uapi/linux/magic.h) of memory file systems. */
const MEMORY_FS_NAMES: ReadonlyMap<number, string> = new Map([
  [0x01021994, 'tmpfs'],
  [0x858458f6, 'ramfs'],
]);

function memoryFileSystemOf(path: string): string | undefined {
  try {
    return MEMORY_FS_NAMES.get(fs.statfsSync(path).type);
  } catch {
    return undefined;
  }
}

function statImage(path: string): fs.Stats {
  let stats: fs.Stats;
  try {
    stats = fs.statSync(path);
  } catch (error) {
    const errno = errnoFromError(error);
    if (errno === Errno.ENOENT) throw new BlockError(Errno.ENOENT, `disk image not found: ${path}`, { cause: error });
    if (errno === Errno.ENOTDIR) throw new BlockError(Errno.ENOTDIR, `disk image path has a non-directory in it: ${path}`, { cause: error });
    throw toBlockError(error, `cannot stat disk image ${path}`);
  }
  if (stats.isDirectory()) throw new BlockError(Errno.EISDIR, `disk image path is a directory, not a file: ${path}`);
  if (!stats.isFile()) {
    throw new BlockError(Errno.EINVAL, `disk image is not a regular file (block devices and pipes are not supported): ${path}`);
  }
  return stats;
}

function checkSize(path: string, sizeBytes: number, allowEmpty: boolean): void {
  if (sizeBytes === 0 && !allowEmpty) {
    throw new BlockError(Errno.EINVAL, `disk image is empty (0 bytes): ${path}; create one with e.g. "truncate -s 1G ${path}"`);
  }
  if (sizeBytes % SECTOR_BYTES !== 0) {
    throw new BlockError(Errno.EINVAL,
      `disk image size ${sizeBytes} bytes is not a multiple of ${SECTOR_BYTES}-byte sectors: ${path}`);
  }
}

function explainOpenFailure(error: unknown, path: string, cache: CacheMode, readOnly: boolean): BlockError {
  const errno = errnoFromError(error);
  if (errno === Errno.EACCES || errno === Errno.EPERM) {
    const readable = accessible(path, fs.constants.R_OK);
    const what = !readable ? 'not readable' : 'not writable (open it read-only, or fix its permissions)';
    return new BlockError(Errno.EACCES, `disk image is ${what}: ${path}`, { cause: error });
  }
  if (errno === Errno.EROFS && !readOnly) {
    return new BlockError(Errno.EROFS, `disk image is on a read-only file system; open it read-only: ${path}`, { cause: error });
  }
  if (errno === Errno.EINVAL && cache === 'none') {
    const memoryFs = memoryFileSystemOf(path);
    return new BlockError(Errno.EINVAL,
      `the file system of ${path}${memoryFs ? ` (${memoryFs})` : ''} does not support O_DIRECT, which cache=none needs; ` +
      `use cache=writeback or put the image on a disk file system`, { cause: error });
  }
  return toBlockError(error, `cannot open disk image ${path}`);
}

function accessible(path: string, mode: number): boolean {
  try {
    fs.accessSync(path, mode);
    return true;
  } catch {
    return false;
  }
}

/** Opens `path` for the backend: O_RDONLY or O_RDWR, plus O_DIRECT for cache=none. An empty
 *  file is refused unless `allowEmpty` (a SCSI disk presents it as a unit without medium). */
export function openImage(path: string, cache: CacheMode, readOnly: boolean, allowEmpty = false): OpenedImage {
  checkSize(path, statImage(path).size, allowEmpty);
  const { O_RDONLY, O_RDWR, O_DIRECT } = fs.constants;
  const flags = (readOnly ? O_RDONLY : O_RDWR) | (cache === 'none' ? O_DIRECT : 0);
  let fd: number;
  try {
    fd = fs.openSync(path, flags);
  } catch (error) {
    throw explainOpenFailure(error, path, cache, readOnly);
  }
  try {
    // Size from the descriptor itself: the path could have been replaced since the stat above.
    const stats = fs.fstatSync(fd);
    if (!stats.isFile()) throw new BlockError(Errno.EINVAL, `disk image is not a regular file: ${path}`);
    checkSize(path, stats.size, allowEmpty);
    return { fd, sizeBytes: stats.size };
  } catch (error) {
    fs.closeSync(fd);
    throw toBlockError(error, `cannot open disk image ${path}`);
  }
}
