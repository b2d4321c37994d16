// The receive ring (SDM 3.2): RCTL, RDBAL/RDBAH/RDLEN/RDH/RDT, RXDCTL, RXCSUM and legacy
// receive descriptors (SDM 3.2.3). A frame from the backend is filtered on its header,
// then descriptors for it are reserved and their buffers handed to the worker as an SG list
// (the worker writes the frame straight into guest memory); the write-back of length,
// status (DD, EOP, VP, IXSM) and special field happens when the worker says it is done.
// A frame that does not fit in the free descriptors is dropped whole and counted (MPC, RNBC,
// RXO), as is a frame for a ring that is misconfigured (RDLEN 0, RDH or RDT past the end,
// descriptors outside guest RAM).

import {
  CorePtr, DMA_OK, GuestPhysAddr, NET_RX_BAD_LENGTH, NET_RX_DISABLED, NET_RX_FILTERED, NET_RX_HEADER_MAX,
  NET_RX_NO_BUFFER, SG_FLAG_CORE_MEMORY, STATUS_OK, dma_read, dma_write,
} from '../common/abi';
import { SgList } from '../common/sg-list';
import { Interrupts } from './interrupts';
import {
  CTRL_VME, ICR_RXDMT0, ICR_RXO, RCTL_BSEX, RCTL_BSIZE_SHIFT, RCTL_EN, RCTL_LPE, RCTL_RDMTS_SHIFT,
  RCTL_SECRC,
} from './registers';
import { FILTER_BROADCAST, FILTER_MULTICAST, FILTER_REJECT, ReceiveFilter } from './rx-filter';
import { STAT_MPC, STAT_RNBC, STAT_ROC, STAT_RUC, Statistics } from './statistics';

export const RX_DESCRIPTOR_SIZE: u32 = 16;
const RX_STATUS_DD: u8 = 0x01;
const RX_STATUS_EOP: u8 = 0x02;
const RX_STATUS_IXSM: u8 = 0x04;
const RX_STATUS_VP: u8 = 0x08;
const RX_ERROR_RXE: u8 = 0x80;

const ETH_HEADER: u32 = 14;
const ETH_ADDRESSES: u32 = 12;
const VLAN_TAG: u32 = 4;
const FCS: u32 = 4;
/** Longest frame (without FCS) with RCTL.LPE clear: 1522 bytes on the wire (SDM 13.4.22). */
const MAX_NORMAL_FRAME: u32 = 1518;
/** Longest frame (without FCS) with LPE: the receive FIFO limit of 16 KiB. */
const MAX_LONG_FRAME: u32 = 16384 - FCS;
/** Descriptors one frame may take: a 16 KiB frame in 256-byte buffers. */
const MAX_FRAME_DESCRIPTORS: u32 = 64;
const RX_SG_CAPACITY: u32 = MAX_FRAME_DESCRIPTORS + 2;
const RING_BASE_MASK: u64 = ~<u64>0xf;
const RDLEN_MASK: u32 = 0xfff80;
const INDEX_MASK: u32 = 0xffff;

export class ReceiveRing {
  control: u32 = 0;
  baseLow: u32 = 0;
  baseHigh: u32 = 0;
  lengthBytes: u32 = 0;
  head: u32 = 0;
  tail: u32 = 0;
  descriptorControl: u32 = 0;
  checksumControl: u32 = 0;
  smallPacketSize: u32 = 0;

  /** Header copy the worker fills before net_rx_begin. */
  readonly header: CorePtr = heap.alloc(NET_RX_HEADER_MAX);
  readonly sg: SgList = new SgList(heap.alloc(RX_SG_CAPACITY * 16), RX_SG_CAPACITY);
  private readonly descriptors: CorePtr = heap.alloc(MAX_FRAME_DESCRIPTORS * RX_DESCRIPTOR_SIZE);
  /** Where the 4 bytes of a stripped VLAN tag go (nowhere the guest sees). */
  private readonly tagSink: CorePtr = heap.alloc(VLAN_TAG);
  private readonly writeBack: CorePtr = heap.alloc(8);

  // The reservation between net_rx_begin and net_rx_end.
  private reserved: bool = false;
  private reservedHead: u32 = 0;
  private reservedCount: u32 = 0;
  private storedLength: u32 = 0;
  private strippedTag: u32 = 0;
  private stripped: bool = false;
  private kind: u32 = 0;

