// The hvmio native addon (native/, built by `npm run build` into build/native/), typed.
// It exists only for what Node cannot do and the QEMU multi-process transport needs
// (spec/mpqemu.md section 8): receive file descriptors over a UNIX socket, create a socketpair,
// poll several descriptors synchronously, watch descriptors from the event loop, and map guest
// RAM as a SharedArrayBuffer that worker threads share. docs/native-addon.md explains each
// function.
//
// The addon is loaded on first use, not at import, so code paths that never touch it (the sim
// transport, the browser build) do not need it built.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A file descriptor number owned by this process. */
export type Fd = number;

/** What one recvMsg call got. */
export interface RecvResult {
  /** The bytes read: between 1 and maxBytes, or none when `again`. */
  data: Buffer;
  /** Descriptors that rode on these bytes (SCM_RIGHTS), close-on-exec; the caller owns them. */
  fds: Fd[];
  /** The sender attached more descriptors than fit (16); the kernel closed the rest. */
  ctrunc: boolean;
  /** Non-blocking socket with nothing to read (EAGAIN): data is empty, no fds. */
  again: boolean;
}

/** A watch started by watchReadable. */
export interface FdWatch {
  /** Stops the watch and releases the callback: it never fires again, not even for readiness
   *  already seen. Idempotent; safe inside the callback. Call it BEFORE closing the fd. */
  stop(): void;
  /** Keeps the thread's event loop (the process, or the worker) alive while the watch is
   *  active: the default, as for a socket. No effect once stopped. */
  ref(): void;
  /** Lets the event loop end while the watch is still active. No effect once stopped. */
  unref(): void;
}

interface NativeAddon {
  recvMsg(fd: Fd, maxBytes: number): RecvResult | null;
  sendMsg(fd: Fd, bytes: Uint8Array, fds?: readonly Fd[]): void;
  socketpair(): [Fd, Fd];
  pollIn(fds: readonly Fd[], timeoutMs: number): Fd[];
  mapShared(fd: Fd, length: number, offset: number): SharedArrayBuffer;
  mappingCount(): number;
  memfdCreate(name: string, size: number): Fd;
  watchReadable(fd: Fd, onReadable: (this: FdWatch) => void): FdWatch;
  tapOpen(ifname: string): { fd: Fd; ifname: string };
  tapRead(fd: Fd, buffer: Uint8Array): number;
  tapWritev(fd: Fd, segments: readonly Uint8Array[]): number;
}

/** A failed system call, shaped like Node's own (`code` is the errno name, e.g. 'EBADF'). */
export interface NativeSystemError extends Error {
  code: string;
  errno: number;
  syscall: string;
}

export const ADDON_RELATIVE_PATH = join('build', 'native', 'hvmio_native.node');

export class NativeAddonMissingError extends Error {
  override readonly name = 'NativeAddonMissingError';
  constructor(searchedFrom: string) {
    super(`hvmio native addon (${ADDON_RELATIVE_PATH}) not found above ${searchedFrom}: run npm run build`);
  }
}

let loaded: NativeAddon | null = null;

/** Finds build/native/hvmio_native.node in the nearest ancestor directory that has one: this
 *  module runs both from src/native (tsx, vitest) and from dist/src/native (compiled). */
