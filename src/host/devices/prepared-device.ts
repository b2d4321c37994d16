// What every device's host-side preparation produces, and the image checks they share: a
// bad image is one clear error before any worker starts.

import { statSync } from 'node:fs';
import type { BackendDriveSpec } from '../../workers/common/device-worker.js';
import type { PciIdentity } from '../pci/pci-identity.js';
import type { DriveSpec } from './device-spec.js';

export class DriveError extends Error {
  override name = 'DriveError';
}

/** Checks an image and returns its size in bytes; throws DriveError with a one-line reason.
 *  An empty image is refused unless `allowEmpty`: an ATA disk or CD-ROM has no way to say it
 *  has no capacity, a SCSI disk answers NOT READY (assembly/scsi/target/disk-medium.ts). */
export function checkDriveImage(d: DriveSpec, allowEmpty = false): number {
  let st;
  try {
    st = statSync(d.path);
  } catch {
    throw new DriveError(`drive ${d.path}: no such file`);
  }
  if (!st.isFile()) throw new DriveError(`drive ${d.path}: not a regular file`);
  const unit = d.media === 'cdrom' ? 2048 : 512;
  if (st.size === 0 && !allowEmpty) throw new DriveError(`drive ${d.path}: image is empty`);
  if (st.size % unit !== 0) throw new DriveError(`drive ${d.path}: size ${st.size} is not a multiple of ${unit} bytes`);
  return st.size;
}

export interface PreparedDevice {
  identity: PciIdentity;
  config: Uint8Array;
  drives: (BackendDriveSpec | null)[];
}
