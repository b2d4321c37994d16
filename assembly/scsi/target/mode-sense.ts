// MODE SENSE(6) and MODE SENSE(10) (SPC-3, MODE SENSE commands): the mode parameter header, a block
// descriptor unless DBD is set (SBC-3 block descriptors: short, or long when MODE SENSE(10) sets LLBAA),
// then the requested page or all pages in ascending order.

import { storeBe16, storeBe32 } from '../../common/byte-order';
import { Cdb } from './cdb';
import { DiskMedium } from './disk-medium';
import {
  MODE_PAGE_ALL, MODE_PAGE_CACHING, MODE_PAGE_CONTROL, ModeParameters, PC_CHANGEABLE, PC_SAVED, SUBPAGE_ALL,
  writeModePage,
} from './mode-pages';
import { OP_MODE_SENSE_10 } from './scsi-opcodes';
import { INVALID_FIELD_IN_CDB, SAVING_PARAMETERS_NOT_SUPPORTED, SenseData } from './sense-data';

/** Device-specific parameter (SBC-3, mode parameter header): WP. DPOFUA stays 0, so initiators do not send
 *  FUA (Linux then writes barriers as SYNCHRONIZE CACHE), although FUA is honoured. */
const DEVICE_SPECIFIC_WP: u8 = 0x80;
const SHORT_BLOCK_DESCRIPTOR: u32 = 8;
const LONG_BLOCK_DESCRIPTOR: u32 = 16;
/** The largest reply: 8-byte header, long descriptor, caching and control pages. */
export const MAX_MODE_SENSE_LENGTH: u32 = 8 + LONG_BLOCK_DESCRIPTOR + 20 + 12;

/** NUMBER OF LOGICAL BLOCKS of a short descriptor when the capacity does not fit. */
const BLOCKS_TOO_MANY_FOR_SHORT: u32 = 0xffffffff;

function writeBlockDescriptor(dst: usize, long: bool, medium: DiskMedium, changeable: bool): u32 {
  const size = long ? LONG_BLOCK_DESCRIPTOR : SHORT_BLOCK_DESCRIPTOR;
  memory.fill(dst, 0, size);
  // Nothing in the descriptor can be changed: the changeable mask is all zeros.
  if (changeable) return size;
  const blocks = medium.blocks;
  if (long) {
    storeBe32(dst, <u32>(blocks >> 32));
    storeBe32(dst + 4, <u32>blocks);
    storeBe32(dst + 12, medium.blockSize);
  } else {
    storeBe32(dst, blocks > <u64>BLOCKS_TOO_MANY_FOR_SHORT ? BLOCKS_TOO_MANY_FOR_SHORT : <u32>blocks);
    storeBe32(dst + 4, medium.blockSize); // byte 4 reserved, 5-7 LOGICAL BLOCK LENGTH
  }
  return size;
}

/** Builds the reply at `dst` (MAX_MODE_SENSE_LENGTH bytes). Returns its full length (before
 *  the allocation length clips it), or -1 with `sense` set when the CDB asks for what the
 *  disk does not have. */
export function buildModeSense(
  dst: usize, cdb: Cdb, params: ModeParameters, medium: DiskMedium, sense: SenseData,
): i32 {
  const ten = cdb.opcode == OP_MODE_SENSE_10;
  const dbd = (cdb.byte(1) & 0x08) != 0;
  const llbaa = ten && (cdb.byte(1) & 0x10) != 0;
  const pc = cdb.byte(2) >> 6;
  const page = cdb.byte(2) & 0x3f;
  const subpage = cdb.byte(3);

  if (pc == PC_SAVED) {
    sense.setWithField(SAVING_PARAMETERS_NOT_SUPPORTED, true, 2);
    return -1;
  }
  if (page != MODE_PAGE_ALL && page != MODE_PAGE_CACHING && page != MODE_PAGE_CONTROL) {
    sense.setWithField(INVALID_FIELD_IN_CDB, true, 2);
    return -1;
  }
  if (subpage != 0 && subpage != SUBPAGE_ALL) {
    sense.setWithField(INVALID_FIELD_IN_CDB, true, 3);
    return -1;
  }

  const headerSize: u32 = ten ? 8 : 4;
  let at = dst + headerSize;
  let descriptorSize: u32 = 0;
  if (!dbd) {
    descriptorSize = writeBlockDescriptor(at, llbaa, medium, pc == PC_CHANGEABLE);
    at += descriptorSize;
  }
  if (page == MODE_PAGE_ALL || page == MODE_PAGE_CACHING) {
    at += <usize>writeModePage(at, MODE_PAGE_CACHING, pc, params);
  }
  if (page == MODE_PAGE_ALL || page == MODE_PAGE_CONTROL) {
    at += <usize>writeModePage(at, MODE_PAGE_CONTROL, pc, params);
  }
  const total = <u32>(at - dst);

  memory.fill(dst, 0, headerSize);
  const deviceSpecific: u8 = medium.readOnly ? DEVICE_SPECIFIC_WP : 0;
  if (ten) {
    storeBe16(dst, total - 2); // MODE DATA LENGTH excludes itself
    store<u8>(dst + 3, deviceSpecific);
    store<u8>(dst + 4, descriptorSize == LONG_BLOCK_DESCRIPTOR ? 1 : 0); // LONGLBA
    storeBe16(dst + 6, descriptorSize);
  } else {
    store<u8>(dst, <u8>(total - 1));
    store<u8>(dst + 2, deviceSpecific);
    store<u8>(dst + 3, <u8>descriptorSize);
  }
  return <i32>total;
}
