// Logging through the `log` import without allocating: the stub runtime never frees, so
// building strings at run time would leak. Messages are static string literals, optionally
// followed by one hexadecimal value, formatted into a fixed buffer.

import { log } from './abi';

const LOG_BUFFER_SIZE: u32 = 160;
const logBuffer = heap.alloc(LOG_BUFFER_SIZE);

function putText(text: string, at: u32): u32 {
  const n = <u32>text.length;
  let pos = at;
  for (let i: u32 = 0; i < n && pos < LOG_BUFFER_SIZE; i++) {
    const c = text.charCodeAt(i);
    store<u8>(logBuffer + pos, c < 0x80 ? <u8>c : 0x3f);
    pos++;
  }
  return pos;
}

/** Logs a static message. */
export function logText(level: u32, text: string): void {
  log(level, logBuffer, putText(text, 0));
}

/** Logs a static message followed by " 0x" and `value` in hexadecimal. */
export function logHex(level: u32, text: string, value: u64): void {
  let pos = putText(text, 0);
  pos = putText(" 0x", pos);
  let digits: u32 = 1;
  while (digits < 16 && (value >> (<u64>digits * 4)) != 0) digits++;
  for (let i: i32 = <i32>digits - 1; i >= 0 && pos < LOG_BUFFER_SIZE; i--) {
    const nibble = <u32>((value >> (<u64>i * 4)) & 0xf);
    store<u8>(logBuffer + pos, <u8>(nibble < 10 ? 0x30 + nibble : 0x57 + nibble));
    pos++;
  }
  log(level, logBuffer, pos);
}
