// The Internet checksum (RFC 1071): a 16-bit one's-complement sum over big-endian words,
// accumulated over pieces of any length (a piece may end on an odd byte).

export class OnesComplementSum {
  private sum: u64 = 0;
  /** The next byte is the low half of a 16-bit word. */
  private odd: bool = false;

  reset(initial: u32 = 0): void {
    this.sum = <u64>initial;
    this.odd = false;
  }

  addBytes(ptr: usize, len: u32): void {
    let i: u32 = 0;
    if (this.odd && len > 0) {
      this.sum += <u64>load<u8>(ptr);
      this.odd = false;
      i = 1;
    }
    for (; i + 1 < len; i += 2) {
      this.sum += (<u64>load<u8>(ptr + i) << 8) | <u64>load<u8>(ptr + i + 1);
    }
    if (i < len) {
      this.sum += <u64>load<u8>(ptr + i) << 8;
      this.odd = true;
    }
  }

  addWord(word: u32): void {
    this.sum += <u64>(word & 0xffff);
  }

  /** The folded 16-bit sum (not complemented). */
  folded(): u32 {
    let s = this.sum;
    while ((s >> 16) != 0) s = (s & 0xffff) + (s >> 16);
    return <u32>s;
  }

  /** The checksum field value: the complement of the folded sum. */
  checksum(): u32 {
    return ~this.folded() & 0xffff;
  }
}

/** Adds `value` into the 16-bit one's-complement quantity `word`. */
export function onesComplementAdd(word: u32, value: u32): u32 {
  let s = (word & 0xffff) + (value & 0xffff) + (value >>> 16);
  while ((s >> 16) != 0) s = (s & 0xffff) + (s >> 16);
  return s;
}
