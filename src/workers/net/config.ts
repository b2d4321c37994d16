// Encodes the e1000 core's configuration struct, which the worker writes at the core's
// config_ptr() before calling init(config.length). Layout (little-endian), mirrored by
// assembly/net/config.ts:
//   0 u32 magic 'E1K1' (0x45314B31)
//   4 u8[6] MAC address in wire order (also the EEPROM words 0-2 and RAL0/RAH0 after reset)
//   10 u16 reserved (0)
//   12 u32 flags: bit 0 link up at power-on (cable plugged in)
//   16 u32 reserved (0)

export const E1000_CONFIG_MAGIC = 0x45314b31;
export const E1000_CONFIG_SIZE = 20;
export const E1000_FLAG_LINK_UP = 1;

/** What init() returns for a config it refuses (0 = accepted). */
export const E1000InitResult = {
  ok: 0,
  badSize: 1,
  badMagic: 2,
  badMac: 3,
  badFlags: 4,
} as const;

/** Six bytes in wire order, e.g. 52:54:00:12:34:56. */
export type MacAddress = readonly [number, number, number, number, number, number];

export interface E1000Config {
  mac: MacAddress;
  /** Link up at power-on (default true); set_link changes it later. */
  linkUp?: boolean;
}

/** Parses "52:54:00:12:34:56"; throws RangeError with the reason. A multicast address (bit 0
 *  of the first byte) cannot be a station address. */
export function parseMac(text: string): MacAddress {
  const parts = text.split(':');
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{2}$/.test(p))) {
    throw new RangeError(`mac "${text}" is not six hex bytes separated by colons`);
  }
  const bytes = parts.map((p) => parseInt(p, 16));
  if ((bytes[0]! & 1) !== 0) throw new RangeError(`mac "${text}" is a multicast address`);
  if (bytes.every((b) => b === 0)) throw new RangeError(`mac "${text}" is all zeros`);
  return bytes as unknown as MacAddress;
}

export function formatMac(mac: MacAddress): string {
  return mac.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** Builds the config struct; throws RangeError for anything the core would refuse. */
export function encodeE1000Config(cfg: E1000Config): Uint8Array {
  if (cfg.mac.length !== 6 || cfg.mac.some((b) => !Number.isInteger(b) || b < 0 || b > 255)) {
    throw new RangeError('mac must be six bytes');
  }
  if ((cfg.mac[0] & 1) !== 0) throw new RangeError(`mac ${formatMac(cfg.mac)} is a multicast address`);
  const bytes = new Uint8Array(E1000_CONFIG_SIZE);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, E1000_CONFIG_MAGIC, true);
  bytes.set(cfg.mac, 4);
  view.setUint32(12, cfg.linkUp === false ? 0 : E1000_FLAG_LINK_UP, true);
  return bytes;
}
