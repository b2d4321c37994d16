// A received command descriptor block. The initiator's bytes are copied into a fixed
// buffer first, so that decoding can never read past what was sent, whatever length the
// controller reports: bytes the initiator did not send read as zero, and a CDB shorter than
// its operation code's group requires is refused before any field is looked at.

import { cdbLengthOfGroup } from './scsi-opcodes';

/** The longest fixed-length CDB (group 4). Longer CDBs only exist as variable-length CDBs,
 *  which this target does not implement; bytes past 16 are never needed. */
export const CDB_CAPACITY: u32 = 16;

export class Cdb {
  private readonly bytes: usize = heap.alloc(CDB_CAPACITY);
  /** The length the initiator sent (may exceed CDB_CAPACITY; only the first 16 are kept). */
  receivedLength: u32 = 0;

  /** Copies at most CDB_CAPACITY bytes of the CDB at `src`. */
  receive(src: usize, length: u32): void {
    memory.fill(this.bytes, 0, CDB_CAPACITY);
    memory.copy(this.bytes, src, length < CDB_CAPACITY ? length : CDB_CAPACITY);
    this.receivedLength = length;
  }

  get opcode(): u32 {
    return this.byte(0);
  }

  /** Length the operation code's group defines (0: reserved or vendor-specific group). */
  get groupLength(): u32 {
    return cdbLengthOfGroup(this.opcode);
  }

  /** True when all bytes of the group's CDB length arrived. */
  get complete(): bool {
    const needed = this.groupLength;
    return needed != 0 && this.receivedLength >= needed;
  }

  /** The CONTROL byte (last byte of the CDB; SAM-4, command descriptor block). */
  get control(): u32 {
    const length = this.groupLength;
    return length == 0 ? 0 : this.byte(length - 1);
  }

  /** Byte `index` of the CDB; 0 beyond CDB_CAPACITY. */
  byte(index: u32): u32 {
    return index < CDB_CAPACITY ? <u32>load<u8>(this.bytes + index) : 0;
  }

  /** Big-endian fields, as every CDB field is. */
  be16(index: u32): u32 {
    return (this.byte(index) << 8) | this.byte(index + 1);
  }

  be24(index: u32): u32 {
    return (this.byte(index) << 16) | (this.byte(index + 1) << 8) | this.byte(index + 2);
  }

  be32(index: u32): u32 {
    return (this.be16(index) << 16) | this.be16(index + 2);
  }

  be64(index: u32): u64 {
    return (<u64>this.be32(index) << 32) | <u64>this.be32(index + 4);
  }
}
