// TypeScript mirror of assembly/common/abi.ts: the contract between a device worker and
// its WASM core. test/unit/abi-mirror.test.ts checks that the constants agree.

import type { CorePtr, Lba } from '../../shared-mem/types.js';

/** Imports the worker supplies to a core, module "hvmio". */
export interface CoreImports {
  dma_read(gpa: bigint, len: number, dst: number): number;
  dma_write(gpa: bigint, src: number, len: number): number;
  set_irq(line: number, level: number): void;
  block_submit(reqId: number, drive: number, op: number, lba: bigint, sgPtr: number, sgCount: number): void;
  timer_arm(timerId: number, ns: bigint): void;
  log(level: number, ptr: number, len: number): void;
  /** Network cores only (assembly/common/abi.ts, "network"). */
  net_transmit?(reqId: number, sgPtr: number, sgCount: number): number;
}

/** Exports every core provides. */
export interface CoreExports {
  memory: WebAssembly.Memory;
  /** Scratch buffer of CONFIG_MAX bytes where the worker writes the device config. */
  config_ptr(): number;
  /** Applies the config written at config_ptr(); 0 = ok, otherwise a device-specific error. */
  init(configLen: number): number;
  reset(kind: number): void;
  io_read(space: number, offset: bigint, size: number): bigint;
  io_write(space: number, offset: bigint, size: number, value: bigint): void;
  /** Device-specific configuration registers (0x40..0xff); the bridge owns 0x00..0x3f. */
  pci_config_read(offset: number, size: number): number;
  /** Every config write, after the bridge applied it (so the core sees COMMAND changes). */
  pci_config_write(offset: number, size: number, value: number): void;
  complete(reqId: number, status: number): void;
  timer_fired(timerId: number): void;
  /** Executes `unreachable`: fault injection for supervision tests, reachable only through
   *  a worker started with fault injection enabled. */
  debug_fault(): void;
}

/** Optional exports of a core that shadows registers (assembly/common/abi.ts, "register
 *  shadow"): how many, and each one's packed descriptor (decodeShadowRegister). */
export interface ShadowCoreExports {
  shadow_count?(): number;
  shadow_register?(index: number): bigint;
  /** A shadowed register's value without read side effects; required with SHADOW_ZERO_ONLY. */
  shadow_peek?(index: number): number;
}

/** Extra exports of a network core (assembly/common/abi.ts, "network"). */
export interface NetCoreExports extends CoreExports {
  net_tx_complete(reqId: number, status: number): void;
  /** The backend has room again after net_transmit answered NET_TX_BUSY. */
  net_tx_ready(): void;
  net_rx_header_ptr(): number;
  net_rx_sg_ptr(): number;
  net_rx_begin(len: number): number;
  net_rx_end(len: number, status: number): void;
  /** Link state from the control plane (set_link): 1 up, 0 down; raises LSC. */
  net_set_link(up: number): void;
}

export const DMA_OK = 0;
export const DMA_FAULT = -1;

export const SPACE_BAR0 = 0;
export const SPACE_ROM = 6;
export const SPACE_LEGACY_IO = 7;
export const SPACE_LEGACY_MEM = 8;

export const IRQ_PCI_INTA = 0x100;

export const BLOCK_READ = 0;
export const BLOCK_WRITE = 1;
export const BLOCK_FLUSH = 2;
export type BlockOp = typeof BLOCK_READ | typeof BLOCK_WRITE | typeof BLOCK_FLUSH;

export const STATUS_OK = 0;
export const STATUS_EIO = -5;
export const STATUS_EFAULT = -14;
export const STATUS_EINVAL = -22;
export const STATUS_EROFS = -30;
export const STATUS_ENODEV = -19;

export const SG_ENTRY_SIZE = 16;
export const SG_FLAG_CORE_MEMORY = 1;

export const LOG_ERROR = 0;
export const LOG_WARN = 1;
export const LOG_INFO = 2;
export const LOG_DEBUG = 3;

export const RESET_POWER_ON = 0;
export const RESET_AFTER_CRASH = 1;
export const CONFIG_MAX = 4096;
export const SHADOW_MAX_REGISTERS = 16;
export const SHADOW_NARROW_READS = 1;
export const SHADOW_ZERO_ONLY = 2;

/** A shadow_register() descriptor, unpacked. */
export interface ShadowRegisterDescriptor {
  space: number;
  offset: number;
  size: number;
  flags: number;
}

/** Unpacks assembly/common/abi.ts shadowRegister(): offset bits 0-31, size 32-39, space 40-47,
 *  flags 48-55. */
export function decodeShadowRegister(packed: bigint): ShadowRegisterDescriptor {
  return {
    offset: Number(packed & 0xffff_ffffn),
    size: Number((packed >> 32n) & 0xffn),
    space: Number((packed >> 40n) & 0xffn),
    flags: Number((packed >> 48n) & 0xffn),
  };
}
export const NET_TX_OK = 0;
export const NET_TX_BUSY = -11;
export const NET_RX_HEADER_MAX = 128;
export const NET_RX_DISABLED = -1;
export const NET_RX_FILTERED = -2;
export const NET_RX_NO_BUFFER = -3;
export const NET_RX_BAD_LENGTH = -4;

/** One decoded scatter-gather entry. */
export interface SgEntry {
  addr: number;
  len: number;
  coreMemory: boolean;
}

/** A block request as a core submitted it. */
export interface CoreBlockRequest {
  reqId: number;
  drive: number;
  op: BlockOp;
  lba: Lba;
  sg: SgEntry[];
  sgPtr: CorePtr;
}
