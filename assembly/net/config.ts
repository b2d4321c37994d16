// The e1000 device configuration the worker writes at config_ptr() before init
// (little-endian; the TypeScript writer is src/workers/net/config.ts):
//   0 u32 magic 'E1K1' (0x45314B31)
//   4 u8[6] MAC address in wire order (EEPROM words 0-2 and RAL0/RAH0 after reset)
//   10 u16 reserved (0)
//   12 u32 flags: bit 0 link up at power-on (cable plugged in); other bits must be 0
//   16 u32 reserved (0)

import { CONFIG_MAX } from '../common/abi';

export const CONFIG_MAGIC: u32 = 0x45314b31;
export const CONFIG_SIZE: u32 = 20;
export const FLAG_LINK_UP: u32 = 1;

// ---- init() results (E1000InitResult in src/workers/net/config.ts)
export const INIT_OK: i32 = 0;
export const INIT_BAD_SIZE: i32 = 1;
export const INIT_BAD_MAGIC: i32 = 2;
export const INIT_BAD_MAC: i32 = 3;
export const INIT_BAD_FLAGS: i32 = 4;

export const MAC_LENGTH: u32 = 6;

export class NetConfig {
  /** The station address, wire order. */
  readonly mac: usize = heap.alloc(MAC_LENGTH);
  linkUp: bool = true;
}

/** The buffer config_ptr() returns. */
export const configBuffer: usize = heap.alloc(CONFIG_MAX);

/** Parses `len` bytes of the config buffer into `out`. Returns INIT_OK or why it was refused;
 *  `out` is only changed on INIT_OK. */
export function parseConfig(len: u32, out: NetConfig): i32 {
  if (len < CONFIG_SIZE || len > CONFIG_MAX) return INIT_BAD_SIZE;
  if (load<u32>(configBuffer) != CONFIG_MAGIC) return INIT_BAD_MAGIC;
  // A station address is a unicast address and not all zeros (IEEE 802: bit 0 of the first
  // byte marks a group address).
  const first = load<u8>(configBuffer, 4);
  let any: u32 = 0;
  for (let i: u32 = 0; i < MAC_LENGTH; i++) any |= <u32>load<u8>(configBuffer + 4 + i);
  if ((first & 1) != 0 || any == 0) return INIT_BAD_MAC;
  const flags = load<u32>(configBuffer, 12);
  if ((flags & ~FLAG_LINK_UP) != 0) return INIT_BAD_FLAGS;
  memory.copy(out.mac, configBuffer + 4, MAC_LENGTH);
  out.linkUp = (flags & FLAG_LINK_UP) != 0;
  return INIT_OK;
}
