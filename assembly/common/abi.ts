// The device ABI: what every core imports from its worker (module "hvmio") and the
// constants both sides agree on. The TypeScript mirror is src/workers/common/core-abi.ts;
// a change here must be made there too (test/unit/abi-mirror.test.ts compares them).

/** Guest-physical address. Guest RAM is never addressable from the core: only the worker
 *  resolves these, against its region table. */
export type GuestPhysAddr = u64;
/** Logical block address in 512-byte units (ATAPI 2048-byte blocks are multiplied by 4). */
export type Lba = u64;
/** Offset into this core's own linear memory. */
export type CorePtr = usize;

/** Copies `len` bytes of guest RAM at `gpa` into core memory at `dst`.
 *  Returns DMA_OK, or DMA_FAULT when any byte lies outside guest RAM (a master abort). */
@external("hvmio", "dma_read")
export declare function dma_read(gpa: GuestPhysAddr, len: u32, dst: CorePtr): i32;

/** Copies `len` bytes from core memory at `src` into guest RAM at `gpa`. Same results. */
@external("hvmio", "dma_write")
export declare function dma_write(gpa: GuestPhysAddr, src: CorePtr, len: u32): i32;

/** Drives an interrupt line: ISA IRQ 0-15, or IRQ_PCI_INTA. Level-triggered semantics. */
@external("hvmio", "set_irq")
export declare function set_irq(line: u32, level: u32): void;

/** Starts one asynchronous block request for drive `drive` of this device.
 *  `sg_ptr` points at `sg_count` SG entries (SG_ENTRY_SIZE bytes each, layout below).
 *  The worker answers later by calling the core's `complete(req_id, status)` export;
 *  never from inside this call. */
@external("hvmio", "block_submit")
export declare function block_submit(req_id: u32, drive: u32, op: u32, lba: Lba,
  sg_ptr: CorePtr, sg_count: u32): void;

/** Arms (or re-arms) timer `timer_id` to fire `ns` nanoseconds from now by calling
 *  `timer_fired(timer_id)`. A negative `ns` cancels it. */
@external("hvmio", "timer_arm")
export declare function timer_arm(timer_id: u32, ns: i64): void;

/** Logs `len` UTF-8 bytes at `ptr`. */
@external("hvmio", "log")
export declare function log(level: u32, ptr: CorePtr, len: u32): void;

// ---- results of dma_read / dma_write
export const DMA_OK: i32 = 0;
export const DMA_FAULT: i32 = -1;

// ---- io_read / io_write address spaces. BAR spaces carry the offset inside the BAR.
export const SPACE_BAR0: u32 = 0; // .. SPACE_BAR0 + 5
export const SPACE_ROM: u32 = 6;
/** Legacy (ISA-decoded) I/O port; the offset is the absolute port number. */
export const SPACE_LEGACY_IO: u32 = 7;
/** Legacy memory window; the offset is the absolute guest-physical address. */
export const SPACE_LEGACY_MEM: u32 = 8;

// ---- interrupt lines
/** PCI INTA# of this function (the transport maps it to a GSI / irqfd). */
export const IRQ_PCI_INTA: u32 = 0x100;

// ---- block ops
export const BLOCK_READ: u32 = 0;
export const BLOCK_WRITE: u32 = 1;
export const BLOCK_FLUSH: u32 = 2;

// ---- completion status (0 or a negative errno)
export const STATUS_OK: i32 = 0;
export const STATUS_EIO: i32 = -5;
export const STATUS_EFAULT: i32 = -14; // an SG range is outside guest RAM
export const STATUS_EINVAL: i32 = -22; // range beyond the image
export const STATUS_EROFS: i32 = -30; // write to a read-only drive
export const STATUS_ENODEV: i32 = -19; // the worker restarted; the request is gone

// ---- scatter-gather entries: { addr: u64, len: u32, flags: u32 }
export const SG_ENTRY_SIZE: u32 = 16;
/** `addr` is an offset into core memory (PIO sector buffers), not a guest-physical address. */
export const SG_FLAG_CORE_MEMORY: u32 = 1;

// ---- log levels
export const LOG_ERROR: u32 = 0;
export const LOG_WARN: u32 = 1;
export const LOG_INFO: u32 = 2;
export const LOG_DEBUG: u32 = 3;

// ---- reset kinds
/** PCI RST# / power on: everything back to power-on defaults. */
export const RESET_POWER_ON: u32 = 0;
/** The supervisor restarted this core after the previous one trapped mid-operation: reset as
 *  for power-on, then report the lost work the way the device reports failed work (an error
 *  plus an interrupt), so a driver waiting on it errors out and recovers instead of timing out. */
export const RESET_AFTER_CRASH: u32 = 1;

