// How one command's segments become readv/writev buffer lists under O_DIRECT: segments the device
// can take as they are go straight to the kernel (zero copy); the others are packed into an
// aligned bounce buffer. Rules (open(2), "O_DIRECT"): every buffer handed to the kernel must start
// on an aligned address and be a whole number of blocks long, and every file offset must be a
// whole number of blocks, so:
//  - a run of bounced bytes is only closed when its length is a multiple of the block size; until
//    then following segments join the run even if they are aligned themselves (the file offset of
//    anything after an open run would be misaligned);
//  - the bounce buffer has a fixed capacity (a multiple of the block size): a command needing more
//    bounce space is cut into passes that reuse the same buffer one after the other, so a guest
//    cannot make the host allocate an image-sized bounce buffer.
// Without O_DIRECT (cache=writeback) there are no rules: one pass, every segment direct.

export type PlannedBuffer =
  | { readonly kind: 'direct'; readonly view: Uint8Array }
  | { readonly kind: 'bounce'; readonly bounceOffset: number; readonly byteLength: number };

/** Bytes to copy between a piece of a segment and the bounce buffer. */
export interface BounceCopy {
  readonly view: Uint8Array;
  readonly bounceOffset: number;
}

export interface TransferPass {
  /** Offset of this pass's first byte from the start of the command. */
  readonly commandOffset: number;
  readonly byteLength: number;
  readonly buffers: readonly PlannedBuffer[];
  /** Copies into the bounce buffer before a write / out of it after a read. */
  readonly copies: readonly BounceCopy[];
}

export interface TransferPlan {
  readonly passes: readonly TransferPass[];
  /** Segments of which at least one byte goes through the bounce buffer. */
  readonly bouncedSegments: number;
  /** Segments handed to the kernel as they are. */
  readonly directSegments: number;
}

export interface AlignmentRule {
  readonly blockBytes: number;
  isDirectCapable(view: Uint8Array): boolean;
}

interface MutablePass {
  commandOffset: number;
  byteLength: number;
  buffers: PlannedBuffer[];
  copies: BounceCopy[];
}

/** Plans a buffered (cache=writeback) transfer: one pass, no copies. */
export function planBufferedTransfer(segments: readonly Uint8Array[]): TransferPlan {
  const buffers: PlannedBuffer[] = [];
  let byteLength = 0;
  for (const view of segments) {
    if (view.byteLength === 0) continue;
    buffers.push({ kind: 'direct', view });
    byteLength += view.byteLength;
  }
  return { passes: [{ commandOffset: 0, byteLength, buffers, copies: [] }], bouncedSegments: 0, directSegments: buffers.length };
}

/**
 * Plans an O_DIRECT transfer. The total length of `segments` must be a multiple of
 * rule.blockBytes (the backend validates that first); `bounceCapacity` must be one too.
 */
export function planDirectTransfer(segments: readonly Uint8Array[], rule: AlignmentRule, bounceCapacity: number): TransferPlan {
  const { blockBytes } = rule;
  if (bounceCapacity < blockBytes || bounceCapacity % blockBytes !== 0) {
    throw new RangeError(`bounce capacity ${bounceCapacity} is not a positive multiple of ${blockBytes}`);
  }
  const passes: MutablePass[] = [];
  let pass: MutablePass = { commandOffset: 0, byteLength: 0, buffers: [], copies: [] };
  let bounceUsed = 0;
  /** Start (in the bounce buffer) of the run not yet handed out, or -1 when none is open. */
  let runStart = -1;
  let bouncedSegments = 0;
  let directSegments = 0;

  const closeRunIfWhole = (): void => {
    if (runStart >= 0 && (bounceUsed - runStart) % blockBytes === 0) {
      pass.buffers.push({ kind: 'bounce', bounceOffset: runStart, byteLength: bounceUsed - runStart });
      runStart = -1;
    }
  };

  for (const view of segments) {
    if (view.byteLength === 0) continue;
    if (runStart < 0 && rule.isDirectCapable(view)) {
      pass.buffers.push({ kind: 'direct', view });
      pass.byteLength += view.byteLength;
      directSegments++;
      continue;
    }
    bouncedSegments++;
    // Bounded by byteLength / (bounce space per iteration) + 1 iterations: each takes >= 1 byte.
    for (let done = 0; done < view.byteLength;) {
      if (bounceUsed === bounceCapacity) {
        // runStart is always block aligned and so is the capacity, hence the run is closed here.
        passes.push(pass);
        pass = { commandOffset: pass.commandOffset + pass.byteLength, byteLength: 0, buffers: [], copies: [] };
        bounceUsed = 0;
      }
      const take = Math.min(view.byteLength - done, bounceCapacity - bounceUsed);
      if (runStart < 0) runStart = bounceUsed;
      pass.copies.push({ view: view.subarray(done, done + take), bounceOffset: bounceUsed });
      bounceUsed += take;
      pass.byteLength += take;
      done += take;
      closeRunIfWhole();
    }
  }
  if (runStart >= 0) throw new RangeError(`transfer length is not a multiple of ${blockBytes} bytes`);
  if (pass.buffers.length > 0 || passes.length === 0) passes.push(pass);
  return { passes, bouncedSegments, directSegments };
}

/** The bounce bytes a plan needs at once (0: no bounce buffer needed). */
export function bounceBytesNeeded(plan: TransferPlan): number {
  let most = 0;
  for (const pass of plan.passes) {
    for (const copy of pass.copies) most = Math.max(most, copy.bounceOffset + copy.view.byteLength);
  }
  return most;
}
