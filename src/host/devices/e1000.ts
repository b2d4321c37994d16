// Host-side description of an Intel 82540EM gigabit NIC (the e1000): its PCI identity and its
// config struct. Identity as Intel's PCI/PCI-X Family of Gigabit Ethernet Controllers
// Software Developer's Manual (8254x SDM) gives it, table 4-2 / section 4.1 "PCI Configuration":
// device 0x100E (82540EM desktop), class 0x020000 (network, Ethernet); QEMU's model reports
// revision 3 (hw/net/e1000.c), which Linux's e1000 accepts like any other. BARs as the SDM's
// 82540EM has them: BAR0 128 KiB of memory-mapped registers, BAR1 the 8-byte IOADDR/IODATA
// window, declared as 64 bytes because QEMU's proxy mis-sizes I/O BARs below 16 bytes
// (spec/mpqemu.md 5.3) and QEMU's own model uses 64 too.

import { encodeE1000Config, formatMac, type MacAddress } from '../../workers/net/config.js';
import type { PciIdentity } from '../pci/pci-identity.js';
import type { E1000DeviceSpec } from './device-spec.js';
import type { PreparedDevice } from './prepared-device.js';
import { createHash } from 'node:crypto';

export const E1000_VENDOR = 0x8086;
export const E1000_82540EM_DEVICE = 0x100e;
/** Network controller / Ethernet, no programming interface. */
const CLASS_ETHERNET = 0x020000;
const REVISION = 0x03;
/** Subsystem of Intel's PRO/1000 MT Desktop adapter (8254x SDM, EEPROM word 0x0B/0x0C defaults). */
const SUBSYSTEM_VENDOR = 0x8086;
const SUBSYSTEM_ID = 0x001e;

export const E1000_MMIO_BAR_SIZE = 128 * 1024;
export const E1000_IO_BAR_SIZE = 64;

export function e1000Identity(): PciIdentity {
  return {
    vendorId: E1000_VENDOR,
    deviceId: E1000_82540EM_DEVICE,
    revision: REVISION,
    classCode: CLASS_ETHERNET,
    subsystemVendorId: SUBSYSTEM_VENDOR,
    subsystemId: SUBSYSTEM_ID,
    interruptPin: 1,
    bars: [{ kind: 'mem32', size: E1000_MMIO_BAR_SIZE }, { kind: 'io', size: E1000_IO_BAR_SIZE }, null, null, null, null],
    romSize: 0,
    legacyIo: [],
  };
}

/** The locally administered prefix QEMU gives its NICs, 52:54:00. */
const QEMU_MAC_PREFIX = [0x52, 0x54, 0x00] as const;

/** A MAC for a NIC that names none: QEMU's 52:54:00 prefix and three bytes of a hash of the
 *  NIC's id, so the same command line always gives the same address (and a DHCP lease stays). */
export function defaultMacFor(id: string): MacAddress {
  const h = createHash('sha256').update(`hvmio-e1000:${id}`).digest();
  return [...QEMU_MAC_PREFIX, h[0]!, h[1]!, h[2]!] as unknown as MacAddress;
}

export function prepareE1000(spec: E1000DeviceSpec): PreparedDevice {
  return { identity: e1000Identity(), config: encodeE1000Config({ mac: spec.mac, linkUp: spec.linkUp }), drives: [] };
}

export function describeNic(spec: E1000DeviceSpec): string {
  return `e1000 ${spec.id} (mac ${formatMac(spec.mac)}, netdev ${spec.netdev.id})`;
}
