// A malformed or disallowed message on the QEMU multi-process socket. The codec, the reader
// and the guest-RAM mapper throw only this for bad input, so the transport can catch one type,
// log its one-line reason and drop the connection, as QEMU's own remote does on an invalid
// message (spec/mpqemu.md section 3). After one, the stream position is undefined: close it.

export type ProtocolErrorKind =
  | 'bad-command' //   cmd outside 0..7, or a message the other side never sends
  | 'bad-size' //      size > 192, or not the size this command has
  | 'bad-fds' //       wrong number of descriptors, or descriptors where none belong
  | 'ctrunc' //        more descriptors than the receive buffer holds (the kernel dropped some)
  | 'bad-field' //     a payload field out of its range (access width, config offset, ...)
  | 'truncated' //     end of stream in the middle of a message
  | 'bad-region'; //   a SYNC_SYSMEM region that cannot be guest RAM

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  constructor(
    readonly kind: ProtocolErrorKind,
    reason: string,
  ) {
    super(reason);
  }
}
