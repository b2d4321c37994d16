// Turns one gathered transmit frame into the frames that go on the wire (SDM 3.5 and 3.6):
// one for a plain frame, one per MSS of payload for TCP segmentation. Each frame is an SG
// list: a rewritten header copy in core memory (checksums, and per TSO segment the IP total
// length / identification, TCP sequence number and flags, UDP length), followed by the
// guest's own buffers for the rest. VLAN insertion (VLE) puts the tag into the header copy.
// Short frames are padded to 60 bytes from a zero buffer when TCTL.PSP is set.

import { SG_FLAG_CORE_MEMORY } from '../common/abi';
import { loadBe16, loadBe32, storeBe16, storeBe32 } from '../common/byte-order';
import { SgList } from '../common/sg-list';
import { OnesComplementSum, onesComplementAdd } from './checksum';
import { FrameRanges } from './tx-frame';
import { OffloadContext, TUCMD_IP, TUCMD_TCP } from './tx-descriptors';

/** Header bytes a rewritten copy may hold (HDRLEN is 8 bits), plus an inserted VLAN tag. */
export const HEADER_COPY_MAX: u32 = 256;
export const HEADER_BUFFER_SIZE: u32 = HEADER_COPY_MAX + 4;
/** Longest frame (without FCS) sent without segmentation: the 16 KiB transmit FIFO. */
export const MAX_PLAIN_FRAME: u32 = 16384 - 4;
const ETH_ADDRESSES: u32 = 12;
const ETH_HEADER: u32 = 14;
/** Minimum frame without FCS that TCTL.PSP pads to (64 bytes on the wire). */
const MIN_PADDED_FRAME: u32 = 60;
const TCP_FLAGS_FIN_PSH: u32 = 0x09;
const IPV6_HEADER: u32 = 40;

const zeroPad: usize = heap.alloc(MIN_PADDED_FRAME);

/** What the frame asks for, collected while its descriptors were walked. */
export class FrameRequest {
  segmentation: bool = false;
  insertIp: bool = false; // IXSM
  insertL4: bool = false; // TXSM
  legacyInsert: bool = false; // legacy IC
  legacyStart: u32 = 0; // CSS
  legacyOffset: u32 = 0; // CSO
  vlan: bool = false;
  vlanTag: u32 = 0;
  pad: bool = false;

  clear(): void {
    this.segmentation = false;
    this.insertIp = false;
    this.insertL4 = false;
    this.legacyInsert = false;
    this.legacyStart = 0;
    this.legacyOffset = 0;
    this.vlan = false;
    this.vlanTag = 0;
    this.pad = false;
  }
}

export const SEGMENT_OK: i32 = 0;
/** The frame is malformed (bad offsets, header longer than the frame, SG overflow) or its
 *  buffers are outside guest RAM: drop it. */
export const SEGMENT_BAD: i32 = 1;

export class Segmenter {
  private readonly template: usize = heap.alloc(HEADER_COPY_MAX);
  private readonly sum: OnesComplementSum = new OnesComplementSum();
  // The frame in progress
  private request: FrameRequest | null = null;
  private context: OffloadContext | null = null;
  private vlanEther: u32 = 0x8100;
  private total: u32 = 0;
  private headerLength: u32 = 0;
  private segmentSize: u32 = 0;
  private ipIdentification: u32 = 0;
  private sequence: u32 = 0;
  /** Next segment's number; `remaining` of them are still to be prepared. */
  index: u32 = 0;
  remaining: u32 = 0;
  /** Length (without FCS) and destination class of the last prepared frame. */
  wireLength: u32 = 0;
  multicast: bool = false;
  broadcast: bool = false;
  private readonly destination: usize = heap.alloc(8);

  constructor(private readonly frame: FrameRanges) {}

  /** Validates the gathered frame and prepares to emit it. False: drop it. */
  start(request: FrameRequest, context: OffloadContext, vlanEther: u32): bool {
    this.request = request;
    this.context = context;
    this.vlanEther = vlanEther & 0xffff;
    this.total = this.frame.totalLength;
    this.index = 0;
    this.remaining = 0;
    if (this.frame.overflowed || this.total < ETH_HEADER) return false;
    if (!request.segmentation) {
      if (this.total > MAX_PLAIN_FRAME) return false;
      this.remaining = 1;
      return true;
    }
    const hdr = context.headerLength;
    const mss = context.segmentSize;
    if (hdr < ETH_HEADER || hdr >= this.total || mss == 0) return false;
    // Every field TSO rewrites must lie inside the header copy.
    const tcp = (context.command & TUCMD_TCP) != 0;
    if (context.ipStart + 6 > hdr) return false;
    if (context.l4Start + (tcp ? 14 : 6) > hdr) return false;
    if (request.insertIp && context.ipOffset + 2 > hdr) return false;
    if (request.insertL4 && context.l4Offset + 2 > hdr) return false;
    if (!this.frame.copy(0, hdr, this.template)) return false;
    this.headerLength = hdr;
    this.segmentSize = mss;
    this.ipIdentification = loadBe16(this.template + context.ipStart + 4);
    this.sequence = tcp ? loadBe32(this.template + context.l4Start + 4) : 0;
    const payload = this.total - hdr;
    this.remaining = (payload + mss - 1) / mss;
    return true;
  }

