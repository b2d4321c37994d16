// Test harness for a WASM device core: loads build/<name>.wasm under @wasmer/wasi with the
// device ABI (module "hvmio") faked in-process. Guest RAM is a plain Uint8Array; DMA outside
// it fails like a master abort. Block requests are recorded and served from in-memory
// images, with completion under the test's control (manual, explicit flush, or a queued
// microtask), never from inside block_submit, as the real worker guarantees. Interrupt
// levels, and every change of them, are recorded. Generic: any core built from
// assembly/<name>/index.ts can be driven through it.

import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { init, WASI } from '@wasmer/wasi';
import {
  BLOCK_FLUSH,
  BLOCK_READ,
  BLOCK_WRITE,
  DMA_FAULT,
  DMA_OK,
  NET_TX_BUSY,
  SG_ENTRY_SIZE,
  SG_FLAG_CORE_MEMORY,
  STATUS_EFAULT,
  STATUS_EINVAL,
  STATUS_OK,
  type BlockOp,
  type CoreBlockRequest,
  type CoreExports,
  type CoreImports,
  type SgEntry,
} from '../../src/workers/common/core-abi.js';
import { corePtr, lba as toLba, SECTOR_SIZE } from '../../src/shared-mem/types.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A disk image the fake backend serves, in 512-byte sectors. */
export interface BlockImage {
  readonly sectors: number;
  read(lba: number, bytes: number): Uint8Array;
  write(lba: number, data: Uint8Array): void;
}

/** An image held entirely in memory. */
export class MemoryImage implements BlockImage {
  readonly bytes: Uint8Array;
  constructor(sizeOrBytes: number | Uint8Array) {
    this.bytes = typeof sizeOrBytes === 'number' ? new Uint8Array(sizeOrBytes) : sizeOrBytes;
  }
  get sectors(): number {
    return Math.floor(this.bytes.length / SECTOR_SIZE);
  }
  read(lba: number, bytes: number): Uint8Array {
    return this.bytes.slice(lba * SECTOR_SIZE, lba * SECTOR_SIZE + bytes);
  }
  write(lba: number, data: Uint8Array): void {
    this.bytes.set(data, lba * SECTOR_SIZE);
  }
  /** Fills every sector with a pattern derived from its LBA, so misplaced data is visible. */
  static patterned(sectors: number, seed = 0): MemoryImage {
    const img = new MemoryImage(sectors * SECTOR_SIZE);
    for (let s = 0; s < sectors; s++) {
      for (let i = 0; i < SECTOR_SIZE; i++) img.bytes[s * SECTOR_SIZE + i] = (s * 7 + i * 13 + seed) & 0xff;
    }
    return img;
  }
}

/** A huge image of which only written sectors take memory; unwritten ones read as a
 *  pattern of their LBA (the LBA as a little-endian u64 at the start of the sector). */
export class SparseImage implements BlockImage {
  private readonly written = new Map<number, Uint8Array>();
  constructor(readonly sectors: number) {}
  read(lba: number, bytes: number): Uint8Array {
    const out = new Uint8Array(bytes);
    for (let off = 0; off < bytes; off += SECTOR_SIZE) {
      const s = lba + off / SECTOR_SIZE;
      out.set(this.sector(s).subarray(0, Math.min(SECTOR_SIZE, bytes - off)), off);
    }
    return out;
  }
  write(lba: number, data: Uint8Array): void {
    for (let off = 0; off < data.length; off += SECTOR_SIZE) {
      this.written.set(lba + off / SECTOR_SIZE, data.slice(off, off + SECTOR_SIZE));
    }
  }
  sector(lba: number): Uint8Array {
    const w = this.written.get(lba);
    if (w) return w;
    const s = new Uint8Array(SECTOR_SIZE);
    new DataView(s.buffer).setBigUint64(0, BigInt(lba), true);
    return s;
  }
}

/** When block requests complete: only when the test says so (`complete`/`flush`), or on a
 *  queued microtask after submission. */
export type CompletionMode = 'manual' | 'microtask';

export interface LoadCoreOptions {
  /** Guest RAM size in bytes (default 4 MiB). */
  ramBytes?: number;
  /** Images by drive number (the `drive` argument of block_submit). */
  images?: Record<number, BlockImage>;
  completion?: CompletionMode;
  /** Replaces individual imports (e.g. to inject DMA faults). */
  imports?: Partial<CoreImports>;
}

