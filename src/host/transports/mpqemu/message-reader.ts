// Reads whole mpqemu messages from the protocol socket, synchronously, with the descriptors
// that ride on them (spec/mpqemu.md section 4), and writes the remote's only message, RET.
//
// Each message is read as exactly 16 header bytes, then exactly `size` payload bytes, never
// more: QEMU attaches descriptors to the first byte of a message's sendmsg(), so a read that
// ran into the next message would take its descriptors too. Descriptors must arrive with the
// header; any that come with payload bytes, or that the command does not carry, are closed
// and reported as a ProtocolError, so a misbehaving peer cannot make us leak descriptors.
import { type Fd, isSystemError, pollIn, recvMsg, sendMsg } from '../../../native/addon.js';
import { HEADER_BYTES, type MpqemuMessage, commandName, decodeHeader, decodeMessage, encodeRet } from './messages.js';
import { ProtocolError } from './protocol-error.js';
import { closeFds } from './received-fds.js';

/** Which side's messages are read: a remote reads what the proxy sends (everything but RET);
 *  a stand-in proxy (tests, a relay) reads the remote's replies (RET only). */
export type MessageSource = 'proxy' | 'remote';

export class MessageReader {
  constructor(
    readonly fd: Fd,
    readonly source: MessageSource = 'proxy',
  ) {}

  /**
   * The next message, or null if the stream ended cleanly between messages. Blocks until the
   * message is complete (also on a non-blocking socket, by polling). Throws ProtocolError for a
   * malformed message, having closed every descriptor that came with it; other errors are
   * system errors of the socket itself (EBADF, ...).
   */
  read(): MpqemuMessage | null {
    const received: Fd[] = [];
    try {
      const headerBytes = this.readExactly(HEADER_BYTES, received, true);
      if (headerBytes === null) return null;
      const header = decodeHeader(headerBytes);
      const payload = this.readExactly(header.size, null, false) ?? Buffer.alloc(0);
      const message = decodeMessage(header, payload, received);
      if ((message.kind === 'ret') !== (this.source === 'remote')) {
        throw new ProtocolError('bad-command', `the ${this.source} never sends ${commandName(header.command)}`);
      }
      return message;
    } catch (err) {
      closeFds(received);
      throw err;
    }
  }

  /**
   * Exactly `length` bytes. Descriptors go to `fdSink`, or, where none may arrive (null), are
   * closed and refused. Null only at a clean end of stream before the first byte of a message.
   * Bounded: every round either reads at least one byte or waits for the socket to be readable.
   */
  private readExactly(length: number, fdSink: Fd[] | null, atMessageStart: boolean): Buffer | null {
    if (length === 0) return null;
    const out = Buffer.alloc(length);
    let got = 0;
    while (got < length) {
      const chunk = this.receive(length - got);
      if (chunk === null) {
        if (got === 0 && atMessageStart) return null;
        throw new ProtocolError('truncated', `stream ended inside a message (${got} of ${length} bytes)`);
      }
      if (chunk.again) {
        pollIn([this.fd], -1);
        continue;
      }
      if (chunk.fds.length > 0) {
        if (fdSink === null) {
          closeFds(chunk.fds);
          throw new ProtocolError('bad-fds', `${chunk.fds.length} descriptors arrived with payload bytes`);
        }
        fdSink.push(...chunk.fds);
      }
      if (chunk.ctrunc) throw new ProtocolError('ctrunc', 'more descriptors than a message may carry (some were dropped)');
      chunk.data.copy(out, got);
      got += chunk.data.length;
    }
    return out;
  }

  /** recvMsg, with a peer reset counted as end of stream (it is one, seen from here). */
  private receive(maxBytes: number): ReturnType<typeof recvMsg> {
    try {
      return recvMsg(this.fd, maxBytes);
    } catch (err) {
      if (isSystemError(err, 'ECONNRESET')) return null;
      throw err;
    }
  }
}

/** Sends RET: a u64 result, or an empty payload when `value` is null (QEMU reads that as 0). */
export function writeRet(fd: Fd, value: bigint | null): void {
  sendMsg(fd, encodeRet(value));
}
