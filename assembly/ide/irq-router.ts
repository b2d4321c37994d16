// Where the two channels' INTRQ lines go. In legacy (compatibility) mode each channel has
// its ISA line, 14 and 15 (PCI IDE Controller Specification 1.0, section 2); in native mode
// both share the function's INTA#, the OR of the two. set_irq is level semantics and is
// called only when an output line actually changes.

import { IRQ_PCI_INTA, set_irq } from '../common/abi';

const LEGACY_IRQ_BASE: u32 = 14;

export class IrqRouter {
  private native: bool = false;
  private channelLevel0: bool = false;
  private channelLevel1: bool = false;
  private driven14: bool = false;
  private driven15: bool = false;
  private drivenInta: bool = false;

  /** Switches routing; lines driven under the old routing are released first. */
  setNative(native: bool): void {
    this.channelLevel0 = false;
    this.channelLevel1 = false;
    this.apply();
    this.native = native;
  }

  /** Records channel `channel`'s INTRQ level and drives whatever output changed. */
  update(channel: u32, level: bool): void {
    if (channel == 0) this.channelLevel0 = level;
    else this.channelLevel1 = level;
    this.apply();
  }

  private apply(): void {
    const want14 = !this.native && this.channelLevel0;
    const want15 = !this.native && this.channelLevel1;
    const wantInta = this.native && (this.channelLevel0 || this.channelLevel1);
    if (want14 != this.driven14) {
      this.driven14 = want14;
      set_irq(LEGACY_IRQ_BASE, want14 ? 1 : 0);
    }
    if (want15 != this.driven15) {
      this.driven15 = want15;
      set_irq(LEGACY_IRQ_BASE + 1, want15 ? 1 : 0);
    }
    if (wantInta != this.drivenInta) {
      this.drivenInta = wantInta;
      set_irq(IRQ_PCI_INTA, wantInta ? 1 : 0);
    }
  }
}
