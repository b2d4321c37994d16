// Splits the byte stream a target receives in MESSAGE OUT phases into messages (SPI-5 4.13,
// "Message format"): one-byte messages (00h, 02h-1Fh), IDENTIFY (80h-FFh), two-byte messages
// (20h-2Fh: a code and one argument, e.g. SIMPLE QUEUE TAG + tag) and extended messages
// (01h, length, code, arguments). A message may span several MOVE instructions; the state
// is kept between them. Every byte is consumed in constant time, so a hostile stream costs
// no more than its length.

export const EV_NONE: u32 = 0;
export const EV_ONE_BYTE: u32 = 1;
export const EV_IDENTIFY: u32 = 2;
export const EV_TWO_BYTE: u32 = 3;
export const EV_EXTENDED: u32 = 4;

const ST_IDLE: u32 = 0;
const ST_TWO_BYTE_ARG: u32 = 1;
const ST_EXT_LENGTH: u32 = 2;
const ST_EXT_BODY: u32 = 3;

/** Extended message bytes kept (code + arguments); PPR, the longest we answer, has 6. */
export const EXT_KEPT: u32 = 8;

export class MessageOutParser {
  private state: u32 = ST_IDLE;
  /** The message just completed: its first byte (one-byte, IDENTIFY, two-byte). */
  code: u32 = 0;
  /** Argument of a two-byte message. */
  argument: u32 = 0;
  /** Extended message: the length byte (0 means 256) and the first EXT_KEPT body bytes. */
  extLength: u32 = 0;
  readonly extBody: usize = heap.alloc(EXT_KEPT);
  private extReceived: u32 = 0;

  reset(): void {
    this.state = ST_IDLE;
  }

  /** True while a message has started but not ended. */
  get midMessage(): bool {
    return this.state != ST_IDLE;
  }

  /** Consumes one byte; returns the event it completes (EV_NONE while incomplete). */
  feed(byte: u32): u32 {
    switch (this.state) {
      case ST_IDLE:
        this.code = byte;
        if (byte >= 0x80) return EV_IDENTIFY;
        if (byte == 0x01) {
          this.state = ST_EXT_LENGTH;
          return EV_NONE;
        }
        if (byte >= 0x20 && byte <= 0x2f) {
          this.state = ST_TWO_BYTE_ARG;
          return EV_NONE;
        }
        return EV_ONE_BYTE;
      case ST_TWO_BYTE_ARG:
        this.argument = byte;
        this.state = ST_IDLE;
        return EV_TWO_BYTE;
      case ST_EXT_LENGTH:
        this.extLength = byte == 0 ? 256 : byte;
        this.extReceived = 0;
        this.state = ST_EXT_BODY;
        return EV_NONE;
      default: {
        if (this.extReceived < EXT_KEPT) store<u8>(this.extBody + <usize>this.extReceived, <u8>byte);
        this.extReceived++;
        if (this.extReceived < this.extLength) return EV_NONE;
        this.state = ST_IDLE;
        return EV_EXTENDED;
      }
    }
  }
}
