// Error handling for a channel after a command failed in a way that leaves the hardware in
// an unknown state (timeout, state-machine violation, bus-master error): what libata's EH
// does for an SFF port before the next command, i.e. stop the DMA engine, acknowledge
// everything, soft-reset the channel, and put every attached device back into its
// configured transfer mode. Device errors (ABRT, IDNF, UNC) need none of this.

import { AtaError } from './ata-error.js';
import type { AtaChannel } from './ata-channel.js';
import { resetAndClassify } from './ata-probe.js';

/** Runs with the channel lock held (from inside a failed command's critical section). */
export async function recoverChannel(ch: AtaChannel): Promise<void> {
  if (ch.bm) {
    await ch.bm.stop();
    await ch.bm.clearStatus();
  }
  await ch.status(); // drop a pending INTRQ
  const classes = await resetAndClassify(ch);
  for (const dev of ch.devices) {
    if (!dev) continue;
    if (classes[dev.unit] === 'none') {
      throw new AtaError({ kind: 'no-device', command: 0, status: 0, error: 0, detail: `device ${dev.unit} gone after reset` });
    }
    await dev.revalidate();
  }
}

/**
 * Runs `op` under the channel lock; when it fails with an error that needs a reset, runs
 * the error handler before rethrowing the original error (the caller decides about retry).
 */
export function withErrorHandling<T>(ch: AtaChannel, op: () => Promise<T>): Promise<T> {
  return ch.lock.run(async () => {
    try {
      return await op();
    } catch (err) {
      if (err instanceof AtaError && err.needsReset) {
        try {
          await recoverChannel(ch);
        } catch (ehErr) {
          (err as Error & { recoveryError?: unknown }).recoveryError = ehErr;
        }
      }
      throw err;
    }
  });
}
