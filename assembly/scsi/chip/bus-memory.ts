// The SCRIPTS processor's view of memory: a bus address is either inside the chip's own
// SCRIPTS RAM window (served from core memory, no bus cycle) or a host memory address reached
// by DMA through the worker (dma_read/dma_write, or an SG entry handed to the block backend).
// Host memory needs PCI bus mastering; an access that the worker refuses (outside guest RAM —
// which includes the chip's own register BARs and any other device) is a master abort, which
// the chip reports as a bus fault (DSTAT BF). DMA can therefore never reach device
// registers: guest RAM is the only thing the worker resolves.

import { DMA_OK, SG_FLAG_CORE_MEMORY, dma_read, dma_write } from '../../common/abi';
import { SgList } from '../../common/sg-list';
import { PciFunction } from './pci-function';
import { SCRIPTS_RAM_SIZE, ScriptsRam } from './scripts-ram';

/** appendRange results. */
export const APPEND_OK: i32 = 0;
export const APPEND_FULL: i32 = 1;
export const APPEND_FAULT: i32 = 2;

export class BusMemory {
  private readonly word: usize = heap.alloc(8);

  constructor(readonly ram: ScriptsRam, readonly pci: PciFunction) {}

  /** Copies `len` bytes at bus address `addr` into core memory `dst`. False on a bus fault. */
  read(addr: u64, len: u32, dst: usize): bool {
    return this.transfer(addr, len, dst, true);
  }

  /** Copies `len` bytes from core memory `src` to bus address `addr`. False on a bus fault. */
  write(addr: u64, src: usize, len: u32): bool {
    return this.transfer(addr, len, src, false);
  }

  /** Reads a little-endian dword; `ok` tells whether it faulted. */
  read32(addr: u64): u32 {
    this.ok = this.read(addr, 4, this.word);
    return this.ok ? load<u32>(this.word) : 0;
  }

  /** Result of the last read32. */
  ok: bool = true;

  /** Adds [addr, addr+len) to `sg` for the block backend: host memory as guest-physical
   *  entries, a part inside SCRIPTS RAM as core-memory entries. */
  appendRange(sg: SgList, addr: u64, len: u32): i32 {
    let at = addr;
    let left = len;
    // At most three pieces: before, inside and after the RAM window.
    for (let piece = 0; piece < 3 && left > 0; piece++) {
      const n = this.pieceLength(at, left);
      if (this.ram.contains(at, <u64>n)) {
        if (!sg.append(<u64>this.ram.pointerOf(at), n, SG_FLAG_CORE_MEMORY)) return APPEND_FULL;
      } else {
        if (!this.pci.busMasterEnabled) return APPEND_FAULT;
        if (!sg.append(at, n, 0)) return APPEND_FULL;
      }
      at += <u64>n;
      left -= n;
    }
    return left == 0 ? APPEND_OK : APPEND_FAULT;
  }

  private transfer(addr: u64, len: u32, core: usize, toCore: bool): bool {
    let at = addr;
    let left = len;
    let ptr = core;
    for (let piece = 0; piece < 3 && left > 0; piece++) {
      const n = this.pieceLength(at, left);
      if (this.ram.contains(at, <u64>n)) {
        if (toCore) memory.copy(ptr, this.ram.pointerOf(at), n);
        else memory.copy(this.ram.pointerOf(at), ptr, n);
      } else {
        if (!this.pci.busMasterEnabled) return false;
        const rc = toCore ? dma_read(at, n, ptr) : dma_write(at, ptr, n);
        if (rc != DMA_OK) return false;
      }
      at += <u64>n;
      ptr += <usize>n;
      left -= n;
    }
    return left == 0;
  }

  /** Length of the leading piece of [at, at+left) that is all inside or all outside the RAM
   *  window. */
  private pieceLength(at: u64, left: u32): u32 {
    const ram = this.ram;
    if (ram.busAddress == 0) return left;
    const ramStart = ram.busAddress;
    const ramEnd = ramStart + <u64>ram.size;
    if (at < ramStart) {
      const gap = ramStart - at;
      return gap < <u64>left ? <u32>gap : left;
    }
    if (at < ramEnd) {
      const room = ramEnd - at;
      return room < <u64>left ? <u32>room : left;
    }
    return left;
  }
}
