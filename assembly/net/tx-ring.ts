// The transmit ring (SDM 3.3, 3.4): TCTL, TIPG, TDBAL/TDBAH/TDLEN/TDH/TDT, TXDCTL and the
// descriptor walk. A write of TDT (or enabling TCTL.EN) walks from TDH: context descriptors
// load an offload context, data and legacy descriptors are gathered up to EOP, and the frame
// goes to the backend as SG lists (one per TSO segment) through net_transmit. DD is written
// back to descriptors with RS only when the backend has taken every segment of their frame
// (net_tx_complete), so the guest never reuses a buffer that is still being read. On
// NET_TX_BUSY the walk stops and resumes in net_tx_ready; when every transmit slot is in
// flight it resumes on the next completion. Work per activation is bounded by the ring size.
// Malformed frames (no EOP within MAX_CHAIN descriptors, lengths out of range, TSO headers
// longer than the frame, buffers outside guest RAM) are dropped: their descriptors are
// written back and the walk goes on.

import { DMA_OK, GuestPhysAddr, NET_TX_BUSY, NET_TX_OK, dma_read, dma_write, net_transmit } from '../common/abi';
import { RequestSlot, requestSlotOf } from '../common/request-slot';
import { SgList } from '../common/sg-list';
import { Interrupts } from './interrupts';
import { MacState } from './mac-state';
import { CTRL_VME, ICR_TXQE, TCTL_EN, TCTL_PSP } from './registers';
import { STAT_TSCTC, STAT_TSCTFC, Statistics } from './statistics';
import {
  DTYP_CONTEXT, DTYP_DATA, OffloadContext, POPTS_IXSM, POPTS_TXSM, TUCMD_TSE, TXD_EOP, TXD_IC, TXD_IDE,
  TXD_RS, TXD_STATUS_DD, TXD_TSE, TXD_VLE, TX_DESCRIPTOR_SIZE, bufferLength, dataOptions, descriptorAddress,
  descriptorCommand, descriptorSpecial, extendedType, isExtended, legacyChecksumOffset, legacyChecksumStart,
} from './tx-descriptors';
import { FrameRanges, MAX_FRAME_RANGES } from './tx-frame';
import { FrameRequest, HEADER_BUFFER_SIZE, SEGMENT_OK, Segmenter } from './tx-segmenter';

/** Wire frames that may be in the backend's hands at once. */
export const TX_SLOTS: u32 = 64;
/** SG entries per wire frame: header copy, guest buffers, padding. */
const TX_SG_CAPACITY: u32 = 64;
/** Descriptors a frame may span (data plus context descriptors) before it is taken for a
 *  chain without EOP and dropped. */
export const MAX_CHAIN: u32 = MAX_FRAME_RANGES + 8;
const MAX_RING_DESCRIPTORS: u32 = 65536;
const TDLEN_MASK: u32 = 0xfff80;
const INDEX_MASK: u32 = 0xffff;
const MARK_RS: u8 = 1;
const MARK_IDE: u8 = 2;

const GATHER_READY: i32 = 0;
const GATHER_WAIT: i32 = 1;
const GATHER_DROPPED: i32 = 2;

class TransmitSlot {
  readonly request: RequestSlot;
  readonly header: usize = heap.alloc(HEADER_BUFFER_SIZE);
  readonly sg: SgList = new SgList(heap.alloc(TX_SG_CAPACITY * 16), TX_SG_CAPACITY);
  /** Frame record the segment in flight belongs to, -1 if none (or abandoned by a reset). */
  frame: i32 = -1;
  /** Built but refused with NET_TX_BUSY: sent again as is. */
  prepared: bool = false;
  wireLength: u32 = 0;
  multicast: bool = false;
  broadcast: bool = false;

  constructor(index: u32) {
    this.request = new RequestSlot(index);
  }

  get free(): bool {
    return !this.request.busy && !this.prepared;
  }
}

/** Descriptors of one frame, written back when its last segment completed. */
class FrameRecord {
  used: bool = false;
  /** Segments are still being handed out. */
  open: bool = false;
  base: GuestPhysAddr = 0;
  ringSize: u32 = 0;
  first: u32 = 0;
  descriptors: u32 = 0;
  outstanding: u32 = 0;
}

export class TransmitRing {
  control: u32 = 0;
  interPacketGap: u32 = 0;
  baseLow: u32 = 0;
  baseHigh: u32 = 0;
  lengthBytes: u32 = 0;
  head: u32 = 0;
  tail: u32 = 0;
  descriptorControl: u32 = 0;