  /** Builds the next wire frame: header copy at `header`, SG list in `sg`. */
  prepare(header: usize, sg: SgList): i32 {
    const request = this.request!;
    sg.clear();
    let copied: u32;
    let payloadOffset: u32;
    let payloadLength: u32;
    let last = true;
    if (request.segmentation) {
      const context = this.context!;
      const hdr = this.headerLength;
      payloadOffset = hdr + this.index * this.segmentSize;
      payloadLength = min(this.segmentSize, this.total - payloadOffset);
      last = payloadOffset + payloadLength >= this.total;
      memory.copy(header, this.template, hdr);
      copied = hdr;
      if (!this.rewriteSegment(header, hdr, payloadOffset, payloadLength, last, context)) return SEGMENT_BAD;
    } else {
      copied = this.plainHeaderLength(request);
      if (copied > 0 && !this.frame.copy(0, copied, header)) return SEGMENT_BAD;
      payloadOffset = copied;
      payloadLength = this.total - copied;
      if (!this.insertPlainChecksums(header, copied, request)) return SEGMENT_BAD;
    }
    let headerBytes = copied;
    if (request.vlan) {
      // 802.1Q tag after the addresses (SDM 3.3.3.1, VLE).
      memory.copy(header + ETH_ADDRESSES + 4, header + ETH_ADDRESSES, copied - ETH_ADDRESSES);
      storeBe16(header + ETH_ADDRESSES, this.vlanEther);
      storeBe16(header + ETH_ADDRESSES + 2, request.vlanTag);
      headerBytes += 4;
    }
    if (headerBytes > 0 && !sg.append(<u64>header, headerBytes, SG_FLAG_CORE_MEMORY)) return SEGMENT_BAD;
    if (!this.frame.appendTo(sg, payloadOffset, payloadLength)) return SEGMENT_BAD;
    let length = headerBytes + payloadLength;
    if (request.pad && length < MIN_PADDED_FRAME) {
      if (!sg.append(<u64>zeroPad, MIN_PADDED_FRAME - length, SG_FLAG_CORE_MEMORY)) return SEGMENT_BAD;
      length = MIN_PADDED_FRAME;
    }
    this.wireLength = length;
    // The destination class for the statistics (BPTC/MPTC): from the header copy, or read
    // from the guest's first buffer for a frame sent untouched.
    const dst = headerBytes >= 6 ? header : this.destination;
    if (headerBytes < 6 && !this.frame.copy(0, 6, this.destination)) return SEGMENT_BAD;
    this.multicast = (load<u8>(dst) & 1) != 0;
    this.broadcast = this.multicast && load<u32>(dst) == 0xffffffff && load<u16>(dst, 4) == 0xffff;
    return SEGMENT_OK;
  }

  /** The prepared segment was handed to the backend. */
  advance(): void {
    this.index++;
    if (this.remaining > 0) this.remaining--;
  }

  abandon(): void {
    this.remaining = 0;
  }

  /** How many leading bytes a plain frame's header copy needs: enough to hold every field
   *  that is rewritten (checksums, and the addresses before an inserted VLAN tag). */
  private plainHeaderLength(request: FrameRequest): u32 {
    let need: u32 = 0;
    const context = this.context!;
    if (request.legacyInsert && this.legacyValid(request)) need = max(need, request.legacyOffset + 2);
    if (request.insertIp && this.fieldValid(context.ipStart, context.ipOffset)) need = max(need, context.ipOffset + 2);
    if (request.insertL4 && this.fieldValid(context.l4Start, context.l4Offset)) need = max(need, context.l4Offset + 2);
    if (request.vlan) need = max(need, ETH_ADDRESSES);
    return need;
  }

  private legacyValid(request: FrameRequest): bool {
    return request.legacyStart < this.total && request.legacyOffset + 2 <= this.total &&
      request.legacyOffset + 2 <= HEADER_COPY_MAX;
  }

