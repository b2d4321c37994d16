// The device worker's side of the register shadow (src/shared-mem/register-shadow.ts): asks
// the core which registers it declares side-effect free (shadow_count / shadow_register,
// assembly/common/abi.ts), and after every change of the device reads them with io_read and
// publishes them together with how many ring requests are served. The worker brackets every
// core call that can change the device with beginChange() ... publish().

import { RegisterShadow, type ShadowRegister } from '../../shared-mem/register-shadow.js';
import { SHADOW_MAX_REGISTERS, SHADOW_ZERO_ONLY, decodeShadowRegister, type CoreExports, type ShadowCoreExports } from './core-abi.js';

export class ShadowPublisher {
  private readonly shadow: RegisterShadow;
  private spaces: number[] = [];
  private offsets: bigint[] = [];
  private sizes: number[] = [];
  private readRegister = (i: number): number => Number(this.core.io_read(this.spaces[i]!, this.offsets[i]!, this.sizes[i]!) & 0xffff_ffffn);

  constructor(
    sab: SharedArrayBuffer,
    private readonly core: CoreExports & ShadowCoreExports,
  ) {
    this.shadow = RegisterShadow.attach(sab);
  }

  /** Reads the core's declarations (after init) into the shared directory. A core without
   *  the exports shadows nothing. Throws on a malformed declaration (a core bug). */
  declare(): ShadowRegister[] {
    const count = this.core.shadow_count?.() ?? 0;
    if (count < 0 || count > SHADOW_MAX_REGISTERS || (count > 0 && !this.core.shadow_register)) {
      throw new RangeError(`core declares ${count} shadowed registers (at most ${SHADOW_MAX_REGISTERS}, each described by shadow_register)`);
    }
    const registers: ShadowRegister[] = [];
    for (let i = 0; i < count; i++) {
      const d = decodeShadowRegister(this.core.shadow_register!(i));
      registers.push({ space: d.space, offset: d.offset, size: d.size as 1 | 2 | 4, flags: d.flags });
    }
    if (registers.some((r) => (r.flags & SHADOW_ZERO_ONLY) !== 0) && !this.core.shadow_peek) {
      throw new RangeError('core declares a zero-only shadowed register without exporting shadow_peek');
    }
    this.shadow.describe(registers); // validates
    const peek = this.core.shadow_peek;
    // A read-to-clear register cannot be refreshed with io_read: the core peeks at all of them.
    if (peek) this.readRegister = (i: number): number => peek(i) >>> 0;
    this.spaces = registers.map((r) => r.space);
    this.offsets = registers.map((r) => BigInt(r.offset));
    this.sizes = registers.map((r) => r.size);
    return registers;
  }

  /** Open changes: a core call can nest another (a backend completing a frame synchronously
   *  inside the net_transmit import of a request being served); only the outermost publishes,
   *  or the host could take a half-served request for a quiet device. */
  private depth = 0;

  /** A core call that may change the device follows. `async`: not the serving of a request. */
  beginChange(async: boolean): void {
    this.depth++;
    this.shadow.beginChange(async);
  }

  /** The device is quiet again: publish its registers and the ring requests served so far. */
  publish(served: number): void {
    if (this.depth > 0) this.depth--;
    if (this.depth > 0) return;
    this.shadow.publish(served, this.readRegister);
  }
}