// ---- register shadow. A core may declare registers whose reads have no side effects in any
// state (reading them changes nothing, raises or lowers nothing, logs nothing). After every
// core call the worker reads them with io_read and publishes the values in shared memory, and
// the host answers a guest read of one of them from there, without waking the worker, while
// every request it sent has been served (src/shared-mem/register-shadow.ts,
// src/host/shadow-reader.ts). Declaring a register whose read has a side effect would lose
// that side effect: only declare what the datasheet says is a plain read.
// A core that shadows registers exports `shadow_count(): u32` (at most SHADOW_MAX_REGISTERS;
// read once, after init) and `shadow_register(index: u32): u64`, one packed descriptor
// (shadowRegister() below): the space (SPACE_*), the offset in it, the width (1, 2 or 4,
// offset naturally aligned) and SHADOW_* flags.
export const SHADOW_MAX_REGISTERS: u32 = 16;
/** Narrower aligned reads inside the register return the corresponding bytes of its value
 *  (its bytes are independent registers, or a little-endian whole without width effects). */
export const SHADOW_NARROW_READS: u32 = 1;
/** A read-to-clear register whose read changes nothing while its value is 0 (an interrupt
 *  cause register with no cause pending: nothing to clear, the line already low). The host
 *  answers from the shadow only while the published value is 0; any other value takes the
 *  ring and its side effects. A core declaring one must export `shadow_peek(index: u32): u32`,
 *  which the worker then uses instead of io_read to refresh every shadowed register: the
 *  register's value without any read side effect. */
export const SHADOW_ZERO_ONLY: u32 = 2;

/** Packs a shadow_register() descriptor: offset bits 0-31, size 32-39, space 40-47, flags 48-55. */
export function shadowRegister(space: u32, offset: u32, size: u32, flags: u32): u64 {
  return <u64>offset | (<u64>(size & 0xff) << 32) | (<u64>(space & 0xff) << 40) | (<u64>(flags & 0xff) << 48);
}

/** Size of the buffer `config_ptr()` returns; a device config must fit in it. */
export const CONFIG_MAX: u32 = 4096;

// ---- network (e1000). Frames are never copied by the core: transmit hands the worker an SG
// list of guest buffers (plus core-memory entries for headers the core rewrote for checksum
// offload or TSO), receive asks the core for guest buffers the worker writes the frame into.

/** Queues one frame for transmission on the device's network backend. `sg_ptr` points at
 *  `sg_count` SG entries (guest RAM, or SG_FLAG_CORE_MEMORY for rewritten headers) whose
 *  concatenation is the frame. Returns NET_TX_OK when accepted: the worker later calls the
 *  core's `net_tx_complete(req_id, status)` once the backend has taken the bytes (the guest
 *  buffers and core-memory headers must stay untouched until then); never from inside this
 *  call. Returns NET_TX_BUSY when the backend's queue is full: the core stops walking its
 *  transmit ring and resumes when the worker calls `net_tx_ready()`. */
@external("hvmio", "net_transmit")
export declare function net_transmit(req_id: u32, sg_ptr: CorePtr, sg_count: u32): i32;

export const NET_TX_OK: i32 = 0;
export const NET_TX_BUSY: i32 = -11;

// Receive, driven by the worker for each frame the backend delivers:
//  1. the worker copies the first min(len, NET_RX_HEADER_MAX) bytes to `net_rx_header_ptr()`;
//  2. `net_rx_begin(len)` filters (RCTL, addresses, VLAN) and reserves receive descriptors;
//     it returns the number of SG entries written at `net_rx_sg_ptr()` (guest buffers
//     covering `len` bytes, in order), or one of the NET_RX_* codes below (frame dropped,
//     the core has already counted it);
//  3. the worker writes the frame into those ranges and calls `net_rx_end(len, status)`
//     (STATUS_OK, or STATUS_EFAULT if a range was outside guest RAM), which writes the
//     descriptors back and raises the receive interrupt (with moderation).
// At most one frame is between begin and end at a time.
export const NET_RX_HEADER_MAX: u32 = 128;
/** Receiver disabled (RCTL.EN clear), link down, or device in reset. */
export const NET_RX_DISABLED: i32 = -1;
/** Rejected by the address / multicast / VLAN filters. */
export const NET_RX_FILTERED: i32 = -2;
/** No free receive descriptors (counted as missed packets, MPC / RNBC). */
export const NET_RX_NO_BUFFER: i32 = -3;
/** Longer than the receive configuration accepts (counted as ROC), or shorter than 14 bytes. */
export const NET_RX_BAD_LENGTH: i32 = -4;
// A network core also exports `net_tx_complete(req_id, status)`, `net_tx_ready()`,
// `net_rx_header_ptr()`, `net_rx_sg_ptr()`, `net_rx_begin(len)`, `net_rx_end(len, status)`
// and `net_set_link(up)` (link state from the control plane; a change raises LSC).