  constructor(
    private readonly filter: ReceiveFilter,
    private readonly stats: Statistics,
    private readonly interrupts: Interrupts,
  ) {}

  reset(): void {
    this.control = 0;
    this.baseLow = 0;
    this.baseHigh = 0;
    this.lengthBytes = 0;
    this.head = 0;
    this.tail = 0;
    this.descriptorControl = 0x00010000; // RXDCTL: WTHRESH 1 (SDM 13.4.31)
    this.checksumControl = 0x00000300; // RXCSUM: TUOFL and IPOFL set (SDM 13.4.34)
    this.smallPacketSize = 0;
    this.reserved = false;
  }

  get base(): GuestPhysAddr {
    return ((<u64>this.baseHigh << 32) | <u64>this.baseLow) & RING_BASE_MASK;
  }

  get descriptorCount(): u32 {
    return (this.lengthBytes & RDLEN_MASK) / RX_DESCRIPTOR_SIZE;
  }

  // ---- register writes; any change of the ring forgets a reservation in progress
  writeControl(value: u32): void {
    this.control = value;
    if ((value & RCTL_EN) == 0) this.reserved = false;
  }
  writeBaseLow(value: u32): void { this.baseLow = value & ~0xf; this.reserved = false; }
  writeBaseHigh(value: u32): void { this.baseHigh = value; this.reserved = false; }
  writeLength(value: u32): void { this.lengthBytes = value & RDLEN_MASK; this.reserved = false; }
  writeHead(value: u32): void { this.head = value & INDEX_MASK; this.reserved = false; }
  writeTail(value: u32): void { this.tail = value & INDEX_MASK; }

  /** Receive buffer size from RCTL.BSIZE and BSEX (SDM 13.4.22); the reserved combination
   *  (BSEX with BSIZE 00) is taken as 2048. */
  bufferSize(): u32 {
    const code = (this.control >> RCTL_BSIZE_SHIFT) & 3;
    if ((this.control & RCTL_BSEX) != 0 && code != 0) return 32768 >> code;
    return 2048 >> code;
  }

  /** Free descriptors owned by hardware: RDH up to (not including) RDT. */
  private available(count: u32): u32 {
    if (count == 0 || this.head >= count || this.tail >= count) return 0;
    return (this.tail + count - this.head) % count;
  }

  /** net_rx_begin: see assembly/common/abi.ts. */
  begin(len: u32, ctrl: u32, vlanEther: u32, linkUp: bool): i32 {
    this.reserved = false;
    if ((this.control & RCTL_EN) == 0 || !linkUp) return NET_RX_DISABLED;
    if (len < ETH_HEADER) {
      this.stats.count(STAT_RUC);
      return NET_RX_BAD_LENGTH;
    }
    const longest = (this.control & RCTL_LPE) != 0 ? MAX_LONG_FRAME : MAX_NORMAL_FRAME;
    if (len > longest) {
      this.stats.count(STAT_ROC);
      return NET_RX_BAD_LENGTH;
    }
    this.stats.anyReceive(len + FCS);

    const etherType = (<u32>load<u8>(this.header, 12) << 8) | <u32>load<u8>(this.header, 13);
    const tagged = len >= ETH_HEADER + VLAN_TAG && etherType == (vlanEther & 0xffff);
    let tci: u32 = 0;
    if (tagged) {
      tci = (<u32>load<u8>(this.header, 14) << 8) | <u32>load<u8>(this.header, 15);
      if (!this.filter.vlanAccepts(tci, this.control)) return NET_RX_FILTERED;
    }
    const kind = this.filter.classify(this.header, this.control);
    if (kind == FILTER_REJECT) return NET_RX_FILTERED;

    const strip = tagged && (ctrl & CTRL_VME) != 0;
    const frameInMemory = strip ? len - VLAN_TAG : len;
    const stored = frameInMemory + ((this.control & RCTL_SECRC) != 0 ? 0 : FCS);
    const bufferSize = this.bufferSize();
    const needed = (stored + bufferSize - 1) / bufferSize;
    const count = this.descriptorCount;
    if (needed > MAX_FRAME_DESCRIPTORS || needed > this.available(count)) {
      this.missed();
      return NET_RX_NO_BUFFER;
    }
    if (!this.fetchDescriptors(this.head, needed, count)) {
      this.missed();
      return NET_RX_NO_BUFFER;
    }

    this.sg.clear();
    if (strip) {
      this.appendStored(0, ETH_ADDRESSES, bufferSize);
      this.sg.append(<u64>this.tagSink, VLAN_TAG, SG_FLAG_CORE_MEMORY);
      this.appendStored(ETH_ADDRESSES, frameInMemory - ETH_ADDRESSES, bufferSize);
    } else {
      this.appendStored(0, frameInMemory, bufferSize);
    }
    this.reserved = true;
    this.reservedHead = this.head;
    this.reservedCount = needed;
    this.storedLength = stored;
    this.stripped = strip;
    this.strippedTag = tci;
    this.kind = kind;
    return <i32>this.sg.count;
  }