export interface LogLine {
  level: number;
  text: string;
}

export interface IrqChange {
  line: number;
  level: number;
}

export interface CoreHarness<E extends CoreExports = CoreExports> {
  readonly core: E;
  readonly ram: Uint8Array;
  readonly images: Map<number, BlockImage>;
  completion: CompletionMode;
  /** Every request submitted, in order. */
  readonly submitted: CoreBlockRequest[];
  /** Requests submitted and not yet completed. */
  readonly pending: CoreBlockRequest[];
  readonly irqChanges: IrqChange[];
  readonly logs: LogLine[];
  /** Current level of an interrupt line (0 if never driven). */
  irq(line: number): number;
  /** Writes `config` at config_ptr() and calls init; returns init's result. */
  init(config: Uint8Array): number;
  /** Copy of core memory. */
  coreBytes(ptr: number, len: number): Uint8Array;
  /** Moves the data of `req` between its image and its SG entries; returns the status a
   *  backend would report (EINVAL beyond the image, EFAULT for a range outside RAM). */
  serve(req: CoreBlockRequest): number;
  /** Completes `req` with `status`, without serving it (removes it from `pending`). */
  complete(req: CoreBlockRequest, status: number): void;
  /** Serves and completes every pending request, including ones submitted meanwhile
   *  (bounded); returns how many were completed. */
  flush(): number;
  /** Lets queued microtask completions run. */
  settle(): Promise<void>;
  /** What the core printed through WASI. */
  output(): string;
}

let wasiReady: Promise<void> | null = null;
const modules = new Map<string, Promise<WebAssembly.Module>>();

function compileCore(name: string): Promise<WebAssembly.Module> {
  let m = modules.get(name);
  if (!m) {
    const path = join(repoRoot, 'build', `${name}.wasm`);
    m = readFile(path).then(
      (bytes) => WebAssembly.compile(bytes),
      (err: unknown) => {
        throw new Error(`core ${name}: cannot read ${path} (run \`npm run build:wasm\`): ${String(err)}`);
      },
    );
    modules.set(name, m);
  }
  return m;
}

const FLUSH_BOUND = 100_000;