  private readonly slots: StaticArray<TransmitSlot> = new StaticArray<TransmitSlot>(TX_SLOTS);
  private readonly records: StaticArray<FrameRecord> = new StaticArray<FrameRecord>(TX_SLOTS + 1);
  private readonly marks: StaticArray<u8> = new StaticArray<u8>(MAX_RING_DESCRIPTORS);
  private readonly descriptor: usize = heap.alloc(TX_DESCRIPTOR_SIZE);
  private readonly doneByte: usize = heap.alloc(1);
  private readonly checksumContext: OffloadContext = new OffloadContext();
  private readonly segmentationContext: OffloadContext = new OffloadContext();
  private readonly frame: FrameRanges = new FrameRanges();
  private readonly request: FrameRequest = new FrameRequest();
  private readonly segmenter: Segmenter = new Segmenter(this.frame);

  // The frame being handed out
  private emitting: bool = false;
  private current: i32 = -1;
  private frameEnd: u32 = 0;
  private preparedSlot: i32 = -1;
  /** The backend answered NET_TX_BUSY; wait for net_tx_ready. */
  private blocked: bool = false;
  private pumping: bool = false;

  constructor(
    private readonly mac: MacState,
    private readonly stats: Statistics,
    private readonly interrupts: Interrupts,
  ) {
    for (let i: u32 = 0; i < TX_SLOTS; i++) unchecked(this.slots[i] = new TransmitSlot(i));
    for (let i: u32 = 0; i <= TX_SLOTS; i++) unchecked(this.records[i] = new FrameRecord());
  }

  /** Reset: registers to defaults; frames in flight are forgotten (their slots stay busy
   *  until the backend completes them, since it may still be reading their headers). */
  reset(): void {
    this.control = 0;
    this.interPacketGap = 0;
    this.baseLow = 0;
    this.baseHigh = 0;
    this.lengthBytes = 0;
    this.head = 0;
    this.tail = 0;
    this.descriptorControl = 0x00010000; // TXDCTL: WTHRESH 1 (SDM 13.4.42)
    this.checksumContext.clear();
    this.segmentationContext.clear();
    this.forgetFrames();
    this.blocked = false;
    for (let i: u32 = 0; i < MAX_RING_DESCRIPTORS; i++) unchecked(this.marks[i] = 0);
  }

  get base(): GuestPhysAddr {
    return ((<u64>this.baseHigh << 32) | <u64>this.baseLow) & ~<u64>0xf;
  }

  get descriptorCount(): u32 {
    return (this.lengthBytes & TDLEN_MASK) / TX_DESCRIPTOR_SIZE;
  }

  // ---- register writes
  writeControl(value: u32): void {
    this.control = value;
    if ((value & TCTL_EN) != 0) this.pump();
  }
  writeBaseLow(value: u32): void { this.baseLow = value & ~0xf; this.forgetFrames(); }
  writeBaseHigh(value: u32): void { this.baseHigh = value; this.forgetFrames(); }
  writeLength(value: u32): void { this.lengthBytes = value & TDLEN_MASK; this.forgetFrames(); }
  writeHead(value: u32): void { this.head = value & INDEX_MASK; this.forgetFrames(); }
  writeTail(value: u32): void {
    this.tail = value & INDEX_MASK;
    this.pump();
  }

  /** net_tx_complete. */
  complete(reqId: u32, status: i32): void {
    const index = requestSlotOf(reqId);
    if (index >= TX_SLOTS) return;
    const slot = unchecked(this.slots[index]);
    if (!slot.request.accept(reqId)) return;
    const recordIndex = slot.frame;
    slot.frame = -1;
    if (recordIndex >= 0) {
      const record = unchecked(this.records[recordIndex]);
      if (record.outstanding > 0) record.outstanding--;
      if (!record.open && record.outstanding == 0) this.retire(record);
    }
    this.pump();
  }

  /** net_tx_ready. */
  ready(): void {
    this.blocked = false;
    this.pump();
  }

