// Interrupt cause and mask registers (SDM 13.4.17-13.4.21) driving PCI INTA# as a level, with
// the 82540's moderation: ITR spaces assertions at least ITR x 256 ns apart (SDM 13.4.18);
// RDTR/RADV delay RXT0 after a received frame (packet timer re-armed per frame, absolute
// timer not, SDM 3.2.7.1); TIDV/TADV do the same for TXDW of descriptors with IDE
// (SDM 3.4.2). On the 82540 ICR bit 31 (INT_ASSERTED) is reserved and reads 0; ICR reads
// clear every cause whatever the mask.

import { IRQ_PCI_INTA, set_irq, timer_arm } from '../common/abi';
import { ICR_RXT0, ICR_TXDW, ICR_VALID_MASK, DELAY_FPD } from './registers';
import { DELAY_UNIT_NS, ITR_UNIT_NS, TIMER_ITR, TIMER_RADV, TIMER_RDTR, TIMER_TADV, TIMER_TIDV } from './timers';

const ITR_INTERVAL_MASK: u32 = 0xffff;
const DELAY_MASK: u32 = 0xffff;

/** One delayed cause with a packet timer and an absolute timer (RDTR/RADV, TIDV/TADV). */
class DelayedCause {
  packetDelay: u32 = 0;
  absoluteDelay: u32 = 0;
  pending: bool = false;
  absoluteRunning: bool = false;

  constructor(readonly cause: u32, readonly packetTimer: u32, readonly absoluteTimer: u32) {}

  reset(): void {
    this.packetDelay = 0;
    this.absoluteDelay = 0;
    this.cancel();
  }

  cancel(): void {
    if (this.pending) {
      timer_arm(this.packetTimer, -1);
      if (this.absoluteRunning) timer_arm(this.absoluteTimer, -1);
    }
    this.pending = false;
    this.absoluteRunning = false;
  }

  /** A frame or descriptor finished. Returns true when the cause must be raised now. */
  event(): bool {
    if (this.packetDelay == 0) {
      this.cancel();
      return true;
    }
    this.pending = true;
    timer_arm(this.packetTimer, <i64>this.packetDelay * DELAY_UNIT_NS);
    if (this.absoluteDelay != 0 && !this.absoluteRunning) {
      this.absoluteRunning = true;
      timer_arm(this.absoluteTimer, <i64>this.absoluteDelay * DELAY_UNIT_NS);
    }
    return false;
  }

  /** Either timer fired. Returns true when the cause must be raised. */
  fired(): bool {
    if (!this.pending) return false;
    this.cancel();
    return true;
  }
}

export class Interrupts {
  cause: u32 = 0;
  mask: u32 = 0;
  throttle: u32 = 0;
  /** Level currently driven on INTA#. */
  private asserted: bool = false;
  /** The ITR interval since the last assertion has not elapsed yet. */
  private throttling: bool = false;
  readonly receive: DelayedCause = new DelayedCause(ICR_RXT0, TIMER_RDTR, TIMER_RADV);
  readonly transmit: DelayedCause = new DelayedCause(ICR_TXDW, TIMER_TIDV, TIMER_TADV);

  reset(): void {
    this.cause = 0;
    this.mask = 0;
    this.throttle = 0;
    if (this.throttling) timer_arm(TIMER_ITR, -1);
    this.throttling = false;
    this.receive.reset();
    this.transmit.reset();
    this.drive(false);
  }

  raise(causes: u32): void {
    this.cause |= causes & ICR_VALID_MASK;
    this.update();
  }

  /** ICR read: every cause clears (82540: no INT_ASSERTED gating). */
  readAndClear(): u32 {
    const value = this.cause;
    this.cause = 0;
    this.update();
    return value;
  }

  /** ICR write: writing 1s clears those causes (SDM 13.4.17). */
  clear(causes: u32): void {
    this.cause &= ~causes;
    this.update();
  }

  setMask(bits: u32): void {
    this.mask |= bits & ICR_VALID_MASK;
    this.update();
  }

  clearMask(bits: u32): void {
    this.mask &= ~bits;
    this.update();
  }

  setThrottle(value: u32): void {
    this.throttle = value & ITR_INTERVAL_MASK;
    if (this.throttle == 0 && this.throttling) {
      timer_arm(TIMER_ITR, -1);
      this.throttling = false;
      this.update();
    }
  }

  // ---- RDTR / RADV / TIDV / TADV
  readReceiveDelay(): u32 {
    return this.receive.packetDelay;
  }
  writeReceiveDelay(value: u32): void {
    this.receive.packetDelay = value & DELAY_MASK;
    if ((value & DELAY_FPD) != 0 && this.receive.fired()) this.raise(ICR_RXT0);
  }
  writeReceiveAbsolute(value: u32): void {
    this.receive.absoluteDelay = value & DELAY_MASK;
  }
  writeTransmitDelay(value: u32): void {
    this.transmit.packetDelay = value & DELAY_MASK;
    if ((value & DELAY_FPD) != 0 && this.transmit.fired()) this.raise(ICR_TXDW);
  }
  writeTransmitAbsolute(value: u32): void {
    this.transmit.absoluteDelay = value & DELAY_MASK;
  }

  /** A frame was written back to the receive ring. */
  frameReceived(): void {
    if (this.receive.event()) this.raise(ICR_RXT0);
  }

  /** A transmit descriptor was written back; `delayed` is its IDE bit. */
  descriptorDone(delayed: bool): void {
    if (!delayed) {
      this.transmit.cancel();
      this.raise(ICR_TXDW);
    } else if (this.transmit.event()) {
      this.raise(ICR_TXDW);
    }
  }

  /** Handles this block's timers; returns false for a timer it does not own. */
  timerFired(timer: u32): bool {
    if (timer == TIMER_ITR) {
      this.throttling = false;
      this.update();
      return true;
    }
    if (timer == TIMER_RDTR || timer == TIMER_RADV) {
      if (this.receive.fired()) this.raise(ICR_RXT0);
      return true;
    }
    if (timer == TIMER_TIDV || timer == TIMER_TADV) {
      if (this.transmit.fired()) this.raise(ICR_TXDW);
      return true;
    }
    return false;
  }

  private update(): void {
    const wanted = (this.cause & this.mask) != 0;
    if (!wanted) {
      this.drive(false);
      return;
    }
    if (this.asserted || this.throttling) return;
    this.drive(true);
    if (this.throttle != 0) {
      this.throttling = true;
      timer_arm(TIMER_ITR, <i64>this.throttle * ITR_UNIT_NS);
    }
  }

  private drive(level: bool): void {
    if (level == this.asserted) return;
    this.asserted = level;
    set_irq(IRQ_PCI_INTA, level ? 1 : 0);
  }
}
