// Big-endian field access for SCSI/MMC structures (CDBs and their replies are big-endian,
// while WebAssembly memory and ATA words are little-endian), plus fixed-width ASCII fields.

/** Reads a big-endian 16-bit field. */
export function loadBe16(ptr: usize): u32 {
  return (<u32>load<u8>(ptr) << 8) | <u32>load<u8>(ptr + 1);
}

/** Reads a big-endian 32-bit field. */
export function loadBe32(ptr: usize): u32 {
  return (<u32>load<u8>(ptr) << 24) | (<u32>load<u8>(ptr + 1) << 16) |
    (<u32>load<u8>(ptr + 2) << 8) | <u32>load<u8>(ptr + 3);
}

/** Writes a big-endian 16-bit field. */
export function storeBe16(ptr: usize, value: u32): void {
  store<u8>(ptr, <u8>(value >> 8));
  store<u8>(ptr + 1, <u8>value);
}

/** Writes a big-endian 32-bit field. */
export function storeBe32(ptr: usize, value: u32): void {
  store<u8>(ptr, <u8>(value >> 24));
  store<u8>(ptr + 1, <u8>(value >> 16));
  store<u8>(ptr + 2, <u8>(value >> 8));
  store<u8>(ptr + 3, <u8>value);
}

/** Copies `len` bytes of a fixed-width ASCII field, replacing anything outside printable
 *  ASCII by a space so that no guest ever sees control bytes in an identity string. */
export function copyPrintableAscii(dst: usize, src: usize, len: u32): void {
  for (let i: u32 = 0; i < len; i++) {
    const c = load<u8>(src + i);
    store<u8>(dst + i, c >= 0x20 && c < 0x7f ? c : 0x20);
  }
}

/** Writes a string literal (ASCII) into a fixed-width field, space padded or truncated. */
export function storeAsciiField(dst: usize, text: string, width: u32): void {
  const n = <u32>text.length;
  for (let i: u32 = 0; i < width; i++) {
    store<u8>(dst + i, i < n ? <u8>text.charCodeAt(i) : 0x20);
  }
}
