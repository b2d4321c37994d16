// SharedArrayBuffers whose first byte sits on a page boundary, so that views of them can be handed
// to O_DIRECT readv/writev without a bounce copy.
//
// Finding (measured here, Node 20.20 / V8 11.3 / glibc / Linux 6.18 ext4 on virtio-blk, whose
// queue has logical_block_size 512 and dma_alignment 511): a plain `new SharedArrayBuffer(n)` is
// NOT 512-byte aligned. Probing O_DIRECT 4 KiB reads at every byte offset of fresh buffers, the
// only offsets that succeed are (address + offset) % 512 == 0, and they put the buffer's base at
//   16 KiB SAB (malloc heap): base % 512 == 496;  1 MiB, 3 MiB, 16 MiB, 64 MiB SAB (glibc mmap
//   chunks): base % 512 == 16  -- the 16-byte malloc chunk header in front of a page-aligned mmap.
// Plain ArrayBuffers behave the same (both come from calloc in Node's ArrayBuffer allocator).
// So "byteOffset % 512 === 0" says nothing about alignment for an ordinary SharedArrayBuffer: a
// segment of guest RAM allocated that way would make every O_DIRECT request fail with EINVAL.
// The buffers of WebAssembly.Memory objects, shared or not, ARE page aligned (V8 reserves them
// with mmap): only offsets that are multiples of 512 succeed, starting at 0, for 64 KiB .. 64 MiB.
// Guest RAM that should be read and written with cache=none without copies must therefore come
// from allocatePageAlignedSharedBuffer() (or from an mmap wrapped by the native addon, which is
// page aligned too); buffer-alignment.ts verifies any other buffer by probing before trusting it.
// (The kernel also accepted a misaligned 512-byte segment that stays inside one page; a segment
// that crosses a page boundary must have 512-aligned pieces. We only rely on the stricter rule.)

const WASM_PAGE_BYTES = 65536;
/** A 32-bit WebAssembly.Memory holds at most 65536 pages (4 GiB). */
const MAX_WASM_PAGES = 65536;

const pageAligned = new WeakSet<ArrayBufferLike>();

/** The one piece of the WebAssembly JS API used here (tsconfig's ES2023 lib has no WebAssembly types). */
interface SharedWasmMemoryConstructor {
  new (descriptor: { initial: number; maximum: number; shared: true }): { readonly buffer: SharedArrayBuffer };
}
const WasmMemory = (globalThis as unknown as { WebAssembly: { Memory: SharedWasmMemoryConstructor } }).WebAssembly.Memory;

/**
 * A SharedArrayBuffer of at least `byteLength` bytes (rounded up to 64 KiB) whose base address is
 * page aligned. At most 4 GiB per buffer: larger guest RAM is several regions.
 */
export function allocatePageAlignedSharedBuffer(byteLength: number): SharedArrayBuffer {
  if (!Number.isSafeInteger(byteLength) || byteLength <= 0) {
    throw new RangeError(`page-aligned buffer size must be a positive integer, got ${byteLength}`);
  }
  const pages = Math.ceil(byteLength / WASM_PAGE_BYTES);
  if (pages > MAX_WASM_PAGES) {
    throw new RangeError(`page-aligned buffer of ${byteLength} bytes exceeds the 4 GiB limit of one WebAssembly.Memory`);
  }
  const buffer = new WasmMemory({ initial: pages, maximum: pages, shared: true }).buffer;
  pageAligned.add(buffer);
  return buffer;
}

/**
 * Declares that `buffer` starts on a page boundary (e.g. an external SharedArrayBuffer over an
 * mmap, or a page-aligned buffer received from another thread, where it is a new object).
 * Unregistered buffers are probed instead, which costs a few small O_DIRECT writes once.
 */
export function registerPageAlignedBuffer(buffer: ArrayBufferLike): void {
  pageAligned.add(buffer);
}

export function isKnownPageAligned(buffer: ArrayBufferLike): boolean {
  return pageAligned.has(buffer);
}
