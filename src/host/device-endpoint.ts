// What the bridge needs from whoever serves a device's accesses: the host side of a device
// worker (DeviceHost) in production, anything else in tests.

import type { AccessSize } from '../shared-mem/types.js';

export interface DeviceAccess {
  kind: 'io' | 'config';
  space: number;
  offset: number;
  size: AccessSize;
  dir: 'read' | 'write';
  /** Write value, or for rep string I/O the guest-physical address of the RAM buffer. */
  data: bigint;
  /** Elements for rep string I/O (1 for a plain access). */
  count: number;
  /** `data` is a guest-physical pointer (rep ins/outs / movs), Xen's data_is_ptr. */
  dataIsPtr: boolean;
  /** Direction flag of the rep instruction: addresses step down. */
  df: boolean;
  /** For MMIO string copies the device address steps too; for PIO it stays. */
  deviceAddressSteps: boolean;
}

export interface DeviceEndpoint {
  /** A synchronous access: resolves with the read value (all-ones if the device is down). */
  access(a: DeviceAccess): Promise<bigint>;
  /** A posted write: ordered with later accesses, never waited for. */
  post(a: DeviceAccess): void;
  /** PCI RST# of the function's device logic (the bridge resets the config header itself). */
  reset?(): Promise<void>;
  /** INTA# of this function changed (the bridge mirrors it into STATUS bit 3). */
  onIntx?: (level: boolean) => void;
}

export const ALL_ONES = (size: number): bigint => (1n << BigInt(size * 8)) - 1n;
