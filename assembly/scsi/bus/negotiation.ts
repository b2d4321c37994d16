// A target's answers to the transfer agreements an initiator proposes (SPI-5 4.12,
// "Negotiation"): WDTR, SDTR and PPR. Our targets are narrow, synchronous up to Fast-40
// single transition (period factor 0Ah, 25 ns) with a REQ/ACK offset of up to 31, like an
// Ultra2 narrow disk. The answer is the proposal where we can do it, otherwise our limit: a
// wide proposal is answered with 8-bit (exponent 0), a faster period with ours, a larger
// offset with ours, and DT / IU / QAS protocol options are refused (cleared).
//
// Transfer timing is not modelled (bytes move at memory speed whatever was agreed), so
// the agreement only matters to what the guest driver believes and reports.

import { EXT_PPR, EXT_SDTR, EXT_WDTR, MSG_EXTENDED } from './message-codes';

const MIN_PERIOD_FACTOR: u32 = 0x0a;
const MAX_OFFSET: u32 = 31;

/** Writes the reply to an extended message whose code and arguments are at `msg` (msg[0] =
 *  code) into `out`; returns the reply length, or 0 when the message is not a negotiation
 *  we understand (the caller rejects it). `argLength` counts the code byte too. */
export function negotiationReply(msg: usize, argLength: u32, out: usize): u32 {
  const code = <u32>load<u8>(msg);
  if (code == <u32>EXT_WDTR && argLength == 2) {
    return put(out, 2, EXT_WDTR, 0, 0, 0, 0, 0);
  }
  if (code == <u32>EXT_SDTR && argLength == 3) {
    const period = clampPeriod(<u32>load<u8>(msg, 1));
    const offset = min(<u32>load<u8>(msg, 2), MAX_OFFSET);
    return put(out, 3, EXT_SDTR, period, offset, 0, 0, 0);
  }
  if (code == <u32>EXT_PPR && argLength == 6) {
    const period = clampPeriod(<u32>load<u8>(msg, 1));
    const offset = min(<u32>load<u8>(msg, 3), MAX_OFFSET);
    // PPR: code, period, reserved, offset, width exponent, protocol options.
    return put(out, 6, EXT_PPR, period, 0, offset, 0, 0);
  }
  return 0;
}

function clampPeriod(factor: u32): u32 {
  return factor < MIN_PERIOD_FACTOR ? MIN_PERIOD_FACTOR : factor;
}

function put(out: usize, length: u32, code: u8, a: u32, b: u32, c: u32, d: u32, e: u32): u32 {
  store<u8>(out, MSG_EXTENDED);
  store<u8>(out, <u8>length, 1);
  store<u8>(out, code, 2);
  store<u8>(out, <u8>a, 3);
  store<u8>(out, <u8>b, 4);
  store<u8>(out, <u8>c, 5);
  store<u8>(out, <u8>d, 6);
  store<u8>(out, <u8>e, 7);
  return length + 2;
}
