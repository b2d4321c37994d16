// Walks a bus master Physical Region Descriptor table (PIIX3 datasheet 2.7.3, SFF-8038i
// 2.1) and turns the guest memory it describes into one scatter-gather list, so that a
// whole ATA command becomes a single block request (zero copy, batched).
//
// PRD entry, 8 bytes little-endian: u32 base (bit 0 ignored), u16 byte count (bit 0
// ignored, 0 means 64 KiB), bit 31 of the second dword = end of table (EOT).
// The walk reads the table a page-bounded chunk at a time, and stops when the transfer is
// covered, at EOT, when the table cannot be read, or after MAX_PRD_ENTRIES entries, so a
// table that never sets EOT (or loops back on itself in RAM) costs bounded work.

import { DMA_OK, dma_read } from '../common/abi';
import { SgList } from '../common/sg-list';

export const MAX_PRD_ENTRIES: u32 = 8192;
const PRD_ENTRY_SIZE: u32 = 8;
const PRD_EOT: u32 = 0x80000000;
const PAGE_SIZE: u32 = 4096;

/** The table covers the transfer. */
export const PRD_COVERED: u32 = 0;
/** EOT came before the transfer was covered ("PRDs too short"). */
export const PRD_SHORT: u32 = 1;
/** Reading the table hit memory outside guest RAM (a master abort). */
export const PRD_FAULT: u32 = 2;
/** MAX_PRD_ENTRIES entries without EOT and without covering the transfer. */
export const PRD_TOO_LONG: u32 = 3;

const chunk = heap.alloc(PAGE_SIZE);

export class PrdWalk {
  outcome: u32 = PRD_COVERED;
  /** Entries consumed. */
  entries: u32 = 0;
  /** Covered, but the table describes more than the transfer (or the last entry used was
   *  not EOT): the controller has regions left and keeps Active set (SFF-8038i table 3). */
  regionsLeft: bool = false;
}

/** Fills `sg` with the guest ranges of the first `needed` bytes the table at `tableAddr`
 *  describes. `out` says how the walk ended; `sg` is only meaningful for PRD_COVERED. */
export function walkPrdTable(tableAddr: u32, needed: u64, sg: SgList, out: PrdWalk): void {
  sg.clear();
  out.outcome = PRD_COVERED;
  out.entries = 0;
  out.regionsLeft = false;
  if (needed == 0) return;

  let addr = tableAddr;
  let inChunk: u32 = 0; // entries left in the chunk buffer
  let cursor: usize = chunk;
  let covered: u64 = 0;
  while (out.entries < MAX_PRD_ENTRIES) {
    if (inChunk == 0) {
      let bytes = (PAGE_SIZE - (addr & (PAGE_SIZE - 1))) & ~(PRD_ENTRY_SIZE - 1);
      // An entry straddling a page boundary is read on its own.
      if (bytes == 0) bytes = PRD_ENTRY_SIZE;
      if (dma_read(<u64>addr, bytes, chunk) != DMA_OK) {
        out.outcome = PRD_FAULT;
        return;
      }
      inChunk = bytes / PRD_ENTRY_SIZE;
      cursor = chunk;
    }
    const base = load<u32>(cursor) & ~<u32>1;
    const flags = load<u32>(cursor, 4);
    let count = flags & 0xfffe;
    if (count == 0) count = 0x10000;
    const eot = (flags & PRD_EOT) != 0;
    cursor += PRD_ENTRY_SIZE;
    inChunk--;
    addr += PRD_ENTRY_SIZE;
    out.entries++;

    const want = needed - covered;
    const take = <u64>count < want ? count : <u32>want;
    if (!sg.append(<u64>base, take, 0)) {
      out.outcome = PRD_TOO_LONG;
      return;
    }
    covered += take;
    if (covered == needed) {
      out.regionsLeft = take < count || !eot;
      return;
    }
    if (eot) {
      out.outcome = PRD_SHORT;
      return;
    }
  }
  out.outcome = PRD_TOO_LONG;
}