  /** net_rx_end: writes the reserved descriptors back, advances RDH, interrupts. */
  end(len: u32, status: i32): void {
    if (!this.reserved) return;
    this.reserved = false;
    const count = this.descriptorCount;
    if (count == 0) return;
    const bufferSize = this.bufferSize();
    const failed = status != STATUS_OK;
    for (let k: u32 = 0; k < this.reservedCount; k++) {
      const index = (this.reservedHead + k) % count;
      const last = k + 1 == this.reservedCount;
      const remaining = this.storedLength - k * bufferSize;
      const length = remaining < bufferSize ? remaining : bufferSize;
      let statusBits: u8 = RX_STATUS_DD | RX_STATUS_IXSM;
      if (last) statusBits |= RX_STATUS_EOP;
      if (last && this.stripped) statusBits |= RX_STATUS_VP;
      store<u16>(this.writeBack, <u16>length);
      store<u16>(this.writeBack, 0, 2);
      store<u8>(this.writeBack, statusBits, 4);
      store<u8>(this.writeBack, last && failed ? RX_ERROR_RXE : 0, 5);
      store<u16>(this.writeBack, last && this.stripped ? <u16>this.strippedTag : 0, 6);
      dma_write(this.base + <u64>index * RX_DESCRIPTOR_SIZE + 8, this.writeBack, 8);
    }
    this.head = (this.reservedHead + this.reservedCount) % count;
    if (!failed) {
      this.stats.goodReceive(len + FCS, this.kind == FILTER_BROADCAST, this.kind == FILTER_MULTICAST);
    }
    this.interrupts.frameReceived();
    this.checkThreshold(count);
  }

  /** RXDMT0 when the free descriptors fall to RCTL.RDMTS's fraction of the ring. */
  private checkThreshold(count: u32): void {
    const threshold = count >> (((this.control >> RCTL_RDMTS_SHIFT) & 3) + 1);
    if (this.available(count) <= threshold) this.interrupts.raise(ICR_RXDMT0);
  }

  private missed(): void {
    this.stats.count(STAT_MPC);
    this.stats.count(STAT_RNBC);
    this.interrupts.raise(ICR_RXO | ICR_RXDMT0);
  }

  /** Reads `needed` descriptors from `first` (wrapping) into core memory. */
  private fetchDescriptors(first: u32, needed: u32, count: u32): bool {
    let done: u32 = 0;
    while (done < needed) {
      const index = (first + done) % count;
      const run = min(needed - done, count - index);
      const ok = dma_read(this.base + <u64>index * RX_DESCRIPTOR_SIZE, run * RX_DESCRIPTOR_SIZE,
        this.descriptors + <usize>done * RX_DESCRIPTOR_SIZE);
      if (ok != DMA_OK) return false;
      done += run;
    }
    return true;
  }

  /** Appends the guest ranges holding bytes [offset, offset+len) of the stored frame. */
  private appendStored(offset: u32, len: u32, bufferSize: u32): void {
    let at = offset;
    let left = len;
    while (left > 0) {
      const k = at / bufferSize;
      const within = at % bufferSize;
      const chunk = min(left, bufferSize - within);
      const buffer: GuestPhysAddr = load<u64>(this.descriptors + <usize>k * RX_DESCRIPTOR_SIZE);
      this.sg.append(buffer + <u64>within, chunk, 0);
      at += chunk;
      left -= chunk;
    }
  }
}
