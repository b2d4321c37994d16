// Atomics.waitAsync (ES2024) with a fallback. Node 20, Chromium and Safari have it; an engine
// without it gets a short poll instead, which is correct but wakes late (by up to the poll
// interval). TypeScript's ES2023 lib, which the project builds against, does not declare it.

export type WaitOutcome = 'ok' | 'not-equal' | 'timed-out';

type WaitAsyncResult = { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };
type WaitAsyncFn = (array: Int32Array, index: number, value: number, timeout?: number) => WaitAsyncResult;

const nativeWaitAsync: WaitAsyncFn | undefined = (Atomics as unknown as { waitAsync?: WaitAsyncFn }).waitAsync;

/** Poll interval of the fallback. */
export const WAIT_ASYNC_FALLBACK_POLL_MS = 1;

/** True when the engine has a real Atomics.waitAsync. */
export const hasNativeWaitAsync = nativeWaitAsync !== undefined;

/** Longest delay setTimeout accepts. */
const MAX_TIMER_MS = 0x7fff_ffff;

/**
 * Sleeps without blocking the thread's event loop while `words[index] === expected`, at most
 * `timeoutMs` (Infinity allowed). The result is synchronous when the value already differs.
 *
 * A pending Atomics.waitAsync does not keep a Node event loop alive: a worker whose only
 * pending work is this wait would simply exit (exit code 13, "unsettled top-level await").
 * A timer for the same duration, cleared when the wait ends, keeps the thread alive.
 */
export function waitAsync(words: Int32Array, index: number, expected: number, timeoutMs: number): WaitOutcome | Promise<WaitOutcome> {
  if (nativeWaitAsync !== undefined) {
    const result = nativeWaitAsync(words, index, expected, timeoutMs);
    if (!result.async) return result.value;
    const keepAlive = setTimeout(() => undefined, Math.min(Math.max(timeoutMs, 0), MAX_TIMER_MS));
    return result.value.finally(() => clearTimeout(keepAlive));
  }
  if (Atomics.load(words, index) !== expected) return 'not-equal';
  return new Promise((resolve) => setTimeout(() => resolve('ok'), Math.min(timeoutMs, WAIT_ASYNC_FALLBACK_POLL_MS)));
}
