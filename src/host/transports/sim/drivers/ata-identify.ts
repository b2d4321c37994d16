// Decoding IDENTIFY DEVICE / IDENTIFY PACKET DEVICE data (ATA/ATAPI-6 8.15-8.16; ATA8-ACS
// 7.16 for words 83/86/100-103): what libata's ata_dev_configure reads to decide capacity,
// addressing, transfer modes and multiple-sector support.

import { ATA_ID_WORDS } from './ata-regs.js';

export interface AtaIdentity {
  words: Uint16Array;
  /** Word 0 bits 15:14 = 10b: a packet (ATAPI) device. */
  isPacketDevice: boolean;
  model: string;
  serial: string;
  firmware: string;
  /** Word 49 bit 9. */
  lbaSupported: boolean;
  /** Word 49 bit 8. */
  dmaSupported: boolean;
  /** Word 83 bit 10 (supported) and word 86 bit 10 (enabled): 48-bit addressing usable. */
  lba48: boolean;
  /** User-addressable sectors: words 100-103 with LBA48, else words 60-61. */
  sectors: number;
  /** Word 47 bits 7:0: most sectors per DRQ block of READ/WRITE MULTIPLE (0 = unsupported). */
  maxMultiple: number;
  /** Word 59: current multiple setting when bit 8 is set, else 0. */
  currentMultiple: number;
  /** Word 63 bits 2:0 supported, 10:8 selected multiword DMA modes. */
  mwdmaSupported: number;
  mwdmaSelected: number;
  /** Word 88 bits 6:0 / 14:8 (valid when word 53 bit 2). */
  udmaSupported: number;
  udmaSelected: number;
  /** Highest PIO mode: 4/3 from word 64 (valid when word 53 bit 1), else 2 (word 51 rules). */
  maxPioMode: number;
  /** Word 82 bit 5 / word 85 bit 5. */
  writeCacheSupported: boolean;
  writeCacheEnabled: boolean;
  /** Word 83 bits 12 / 13. */
  flushCacheSupported: boolean;
  flushCacheExtSupported: boolean;
  /** Packet devices: word 0 bits 1:0 (0 = 12-byte, 1 = 16-byte packets). */
  packetBytes: 12 | 16;
  /** Packet devices: word 0 bits 12:8 (5 = CD/DVD). */
  packetDeviceType: number;
  /** Packet devices: word 0 bits 6:5 (0 = DRQ within 3 ms, 1 = INTRQ on DRQ, 2 = within 50 µs). */
  drqTiming: number;
  /** Word 255: null without the 0xA5 signature; else whether the checksum byte is right. */
  checksumOk: boolean | null;
}

export function parseIdentify(words: Uint16Array): AtaIdentity {
  if (words.length !== ATA_ID_WORDS) throw new RangeError(`IDENTIFY data is ${ATA_ID_WORDS} words, got ${words.length}`);
  const w = (i: number) => words[i]!;
  const bit = (i: number, b: number) => (w(i) & (1 << b)) !== 0;
  const isPacketDevice = (w(0) & 0xc000) === 0x8000;
  const lba48 = bit(83, 10) && bit(86, 10);
  const sectors = lba48
    ? w(100) + w(101) * 2 ** 16 + w(102) * 2 ** 32 + w(103) * 2 ** 48
    : w(60) + w(61) * 2 ** 16;
  const modes64Valid = bit(53, 1);
  const udmaValid = bit(53, 2);
  return {
    words,
    isPacketDevice,
    model: idString(words, 27, 47),
    serial: idString(words, 10, 20),
    firmware: idString(words, 23, 27),
    lbaSupported: bit(49, 9),
    dmaSupported: bit(49, 8),
    lba48,
    sectors,
    maxMultiple: w(47) & 0xff,
    currentMultiple: bit(59, 8) ? w(59) & 0xff : 0,
    mwdmaSupported: w(63) & 0x7,
    mwdmaSelected: (w(63) >> 8) & 0x7,
    udmaSupported: udmaValid ? w(88) & 0x7f : 0,
    udmaSelected: udmaValid ? (w(88) >> 8) & 0x7f : 0,
    maxPioMode: modes64Valid && w(64) & 0x2 ? 4 : modes64Valid && w(64) & 0x1 ? 3 : 2,
    writeCacheSupported: bit(82, 5),
    writeCacheEnabled: bit(85, 5),
    flushCacheSupported: bit(83, 12),
    flushCacheExtSupported: bit(83, 13),
    packetBytes: (w(0) & 0x3) === 1 ? 16 : 12,
    packetDeviceType: (w(0) >> 8) & 0x1f,
    drqTiming: (w(0) >> 5) & 0x3,
    checksumOk: checksum(words),
  };
}

/** IDENTIFY strings hold two ASCII characters per word, first character in the high byte. */
export function idString(words: Uint16Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += String.fromCharCode(words[i]! >> 8, words[i]! & 0xff);
  return s.replace(/\0/g, ' ').trim();
}

/** Highest mode bit set in a mode mask, or -1. */
export function highestMode(mask: number): number {
  return mask === 0 ? -1 : 31 - Math.clz32(mask);
}

function checksum(words: Uint16Array): boolean | null {
  if ((words[255]! & 0xff) !== 0xa5) return null;
  let sum = 0;
  for (const word of words) sum += (word & 0xff) + (word >> 8);
  return (sum & 0xff) === 0;
}
