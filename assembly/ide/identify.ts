// IDENTIFY DEVICE and IDENTIFY PACKET DEVICE data (ATA/ATAPI-6 8.15 table 16 and 8.16
// table 18): 256 little-endian words. Strings are stored with the first character of each
// pair in the word's high byte. Word 255 is the integrity word: A5h in the low byte and a
// checksum making all 512 bytes sum to 0 modulo 256.

import { LBA28_LIMIT, MAX_MULTIPLE_SECTORS } from './ata-defs';
import { MODEL_LENGTH, SERIAL_LENGTH } from './config';
import { Drive } from './drive';

export const IDENTIFY_SIZE: u32 = 512;
const FIRMWARE_REVISION = "1.0";
const FIRMWARE_LENGTH: u32 = 8;
/** Cycle times in ns (words 65-68): the fastest each mode allows (MWDMA2, PIO4). */
const FASTEST_CYCLE_NS: u32 = 120;

@inline function putWord(dst: usize, word: u32, value: u32): void {
  store<u16>(dst + (word << 1), <u16>value);
}

/** Copies an ASCII field into words starting at `word`, swapping each character pair. */
function putString(dst: usize, word: u32, src: usize, len: u32): void {
  const out = dst + (word << 1);
  for (let i: u32 = 0; i + 1 < len; i += 2) {
    store<u8>(out + i, load<u8>(src + i + 1));
    store<u8>(out + i + 1, load<u8>(src + i));
  }
}

function putLiteral(dst: usize, word: u32, text: string, len: u32): void {
  const out = dst + (word << 1);
  for (let i: u32 = 0; i < len; i++) {
    const c: u32 = i < <u32>text.length ? <u32>text.charCodeAt(i) : 0x20;
    store<u8>(out + (i ^ 1), <u8>c);
  }
}

function putIdentityStrings(dst: usize, drive: Drive): void {
  putString(dst, 10, drive.config.serial, SERIAL_LENGTH);
  putLiteral(dst, 23, FIRMWARE_REVISION, FIRMWARE_LENGTH);
  putString(dst, 27, drive.config.model, MODEL_LENGTH);
}

/** Word 63: multiword DMA modes 0-2 supported, bits 8-10 the one selected. */
function mwdmaWord(drive: Drive): u32 {
  return 0x0007 | (drive.mwdmaMode >= 0 ? <u32>1 << (8 + <u32>drive.mwdmaMode) : 0);
}

function putTimings(dst: usize, drive: Drive): void {
  putWord(dst, 63, mwdmaWord(drive));
  putWord(dst, 64, 0x0003); // PIO modes 3 and 4
  putWord(dst, 65, FASTEST_CYCLE_NS);
  putWord(dst, 66, FASTEST_CYCLE_NS);
  putWord(dst, 67, FASTEST_CYCLE_NS);
  putWord(dst, 68, FASTEST_CYCLE_NS);
  putWord(dst, 80, 0x007e); // ATA/ATAPI-1..6
}

function putChecksum(dst: usize): void {
  putWord(dst, 255, 0x00a5);
  let sum: u32 = 0;
  for (let i: u32 = 0; i < IDENTIFY_SIZE - 1; i++) sum += load<u8>(dst + i);
  store<u8>(dst + IDENTIFY_SIZE - 1, <u8>(0x100 - (sum & 0xff)));
}

/** IDENTIFY DEVICE for an ATA disk. */
export function buildAtaIdentify(dst: usize, drive: Drive): void {
  memory.fill(dst, 0, IDENTIFY_SIZE);
  const sectors = drive.sectors;
  putWord(dst, 0, 0x0040); // ATA, fixed (not removable) device
  putWord(dst, 1, drive.defaultCylinders);
  putWord(dst, 3, 16);
  putWord(dst, 6, 63);
  putIdentityStrings(dst, drive);
  putWord(dst, 47, 0x8000 | MAX_MULTIPLE_SECTORS);
  putWord(dst, 49, 0x0f00); // IORDY supported and can be disabled, LBA, DMA
  putWord(dst, 50, 0x4000);
  putWord(dst, 51, 0x0200); // obsolete PIO timing: mode 2
  putWord(dst, 53, 0x0003); // words 54-58 and 64-70 valid
  // Current CHS translation (INITIALIZE DEVICE PARAMETERS) and its capacity.
  const cylinders = drive.currentCylinders;
  putWord(dst, 54, cylinders);
  putWord(dst, 55, drive.heads);
  putWord(dst, 56, drive.sectorsPerTrack);
  let chsCapacity = <u64>cylinders * <u64>drive.heads * <u64>drive.sectorsPerTrack;
  if (chsCapacity > sectors) chsCapacity = sectors;
  putWord(dst, 57, <u32>(chsCapacity & 0xffff));
  putWord(dst, 58, <u32>((chsCapacity >> 16) & 0xffff));
  putWord(dst, 59, 0x0100 | drive.multipleCount); // multiple setting valid
  const lba28 = sectors < LBA28_LIMIT ? sectors : LBA28_LIMIT - 1;
  putWord(dst, 60, <u32>(lba28 & 0xffff));
  putWord(dst, 61, <u32>(lba28 >> 16));
  putTimings(dst, drive);
  // Supported / enabled command sets: NOP (aborts, as NOP must), write cache, power
  // management; FLUSH CACHE EXT, FLUSH CACHE, 48-bit addressing.
  putWord(dst, 82, 0x4028);
  putWord(dst, 83, 0x7400);
  putWord(dst, 84, 0x4000);
  putWord(dst, 85, 0x4008 | (drive.writeCacheEnabled ? 0x0020 : 0));
  putWord(dst, 86, 0x3400);
  putWord(dst, 87, 0x4000);
  putWord(dst, 100, <u32>(sectors & 0xffff));
  putWord(dst, 101, <u32>((sectors >> 16) & 0xffff));
  putWord(dst, 102, <u32>((sectors >> 32) & 0xffff));
  putWord(dst, 103, <u32>((sectors >> 48) & 0xffff));
  putChecksum(dst);
}

/** IDENTIFY PACKET DEVICE for an ATAPI CD-ROM. */
export function buildAtapiIdentify(dst: usize, drive: Drive): void {
  memory.fill(dst, 0, IDENTIFY_SIZE);
  // ATAPI, CD-ROM (05h), removable, DRQ within 50 us of PACKET (no CDB interrupt),
  // 12-byte packets.
  putWord(dst, 0, 0x85c0);
  putIdentityStrings(dst, drive);
  putWord(dst, 49, 0x0f00); // IORDY, LBA, DMA
  putWord(dst, 53, 0x0002); // words 64-70 valid
  putTimings(dst, drive);
  // NOP, DEVICE RESET, PACKET feature set.
  putWord(dst, 82, 0x4210);
  putWord(dst, 83, 0x4000);
  putWord(dst, 84, 0x4000);
  putWord(dst, 85, 0x4210);
  putWord(dst, 87, 0x4000);
  putChecksum(dst);
}