function locateAddon(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  let dir = here;
  for (let depth = 0; depth < 6; depth++) {
    const candidate = join(dir, ADDON_RELATIVE_PATH);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new NativeAddonMissingError(here);
}

function addon(): NativeAddon {
  if (loaded === null) {
    const require = createRequire(import.meta.url);
    loaded = require(locateAddon()) as NativeAddon;
  }
  return loaded;
}

/** True if the addon is built and loads (for tests and CLI messages that want to ask first). */
export function isNativeAddonAvailable(): boolean {
  try {
    addon();
    return true;
  } catch {
    return false;
  }
}

/**
 * One recvmsg(MSG_CMSG_CLOEXEC) of at most `maxBytes` (1..1 MiB) bytes, EINTR retried. Returns
 * null at end of stream. Ask for no more than the current message still lacks: descriptors
 * arrive with the first byte of the sender's sendmsg, and a larger read could take the next
 * message's bytes and descriptors with it.
 */
export function recvMsg(fd: Fd, maxBytes: number): RecvResult | null {
  return addon().recvMsg(fd, maxBytes);
}

/** Writes all of `bytes` (waiting while the socket is full), with MSG_NOSIGNAL: a vanished
 *  peer throws EPIPE. `fds` (at most 253) ride on the first byte. */
export function sendMsg(fd: Fd, bytes: Uint8Array, fds?: readonly Fd[]): void {
  addon().sendMsg(fd, bytes, fds);
}

/** A connected AF_UNIX SOCK_STREAM pair, both ends close-on-exec and blocking. */
export function socketpair(): [Fd, Fd] {
  return addon().socketpair();
}

/**
 * Waits up to `timeoutMs` (-1: forever, 0: just look) until some of `fds` are readable, hung
 * up or in error, and returns those. An empty array means the timeout passed. A descriptor that
 * is not open throws (code EBADF).
 */
export function pollIn(fds: readonly Fd[], timeoutMs: number): Fd[] {
  return addon().pollIn(fds, timeoutMs);
}

/**
 * mmap(PROT_READ|PROT_WRITE, MAP_SHARED) of `length` bytes of `fd` at `offset` (a multiple of
 * the page size), as a SharedArrayBuffer that can be posted to workers. It is unmapped only
 * when the last SharedArrayBuffer over it in any thread has been garbage-collected; never
 * earlier. The descriptor may be closed right after. Refuses a range beyond the end of a
 * regular file (touching it would raise SIGBUS).
 */
export function mapShared(fd: Fd, length: number, offset: number): SharedArrayBuffer {
  return addon().mapShared(fd, length, offset);
}

/** Number of mapShared mappings in this process not yet unmapped (all threads). */
export function mappingCount(): number {
  return addon().mappingCount();
}

/** A new memfd (close-on-exec) of `size` zero bytes: guest RAM as QEMU would send it. */
export function memfdCreate(name: string, size: number): Fd {
  return addon().memfdCreate(name, size);
}

/**
 * Calls `onReadable` (with `this` = the watch) from this thread's event loop whenever `fd` is
 * readable, its peer hung up, or it is in error, until stop(). Level-triggered: while the
 * condition holds it fires again on every loop iteration, so the callback reads until recvMsg
 * says `again`, or stops. At end of stream or on an error it fires too: the read returns null
 * or throws (e.g. ECONNRESET), and the caller stops the watch.
 *
 * - Makes `fd` non-blocking (O_NONBLOCK, on the open file description, so every dup and every
 *   process sharing it sees it too); read with recvMsg and expect `again`.
 * - The caller must stop() the watch BEFORE closing `fd`: libuv may still hold the number,
 *   and a closed (or reused) descriptor under a live watch is undefined behaviour.
 * - One watch per descriptor per thread (EEXIST otherwise, also when Node itself polls the
 *   descriptor, e.g. through a net.Socket); EPERM for a regular file, EBADF if not open.
 * - An exception thrown by `onReadable` is an uncaught exception, as from any I/O callback.
 * - When a worker thread ends, its outstanding watches are stopped with it.
 */
export function watchReadable(fd: Fd, onReadable: (this: FdWatch) => void): FdWatch {
  return addon().watchReadable(fd, onReadable);
}

/** True if `err` is a system error from the addon (or from Node) with this errno name. */
export function isSystemError(err: unknown, code: string): err is NativeSystemError {
  return err instanceof Error && (err as Partial<NativeSystemError>).code === code;
}

/**
 * Opens /dev/net/tun as the TAP interface `ifname` (created if absent, which needs
 * CAP_NET_ADMIN) with IFF_TAP | IFF_NO_PI: each read and write is one Ethernet frame with no
 * prefix. The descriptor is non-blocking and close-on-exec. Throws a system error (ENOENT: no
 * /dev/net/tun; EPERM: no permission; EBUSY: the interface is in use).
 */
export function tapOpen(ifname: string): { fd: Fd; ifname: string } {
  return addon().tapOpen(ifname);
}

/** Reads one frame into `buffer` (its length bounds the frame); the frame's length, or -1 if
 *  none is waiting (EAGAIN). A frame longer than the buffer is truncated by the kernel. */
export function tapRead(fd: Fd, buffer: Uint8Array): number {
  return addon().tapRead(fd, buffer);
}

/** Writes one frame, the concatenation of `segments`, with writev (no copy); bytes written,
 *  or -1 if the interface cannot take it now (EAGAIN). Views of a SharedArrayBuffer work. */
export function tapWritev(fd: Fd, segments: readonly Uint8Array[]): number {
  return addon().tapWritev(fd, segments);
}