  private fieldValid(start: u32, offset: u32): bool {
    return start < this.total && offset + 2 <= this.total && offset + 2 <= HEADER_COPY_MAX;
  }

  /** End (exclusive) of a checksum range whose inclusive end field is `end` (0: frame end). */
  private rangeEnd(end: u32, length: u32): u32 {
    return end == 0 || end + 1 > length ? length : end + 1;
  }

  /** Plain frame: the checksums are one's-complement sums from their start to their end,
   *  inserted complemented (SDM 3.3.5, 3.3.6); fields invalid for the frame are left alone. */
  private insertPlainChecksums(header: usize, copied: u32, request: FrameRequest): bool {
    const context = this.context!;
    if (request.insertIp && this.fieldValid(context.ipStart, context.ipOffset)) {
      if (!this.insertSum(header, copied, context.ipStart, this.rangeEnd(context.ipEnd, this.total), context.ipOffset, false)) return false;
    }
    if (request.insertL4 && this.fieldValid(context.l4Start, context.l4Offset)) {
      const udp = (context.command & TUCMD_TCP) == 0;
      if (!this.insertSum(header, copied, context.l4Start, this.rangeEnd(context.l4End, this.total), context.l4Offset, udp)) return false;
    }
    if (request.legacyInsert && this.legacyValid(request)) {
      if (!this.insertSum(header, copied, request.legacyStart, this.total, request.legacyOffset, false)) return false;
    }
    return true;
  }

  /** Sums plain-frame bytes [start, end) — those below `copied` from the copy, the rest
   *  from guest memory — and stores the checksum at `field` in the copy. */
  private insertSum(header: usize, copied: u32, start: u32, end: u32, field: u32, udp: bool): bool {
    if (end <= start) return true;
    this.sum.reset();
    const fromCopy = min(end, copied);
    if (start < fromCopy) this.sum.addBytes(header + start, fromCopy - start);
    const guestStart = max(start, copied);
    if (guestStart < end && !this.frame.sum(this.sum, guestStart, end - guestStart)) return false;
    let value = this.sum.checksum();
    if (udp && value == 0) value = 0xffff;
    storeBe16(header + field, value);
    return true;
  }

  /** Per-segment header rewrite for TSO (SDM 3.6.4) and its checksums. */
  private rewriteSegment(header: usize, hdr: u32, payloadOffset: u32, payloadLength: u32, last: bool,
    context: OffloadContext): bool {
    const request = this.request!;
    const segmentLength = hdr + payloadLength;
    const ip = header + context.ipStart;
    if ((context.command & TUCMD_IP) != 0) {
      storeBe16(ip + 2, segmentLength - context.ipStart);
      storeBe16(ip + 4, (this.ipIdentification + this.index) & 0xffff);
    } else if (segmentLength >= context.ipStart + IPV6_HEADER) {
      storeBe16(ip + 4, segmentLength - context.ipStart - IPV6_HEADER);
    }
    const l4 = header + context.l4Start;
    const tcp = (context.command & TUCMD_TCP) != 0;
    if (tcp) {
      storeBe32(l4 + 4, this.sequence + (payloadOffset - hdr));
      if (!last) store<u8>(l4 + 13, load<u8>(l4 + 13) & ~<u8>TCP_FLAGS_FIN_PSH);
    } else {
      storeBe16(l4 + 4, segmentLength - context.l4Start);
    }
    if (request.insertIp) {
      const end = min(this.rangeEnd(context.ipEnd, segmentLength), hdr);
      this.sum.reset();
      if (end > context.ipStart) this.sum.addBytes(ip, end - context.ipStart);
      storeBe16(header + context.ipOffset, this.sum.checksum());
    }
    if (request.insertL4) {
      // The driver leaves the pseudo-header sum without the length in the field; the length
      // of this segment's L4 part is added to it (SDM 3.6.4.2).
      const field = header + context.l4Offset;
      storeBe16(field, onesComplementAdd(loadBe16(field), segmentLength - context.l4Start));
      const end = this.rangeEnd(context.l4End, segmentLength);
      this.sum.reset();
      const fromCopy = min(end, hdr);
      if (fromCopy > context.l4Start) this.sum.addBytes(l4, fromCopy - context.l4Start);
      if (end > hdr && !this.frame.sum(this.sum, payloadOffset, end - hdr)) return false;
      let value = this.sum.checksum();
      if (!tcp && value == 0) value = 0xffff;
      storeBe16(field, value);
    }
    return true;
  }
}
