// Helpers for splitting a register access of 1, 2 or 4 bytes into byte lanes. Many device
// registers are 8-bit; a wider guest access touches consecutive registers, lowest first.

/** I/O and config accesses the device model accepts. Anything else reads all-ones and
 *  is dropped on write, as for an undecoded access. */
export function isValidAccessSize(size: u32): bool {
  return size == 1 || size == 2 || size == 4;
}

/** All-ones of `size` bytes: what an unclaimed read returns. */
export function allOnes(size: u32): u64 {
  return size >= 8 ? u64.MAX_VALUE : (<u64>1 << (<u64>size * 8)) - 1;
}

/** Byte lane `lane` of a little-endian access value. */
export function byteLane(value: u64, lane: u32): u32 {
  return <u32>((value >> (<u64>lane * 8)) & 0xff);
}

/** Places `byte` at lane `lane` of a little-endian access value. */
export function withByteLane(value: u64, lane: u32, byte: u32): u64 {
  return value | (<u64>(byte & 0xff) << (<u64>lane * 8));
}
