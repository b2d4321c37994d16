// Memory move and LOAD/STORE (data manual 6.5, 6.6).
//   memory move: copies up to 16 MiB - 1 between two bus addresses (the destination is the
//     third dword); TEMP is left alone, which sym53c8xx relies on. Source and destination
//     must share their alignment within a dword. DMODE SIOM/DIOM would make an end an I/O
//     space address, which this model's DMA cannot reach: that is a bus fault.
//   LOAD / STORE: 1..4 bytes between registers and memory at an absolute or DSA-relative
//     address, which must be aligned like the register and must not cross a dword; an
//     address inside the chip's own operating registers (BAR1) is illegal.
// Addresses inside SCRIPTS RAM are served from the RAM (bus-memory.ts).

import { DMODE, DMODE_DIOM, DMODE_SIOM, DSA } from '../chip/register-map';
import { MMIO_BAR_SIZE } from '../chip/pci-function';
import {
  LS_DSA_RELATIVE, LS_LOAD, LS_RESERVED, MEM_LOAD_STORE, MM_RESERVED, byteCountOf, displace, lsCountOf,
  lsRegisterOf,
} from './instruction-fields';
import { OUT_NEXT, ScriptsProcessor } from './scripts-processor';

const COPY_CHUNK: u32 = 4096;
const copyBuffer: usize = heap.alloc(COPY_CHUNK);
const loadStoreBuffer: usize = heap.alloc(4);

export function executeMemory(p: ScriptsProcessor, insn: u32, arg: u32): u32 {
  return (insn & MEM_LOAD_STORE) != 0 ? loadStore(p, insn, arg) : memoryMove(p, insn, arg);
}

function memoryMove(p: ScriptsProcessor, insn: u32, source: u32): u32 {
  const dest = p.fetchExtraDword();
  if (!p.mem.ok) return p.busFault();
  if ((insn & MM_RESERVED) != 0 || ((source ^ dest) & 3) != 0) return p.illegal();
  if (p.regs.testBits(DMODE, DMODE_SIOM | DMODE_DIOM)) return p.busFault();
  let left = byteCountOf(insn);
  let from = <u64>source;
  let to = <u64>dest;
  while (left > 0) {
    const n = left < COPY_CHUNK ? left : COPY_CHUNK;
    if (!p.mem.read(from, n, copyBuffer) || !p.mem.write(to, copyBuffer, n)) return p.busFault();
    from += <u64>n;
    to += <u64>n;
    left -= n;
  }
  return OUT_NEXT;
}

function loadStore(p: ScriptsProcessor, insn: u32, arg: u32): u32 {
  const count = lsCountOf(insn);
  const reg = lsRegisterOf(insn);
  const addr = (insn & LS_DSA_RELATIVE) != 0 ? displace(p.regs.get32(DSA), arg) : arg;
  if ((insn & LS_RESERVED) != 0 || count < 1 || count > 4) return p.illegal();
  if ((reg & 3) != (addr & 3) || (addr & 3) + count > 4) return p.illegal();
  const regsAt = p.mem.pci.registersAddress;
  if (regsAt != 0 && <u64>addr >= regsAt && <u64>addr < regsAt + <u64>MMIO_BAR_SIZE) return p.illegal();
  if ((insn & LS_LOAD) != 0) {
    if (!p.mem.read(<u64>addr, count, loadStoreBuffer)) return p.busFault();
    for (let i: u32 = 0; i < count; i++) p.writeRegister(reg + i, <u32>load<u8>(loadStoreBuffer + <usize>i));
  } else {
    for (let i: u32 = 0; i < count; i++) store<u8>(loadStoreBuffer + <usize>i, <u8>p.readRegister(reg + i));
    if (!p.mem.write(<u64>addr, loadStoreBuffer, count)) return p.busFault();
  }
  return OUT_NEXT;
}