  /** Walks the ring as far as it can (TDT write, TCTL.EN, a slot or the backend freed, the
   *  link came up). */
  pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    this.walk();
    this.pumping = false;
  }

  private walk(): void {
    if ((this.control & TCTL_EN) == 0 || this.blocked) return;
    let budget = this.descriptorCount + MAX_CHAIN;
    let worked = false;
    while (budget > 0) {
      if (this.emitting) {
        if (!this.emit()) return;
        this.finishFrame();
        worked = true;
        continue;
      }
      const count = this.descriptorCount;
      if (count == 0 || this.head >= count || this.tail >= count) return;
      if (this.head == this.tail) {
        if (worked) this.interrupts.raise(ICR_TXQE);
        return;
      }
      const result = this.gather(count);
      budget -= this.frameDescriptors(count);
      if (result == GATHER_WAIT) return;
      worked = true;
      if (result == GATHER_DROPPED) continue;
      this.startFrame(count);
    }
  }

  private frameDescriptors(count: u32): u32 {
    const n = (this.frameEnd + count - this.head) % count;
    return n == 0 ? 1 : n;
  }

  /** Walks descriptors from TDH up to EOP. Context descriptors load their context on the
   *  way; the frame's buffers go to `frame`. */
  private gather(count: u32): i32 {
    this.frame.clear();
    this.request.clear();
    let index = this.head;
    let walked: u32 = 0;
    let firstData = true;
    const base = this.base;
    while (index != this.tail) {
      if (walked >= MAX_CHAIN) {
        // A chain with no EOP: drop what was walked, carry on after it.
        this.frameEnd = index;
        this.dropFrame(count);
        return GATHER_DROPPED;
      }
      walked++;
      const next = (index + 1) % count;
      if (dma_read(base + <u64>index * TX_DESCRIPTOR_SIZE, TX_DESCRIPTOR_SIZE, this.descriptor) != DMA_OK) {
        // A descriptor outside guest RAM (master abort): nothing can be written back; the
        // frame it belonged to is dropped up to here.
        unchecked(this.marks[index] = 0);
        this.frameEnd = next;
        this.dropFrame(count);
        return GATHER_DROPPED;
      }
      const d = this.descriptor;
      const command = descriptorCommand(d);
      let mark: u8 = (command & TXD_RS) != 0 ? MARK_RS : 0;
      if ((command & TXD_IDE) != 0) mark |= MARK_IDE;
      unchecked(this.marks[index] = mark);
      index = next;
      if (isExtended(d) && extendedType(d) == DTYP_CONTEXT) {
        if ((command & TUCMD_TSE) != 0) this.segmentationContext.load(d);
        else this.checksumContext.load(d);
        continue;
      }
      if (isExtended(d) && extendedType(d) != DTYP_DATA) continue; // reserved type: skipped
      if (firstData) {
        firstData = false;
        if (isExtended(d)) {
          const options = dataOptions(d);
          this.request.segmentation = (command & TXD_TSE) != 0;
          this.request.insertIp = (options & POPTS_IXSM) != 0;
          this.request.insertL4 = (options & POPTS_TXSM) != 0;
        } else if ((command & TXD_IC) != 0) {
          this.request.legacyInsert = true;
          this.request.legacyOffset = legacyChecksumOffset(d);
          this.request.legacyStart = legacyChecksumStart(d);
        }
      }
      this.frame.add(descriptorAddress(d), bufferLength(d));
      if ((command & TXD_EOP) != 0) {
        if ((command & TXD_VLE) != 0 && (this.mac.control & CTRL_VME) != 0) {
          this.request.vlan = true;
          this.request.vlanTag = descriptorSpecial(d);
        }
        this.frameEnd = index;
        return GATHER_READY;
      }
    }
    // Reached TDT without EOP: the rest of the frame is not posted yet.
    this.frameEnd = this.head;
    if (walked >= MAX_CHAIN) {
      this.frameEnd = index;
      this.dropFrame(count);
      return GATHER_DROPPED;
    }
    return GATHER_WAIT;
  }

  private startFrame(count: u32): void {
    const record = this.openRecord(count);
    this.current = record;
    this.request.pad = (this.control & TCTL_PSP) != 0;
    const context = this.request.segmentation ? this.segmentationContext : this.checksumContext;
    if (this.request.segmentation) this.stats.count(STAT_TSCTC);
    if (!this.mac.linkUp || !this.segmenter.start(this.request, context, this.mac.vlanEther)) {
      if (this.request.segmentation) this.stats.count(STAT_TSCTFC);
      this.segmenter.abandon();
    }
    this.emitting = true;
  }

  /** Hands out the frame's remaining segments. False: stopped (backend busy, or every slot
   *  in flight); the walk resumes from here later. */
  private emit(): bool {
    const record = unchecked(this.records[this.current]);
    while (this.segmenter.remaining > 0) {
      let slotIndex = this.preparedSlot;
      if (slotIndex < 0) {
        slotIndex = this.freeSlot();
        if (slotIndex < 0) return false;
        const slot = unchecked(this.slots[slotIndex]);
        if (this.segmenter.prepare(slot.header, slot.sg) != SEGMENT_OK) {
          if (this.request.segmentation) this.stats.count(STAT_TSCTFC);
          this.segmenter.abandon();
          break;
        }
        slot.wireLength = this.segmenter.wireLength;
        slot.multicast = this.segmenter.multicast;
        slot.broadcast = this.segmenter.broadcast;
        slot.prepared = true;
        this.preparedSlot = slotIndex;
      }
      const slot = unchecked(this.slots[slotIndex]);
      const id = slot.request.issue();
      const result = net_transmit(id, slot.sg.base, slot.sg.count);
      if (result == NET_TX_BUSY) {
        slot.request.abandon();
        this.blocked = true;
        return false;
      }
      slot.prepared = false;
      this.preparedSlot = -1;
      this.segmenter.advance();
      if (result != NET_TX_OK) {
        slot.request.abandon(); // refused by the backend: the segment is lost
        continue;
      }
      slot.frame = this.current;
      record.outstanding++;
      this.countSent(slot);
    }
    return true;
  }

  private countSent(slot: TransmitSlot): void {
    this.stats.goodTransmit(slot.wireLength + 4, slot.broadcast, slot.multicast);
  }

  /** Every segment handed out: the frame's descriptors are done from the ring's view. */
  private finishFrame(): void {
    const record = unchecked(this.records[this.current]);
    record.open = false;
    this.head = this.frameEnd;
    this.emitting = false;
    this.current = -1;
    if (record.outstanding == 0) this.retire(record);
  }

  private dropFrame(count: u32): void {
    const record = unchecked(this.records[this.openRecord(count)]);
    record.open = false;
    this.head = this.frameEnd;
    this.retire(record);
  }

  private openRecord(count: u32): i32 {
    for (let i: u32 = 0; i <= TX_SLOTS; i++) {
      const record = unchecked(this.records[i]);
      if (record.used) continue;
      record.used = true;
      record.open = true;
      record.base = this.base;
      record.ringSize = count;
      record.first = this.head;
      record.descriptors = (this.frameEnd + count - this.head) % count;
      if (record.descriptors == 0) record.descriptors = count;
      record.outstanding = 0;
      return <i32>i;
    }
    // Unreachable: each used record holds a slot in flight or is the one being emitted.
    unreachable();
    return -1;
  }

  /** Writes DD back to the frame's descriptors that asked for it (RS) and raises TXDW
   *  (delayed by TIDV/TADV when all of them had IDE). */
  private retire(record: FrameRecord): void {
    record.used = false;
    let reported = false;
    let immediate = false;
    store<u8>(this.doneByte, TXD_STATUS_DD);
    for (let k: u32 = 0; k < record.descriptors; k++) {
      const index = (record.first + k) % record.ringSize;
      const mark = unchecked(this.marks[index]);
      if ((mark & MARK_RS) == 0) continue;
      unchecked(this.marks[index] = 0);
      dma_write(record.base + <u64>index * TX_DESCRIPTOR_SIZE + 12, this.doneByte, 1);
      reported = true;
      if ((mark & MARK_IDE) == 0) immediate = true;
    }
    if (reported) this.interrupts.descriptorDone(!immediate);
  }

  private freeSlot(): i32 {
    for (let i: u32 = 0; i < TX_SLOTS; i++) if (unchecked(this.slots[i]).free) return <i32>i;
    return -1;
  }

  /** The ring was reset or reconfigured: frames in progress are dropped without write-back. */
  private forgetFrames(): void {
    for (let i: u32 = 0; i <= TX_SLOTS; i++) unchecked(this.records[i]).used = false;
    for (let i: u32 = 0; i < TX_SLOTS; i++) {
      const slot = unchecked(this.slots[i]);
      slot.prepared = false;
      slot.frame = -1; // a completion still arrives (the slot stays busy until then), ignored
    }
    this.preparedSlot = -1;
    this.emitting = false;
    this.current = -1;
    this.segmenter.abandon();
  }
}