export async function loadCore<E extends CoreExports = CoreExports>(
  name: string,
  options: LoadCoreOptions = {},
): Promise<CoreHarness<E>> {
  wasiReady ??= init();
  await wasiReady;
  const module = await compileCore(name);

  const ram = new Uint8Array(options.ramBytes ?? 4 * 1024 * 1024);
  const images = new Map<number, BlockImage>(Object.entries(options.images ?? {}).map(([k, v]) => [Number(k), v]));
  const submitted: CoreBlockRequest[] = [];
  const pending: CoreBlockRequest[] = [];
  const irqChanges: IrqChange[] = [];
  const irqLevels = new Map<number, number>();
  const logs: LogLine[] = [];
  let core: E | null = null;
  const mem = (): Uint8Array => {
    if (!core) throw new Error('core not instantiated yet');
    return new Uint8Array(core.memory.buffer);
  };
  const inRam = (addr: number, len: number): boolean => addr >= 0 && len >= 0 && addr + len <= ram.length;

  const harness: CoreHarness<E> = {
    get core(): E {
      if (!core) throw new Error('core not instantiated yet');
      return core;
    },
    ram,
    images,
    completion: options.completion ?? 'manual',
    submitted,
    pending,
    irqChanges,
    logs,
    irq: (line) => irqLevels.get(line) ?? 0,
    init(config) {
      const ptr = harness.core.config_ptr();
      mem().set(config, ptr);
      return harness.core.init(config.length);
    },
    coreBytes: (ptr, len) => mem().slice(ptr, ptr + len),
    serve(req) {
      const image = images.get(req.drive);
      if (req.op === BLOCK_FLUSH) return STATUS_OK;
      const total = req.sg.reduce((n, e) => n + e.len, 0);
      if (!image || Number(req.lba) * SECTOR_SIZE + total > image.sectors * SECTOR_SIZE) return STATUS_EINVAL;
      for (const e of req.sg) if (!e.coreMemory && !inRam(e.addr, e.len)) return STATUS_EFAULT;
      let offset = 0;
      if (req.op === BLOCK_READ) {
        const data = image.read(Number(req.lba), total);
        for (const e of req.sg) {
          (e.coreMemory ? mem() : ram).set(data.subarray(offset, offset + e.len), e.addr);
          offset += e.len;
        }
      } else {
        const data = new Uint8Array(total);
        for (const e of req.sg) {
          data.set((e.coreMemory ? mem() : ram).subarray(e.addr, e.addr + e.len), offset);
          offset += e.len;
        }
        image.write(Number(req.lba), data);
      }
      return STATUS_OK;
    },
    complete(req, status) {
      const i = pending.indexOf(req);
      if (i >= 0) pending.splice(i, 1);
      harness.core.complete(req.reqId, status);
    },
    flush() {
      let n = 0;
      while (pending.length > 0) {
        if (++n > FLUSH_BOUND) throw new Error('flush: core keeps submitting requests');
        const req = pending[0]!;
        harness.complete(req, harness.serve(req));
      }
      return n;
    },
    async settle() {
      for (let i = 0; i < 10; i++) await Promise.resolve();
    },
    output: () => wasi.getStdoutString() + wasi.getStderrString(),
  };

  const decodeSg = (sgPtr: number, sgCount: number): SgEntry[] => {
    const view = new DataView(harness.core.memory.buffer);
    const entries: SgEntry[] = [];
    for (let i = 0; i < sgCount; i++) {
      const at = sgPtr + i * SG_ENTRY_SIZE;
      entries.push({
        addr: Number(view.getBigUint64(at, true)),
        len: view.getUint32(at + 8, true),
        coreMemory: (view.getUint32(at + 12, true) & SG_FLAG_CORE_MEMORY) !== 0,
      });
    }
    return entries;
  };

  const imports: CoreImports = {
    dma_read(gpa, len, dst) {
      const a = Number(gpa);
      if (!inRam(a, len)) return DMA_FAULT;
      mem().set(ram.subarray(a, a + len), dst);
      return DMA_OK;
    },
    dma_write(gpa, src, len) {
      const a = Number(gpa);
      if (!inRam(a, len)) return DMA_FAULT;
      ram.set(mem().subarray(src, src + len), a);
      return DMA_OK;
    },
    set_irq(line, level) {
      irqLevels.set(line, level);
      irqChanges.push({ line, level });
    },
    block_submit(reqId, drive, op, lbaValue, sgPtr, sgCount) {
      const req: CoreBlockRequest = {
        reqId,
        drive,
        op: op as BlockOp,
        lba: toLba(Number(lbaValue)),
        sg: decodeSg(sgPtr, sgCount),
        sgPtr: corePtr(sgPtr),
      };
      if (op !== BLOCK_READ && op !== BLOCK_WRITE && op !== BLOCK_FLUSH) throw new Error(`block_submit: bad op ${op}`);
      submitted.push(req);
      pending.push(req);
      if (harness.completion === 'microtask') {
        queueMicrotask(() => {
          if (pending.includes(req)) harness.complete(req, harness.serve(req));
        });
      }
    },
    timer_arm() {},
    // A network core without a backend attached (test/helpers/net-harness.ts provides one):
    // every frame is refused as if the backend's queue were full.
    net_transmit() {
      return NET_TX_BUSY;
    },
    log(level, ptr, len) {
      logs.push({ level, text: new TextDecoder().decode(mem().subarray(ptr, ptr + len)) });
    },
    ...options.imports,
  };

  // @wasmer/wasi 1.2.2 traps (RuntimeError: unreachable, inside wasmer) when the import
  // object offers a function the module does not import, so only declared ones are passed.
  const declared = new Set(
    WebAssembly.Module.imports(module)
      .filter((i) => i.module === 'hvmio')
      .map((i) => i.name),
  );
  const offered = Object.fromEntries(Object.entries(imports).filter(([name]) => declared.has(name)));
  const wasi = new WASI({ env: {}, args: [] });
  const instance = wasi.instantiate(module, { hvmio: offered as WebAssembly.ModuleImports });
  core = instance.exports as unknown as E;
  wasi.start(instance);
  return harness;
}
