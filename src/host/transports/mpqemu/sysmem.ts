// Guest RAM from SYNC_SYSMEM: turns the proxy's region list (guest-physical ranges, each a
// window of a memfd) into mapped regions `{ gpa, size, buffer }`, the shape GuestRam
// (src/shared-mem/guest-ram.ts) is built from (spec/mpqemu.md 5.1).
//
// QEMU re-sends the full list after every memory-topology change, about 20 times per boot,
// each time with fresh descriptors for the same memfd. A region whose (st_dev, st_ino, offset,
// size) is unchanged keeps its mapping, so workers keep their buffers; a mapping that drops out
// of the list is never unmapped here: it goes away when the last SharedArrayBuffer over it is
// collected in every thread (native addon, mapShared), so no worker can touch unmapped memory.
//
// A mapping holds its own reference to the file, so no descriptor is kept: every descriptor a
// SYNC_SYSMEM brought is closed before `apply` returns, whether it succeeded or not.
import { fstatSync } from 'node:fs';

import { type Fd, mapShared } from '../../../native/addon.js';
import type { GuestPhysAddr } from '../../../shared-mem/types.js';
import type { SysmemEntry } from './messages.js';
import { ProtocolError } from './protocol-error.js';
import { closeFds } from './received-fds.js';

/** One region of guest RAM; structurally a GuestRam `RamRegion` (buffer.byteLength === size). */
export interface SysmemRegion {
  gpa: GuestPhysAddr;
  size: number;
  buffer: SharedArrayBuffer;
}

/** Host page size on x86-64: mmap offsets must be multiples of it, and QEMU's RAM sections are. */
export const SYSMEM_PAGE_BYTES = 4096;

const LIMIT = 1n << 53n; // JS numbers are exact below this

interface PlannedRegion {
  index: number;
  gpa: number;
  size: number;
  offset: number;
  fd: Fd;
}

function bad(index: number, reason: string): ProtocolError {
  return new ProtocolError('bad-region', `SYNC_SYSMEM region ${index}: ${reason}`);
}

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

/** Checks one entry's numbers: exact, page-aligned, non-empty, ending below 2^53. */
function plan(entry: SysmemEntry, index: number): PlannedRegion {
  const { gpa, size, offset } = entry;
  if (gpa >= LIMIT || size >= LIMIT || offset < 0n || offset >= LIMIT) {
    throw bad(index, `gpa ${gpa}, size ${size} or offset ${offset} out of range`);
  }
  const g = Number(gpa);
  const s = Number(size);
  const o = Number(offset);
  if (s === 0) throw bad(index, 'size is zero');
  if (g % SYSMEM_PAGE_BYTES !== 0 || s % SYSMEM_PAGE_BYTES !== 0 || o % SYSMEM_PAGE_BYTES !== 0) {
    throw bad(index, `gpa ${hex(g)}, size ${hex(s)} and offset ${hex(o)} must be page-aligned`);
  }
  if (s > Number(LIMIT) - g || s > Number(LIMIT) - o) throw bad(index, 'ends above 2^53');
  return { index, gpa: g, size: s, offset: o, fd: entry.fd };
}

function rejectOverlaps(regions: readonly PlannedRegion[]): void {
  const sorted = [...regions].sort((a, b) => a.gpa - b.gpa);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    const cur = sorted[i]!;
    if (cur.gpa < prev.gpa + prev.size) {
      throw bad(cur.index, `[${hex(cur.gpa)}, +${hex(cur.size)}) overlaps region ${prev.index} at ${hex(prev.gpa)}`);
    }
  }
}

/** The mapping identity: same file, same window. */
function mappingKey(region: PlannedRegion): string {
  let st;
  try {
    st = fstatSync(region.fd, { bigint: true });
  } catch (err) {
    throw bad(region.index, `fstat of fd ${region.fd} failed: ${(err as Error).message}`);
  }
  if (!st.isFile()) throw bad(region.index, `fd ${region.fd} is not a memory file`);
  if (BigInt(region.offset) + BigInt(region.size) > st.size) {
    throw bad(region.index, `[offset ${hex(region.offset)}, +${hex(region.size)}) lies beyond the file's ${st.size} bytes`);
  }
  return `${st.dev}:${st.ino}:${region.offset}:${region.size}`;
}

export class SysmemMapper {
  /** Mappings of the last accepted SYNC_SYSMEM, by mappingKey. */
  private current = new Map<string, SharedArrayBuffer>();

  /**
   * Validates a SYNC_SYSMEM region list and maps it: page-aligned gpa/size/offset, no zero sizes,
   * no overlaps, inside the file. All or nothing: an invalid list throws ProtocolError and leaves
   * the previous mappings in place. Either way every descriptor in `entries` is closed.
   * Returns the regions sorted by gpa.
   */
  apply(entries: readonly SysmemEntry[]): SysmemRegion[] {
    try {
      const planned = entries.map(plan);
      rejectOverlaps(planned);
      const keys = planned.map(mappingKey);
      const next = new Map<string, SharedArrayBuffer>();
      const regions = planned.map((region, i) => {
        const key = keys[i]!;
        let buffer = next.get(key) ?? this.current.get(key);
        if (buffer === undefined) {
          try {
            buffer = mapShared(region.fd, region.size, region.offset);
          } catch (err) {
            throw bad(region.index, `mmap failed: ${(err as Error).message}`);
          }
        }
        next.set(key, buffer);
        return { gpa: region.gpa as GuestPhysAddr, size: region.size, buffer };
      });
      this.current = next;
      return regions.sort((a, b) => a.gpa - b.gpa);
    } finally {
      closeFds(entries.map((e) => e.fd));
    }
  }

  /** Number of distinct mappings the last accepted list uses. */
  get mappingCount(): number {
    return this.current.size;
  }

  /** Forgets every mapping (each is unmapped once no thread holds its buffer any more). */
  clear(): void {
    this.current = new Map();
  }
}
