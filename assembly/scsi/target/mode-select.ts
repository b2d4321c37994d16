// MODE SELECT(6) and MODE SELECT(10) parameter lists (SPC-3, MODE SELECT commands): validated as a whole
// before anything is applied, so a rejected list changes nothing. Errors, as SPC-3 defines
// them: a list that cuts a header, descriptor or page short is a PARAMETER LIST LENGTH
// ERROR; a nonzero medium type, a block descriptor that would change the capacity or the
// block length, an unknown page or subpage, a wrong page length, or a change to a bit the
// changeable values do not allow is an INVALID FIELD IN PARAMETER LIST naming the byte.

import { loadBe16, loadBe32 } from '../../common/byte-order';
import { DiskMedium } from './disk-medium';
import {
  MAX_MODE_PAGE_SIZE, ModeParameters, PC_CHANGEABLE, PC_CURRENT, applyModePage, modePageLength, writeModePage,
} from './mode-pages';
import { INVALID_FIELD_IN_PARAMETER_LIST, PARAMETER_LIST_LENGTH_ERROR, SenseData } from './sense-data';

/** The longest parameter list accepted. A valid list holds a header, one block descriptor
 *  and the two pages (at most 56 bytes); this leaves room for repeated pages and refuses
 *  anything larger before its data phase (INVALID FIELD IN CDB on the length). */
export const MAX_MODE_SELECT_LIST: u32 = 512;

const currentImage: usize = heap.alloc(MAX_MODE_PAGE_SIZE);
const changeableMask: usize = heap.alloc(MAX_MODE_PAGE_SIZE);

/** Checks the block descriptor at `at` (`long`: 16-byte form). Returns the offset of a bad
 *  byte inside it, or -1. NUMBER OF LOGICAL BLOCKS may be 0 (no change) or the capacity
 *  as MODE SENSE reports it; the block length cannot change. */
function badDescriptorByte(at: usize, long: bool, medium: DiskMedium): i32 {
  if (long) {
    const blocks = (<u64>loadBe32(at) << 32) | <u64>loadBe32(at + 4);
    if (blocks != 0 && blocks != medium.blocks) return 0;
    if (loadBe32(at + 12) != medium.blockSize) return 12;
    return -1;
  }
  const blocks = <u64>loadBe32(at);
  const reported = medium.blocks > <u64>u32.MAX_VALUE ? <u64>u32.MAX_VALUE : medium.blocks;
  if (blocks != 0 && blocks != reported) return 0;
  const blockLength = (<u32>load<u8>(at + 5) << 16) | loadBe16(at + 6);
  if (blockLength != medium.blockSize) return 5;
  return -1;
}

/** Validates the `length`-byte list at `list` (`ten`: MODE SELECT(10) header) and, when it
 *  is valid, applies it to `params`. Returns false with `sense` set otherwise. */
export function applyModeSelect(
  list: usize, length: u32, ten: bool, params: ModeParameters, medium: DiskMedium, sense: SenseData,
): bool {
  const headerSize: u32 = ten ? 8 : 4;
  if (length < headerSize) {
    sense.set(PARAMETER_LIST_LENGTH_ERROR);
    return false;
  }
  const mediumTypeAt: u32 = ten ? 2 : 1;
  if (load<u8>(list + mediumTypeAt) != 0) {
    sense.setWithField(INVALID_FIELD_IN_PARAMETER_LIST, false, mediumTypeAt);
    return false;
  }
  // The device-specific parameter (WP, DPOFUA) is reserved in MODE SELECT: ignored.
  const longLba = ten && (load<u8>(list + 4) & 1) != 0;
  const descriptorLengthAt: u32 = ten ? 6 : 3;
  const descriptorLength: u32 = ten ? loadBe16(list + 6) : <u32>load<u8>(list + 3);
  if (descriptorLength != 0 && descriptorLength != (longLba ? 16 : 8)) {
    sense.setWithField(INVALID_FIELD_IN_PARAMETER_LIST, false, descriptorLengthAt);
    return false;
  }
  if (headerSize + descriptorLength > length) {
    sense.set(PARAMETER_LIST_LENGTH_ERROR);
    return false;
  }
  if (descriptorLength != 0) {
    const bad = badDescriptorByte(list + headerSize, longLba, medium);
    if (bad >= 0) {
      sense.setWithField(INVALID_FIELD_IN_PARAMETER_LIST, false, headerSize + <u32>bad);
      return false;
    }
  }

  // Pages: each iteration moves at least 2 bytes forward, and length is bounded by the
  // buffer, so the walk is bounded.
  const pagesStart = headerSize + descriptorLength;
  let offset = pagesStart;
  while (offset < length) {
    if (length - offset < 2) {
      sense.set(PARAMETER_LIST_LENGTH_ERROR);
      return false;
    }
    const pageByte = <u32>load<u8>(list + offset);
    const page = pageByte & 0x3f;
    const pageLength = <u32>load<u8>(list + offset + 1);
    if ((pageByte & 0x40) != 0) { // SPF: subpage format; the disk has no subpages
      sense.setWithField(INVALID_FIELD_IN_PARAMETER_LIST, false, offset);
      return false;
    }
    const expected = modePageLength(page);
    if (expected < 0) {
      sense.setWithField(INVALID_FIELD_IN_PARAMETER_LIST, false, offset);
      return false;
    }
    if (offset + 2 + pageLength > length) {
      sense.set(PARAMETER_LIST_LENGTH_ERROR);
      return false;
    }
    if (pageLength != <u32>expected) {
      sense.setWithField(INVALID_FIELD_IN_PARAMETER_LIST, false, offset + 1);
      return false;
    }
    writeModePage(currentImage, page, PC_CURRENT, params);
    writeModePage(changeableMask, page, PC_CHANGEABLE, params);
    for (let i: u32 = 2; i < 2 + pageLength; i++) {
      const given = load<u8>(list + offset + i);
      if (((given ^ load<u8>(currentImage + i)) & ~load<u8>(changeableMask + i)) != 0) {
        sense.setWithField(INVALID_FIELD_IN_PARAMETER_LIST, false, offset + i);
        return false;
      }
    }
    offset += 2 + pageLength;
  }

  // Valid as a whole: apply every page, in order (a later copy of a page wins).
  offset = pagesStart;
  while (offset < length) {
    const page = <u32>load<u8>(list + offset) & 0x3f;
    applyModePage(list + offset, page, params);
    offset += 2 + <u32>load<u8>(list + offset + 1);
  }
  return true;
}
