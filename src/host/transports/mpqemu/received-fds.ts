// Descriptors that arrive over the protocol socket belong to us from the moment recvmsg()
// returns; every one we do not keep must be closed, or ~20 SYNC_SYSMEMs per boot would leak
// them (spec/mpqemu.md section 4).
import { closeSync } from 'node:fs';

import type { Fd } from '../../../native/addon.js';

/** Closes each distinct descriptor once, ignoring any that is already closed. */
export function closeFds(fds: readonly Fd[]): void {
  for (const fd of new Set(fds)) {
    try {
      closeSync(fd);
    } catch {
      // Already closed: nothing left to release.
    }
  }
}
