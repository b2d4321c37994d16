// The targets on the controller's SCSI bus, by SCSI ID, as configured. A slot without a
// target does not answer selection (the initiator sees a selection timeout).

import { ScsiTarget } from './target/target-api';
import { KIND_DISK, KIND_TEST, ScsiConfig, TargetConfig, TARGET_SLOTS } from './config';
import { MockTarget } from './testing/mock-target';
import { ScsiDisk } from './target/scsi-disk';

export class TargetSet {
  private readonly slots: StaticArray<ScsiTarget | null> = new StaticArray<ScsiTarget | null>(TARGET_SLOTS);

  private readonly staged: StaticArray<ScsiTarget | null> = new StaticArray<ScsiTarget | null>(TARGET_SLOTS);

  /** Builds the targets of a parsed configuration (called at init, before any I/O). Returns
   *  false, keeping the current targets, when a target refuses its configuration. */
  configure(config: ScsiConfig): bool {
    for (let id: u32 = 0; id < TARGET_SLOTS; id++) {
      const tc = unchecked(config.targets[id]);
      let target: ScsiTarget | null = null;
      if (tc.kind == KIND_DISK) {
        target = makeDisk(tc);
        if (target == null) return false;
      } else if (tc.kind == KIND_TEST) {
        target = new MockTarget(tc);
      }
      unchecked(this.staged[id] = target);
    }
    for (let id: u32 = 0; id < TARGET_SLOTS; id++) unchecked(this.slots[id] = this.staged[id]);
    return true;
  }

  get(id: u32): ScsiTarget | null {
    return id < TARGET_SLOTS ? unchecked(this.slots[id]) : null;
  }

  /** SCSI bus reset: every target drops its state and raises UNIT ATTENTION. */
  busReset(): void {
    for (let id: u32 = 0; id < TARGET_SLOTS; id++) {
      const t = unchecked(this.slots[id]);
      if (t != null) t.busReset();
    }
  }
}

/** A ScsiDisk for a configured slot (parseConfig has already checked what the disk checks). */
function makeDisk(tc: TargetConfig): ScsiTarget | null {
  const disk = new ScsiDisk();
  if (!disk.configure(tc.drive, tc.sectors, tc.blockSize, tc.readOnly, tc.serial, tc.serialLength, tc.worldwideName)) {
    return null;
  }
  disk.setInquiryNames(tc.vendor, tc.product, tc.revision);
  return disk;
}
