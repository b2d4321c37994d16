// DMA and SCSI interrupt status: DSTAT, SIST0, SIST1 and the summary bits of ISTAT (DIP, SIP,
// INTF), interrupt stacking, and the INTA# level.
//
// Stacking (LSI53C895A data manual, "Stacked Interrupts"; same text in the 53C896/1010
// manuals): while ISTAT shows a pending interrupt (SIP or DIP set: the first level), further
// interrupts are posted to hidden registers behind DSTAT/SIST0/SIST1 (the second level, which
// accumulates). Once the first level has been read clear, the hidden bits move into the
// visible registers and the interrupt is raised again. A masked non-fatal SCSI interrupt
// (CMP, SEL, RSL, GEN, HTH with its SIEN bit clear) is posted straight to SIST0/SIST1 without
// setting SIP, so it is never stacked and never raises the pin.
//
// Fatal interrupts (every DSTAT interrupt; SIST0 MA/SGE/UDC/RST/PAR; SIST1 STO/SBMC) halt
// SCRIPTS even when masked; a masked one still sets SIP/DIP but does not drive INTA#
// ("Masking"). INTF (interrupt on the fly) is separate: it is set by INTFLY, cleared by
// writing 1 to it, and never halts SCRIPTS.

import { IRQ_PCI_INTA, set_irq } from '../../common/abi';
import {
  DCNTL, DCNTL_IRQD, DIEN, DSTAT_INTERRUPTS, ISTAT1, ISTAT1_SIRQD, ISTAT_DIP, ISTAT_INTF, ISTAT_SIP,
  SIEN0, SIEN1, SIST0_CMP, SIST0_RSL, SIST0_SEL, SIST1_GEN, SIST1_HTH,
} from './register-map';
import { RegisterFile } from './register-file';

const NONFATAL0: u32 = SIST0_CMP | SIST0_SEL | SIST0_RSL;
const NONFATAL1: u32 = SIST1_GEN | SIST1_HTH;

export class InterruptStatus {
  dstat: u32 = 0;
  sist0: u32 = 0;
  sist1: u32 = 0;
  private stackedDstat: u32 = 0;
  private stackedSist0: u32 = 0;
  private stackedSist1: u32 = 0;
  intf: bool = false;
  /** An interrupt was posted that stops SCRIPTS; the processor takes (clears) it. */
  haltRequest: bool = false;
  private pinLevel: i32 = -1;

  constructor(private readonly regs: RegisterFile) {}

  reset(): void {
    this.dstat = 0;
    this.sist0 = 0;
    this.sist1 = 0;
    this.stackedDstat = 0;
    this.stackedSist0 = 0;
    this.stackedSist1 = 0;
    this.intf = false;
    this.haltRequest = false;
    this.update();
  }

  /** DIP: a DMA interrupt is pending in DSTAT. */
  get dip(): bool {
    return (this.dstat & DSTAT_INTERRUPTS) != 0;
  }

  /** SIP: a SCSI interrupt that is fatal or enabled is pending in SIST0/SIST1. */
  get sip(): bool {
    return (this.sist0 & (this.regs.get8(SIEN0) | ~NONFATAL0) & 0xff) != 0 ||
      (this.sist1 & (this.regs.get8(SIEN1) | ~NONFATAL1) & 0xff) != 0;
  }

  /** ISTAT bits 2:0. */
  get istatBits(): u32 {
    return (this.dip ? ISTAT_DIP : 0) | (this.sip ? ISTAT_SIP : 0) | (this.intf ? ISTAT_INTF : 0);
  }

  private get firstLevelBusy(): bool {
    return this.dip || this.sip;
  }

  /** Posts DMA interrupt `bits`. Every DMA interrupt is fatal: SCRIPTS must halt. */
  raiseDma(bits: u32): void {
    if (this.firstLevelBusy) this.stackedDstat |= bits;
    else this.dstat |= bits;
    this.haltRequest = true;
    this.update();
  }

  /** Posts SCSI interrupt bits; returns true when they require SCRIPTS to halt (any fatal
   *  bit, or a non-fatal one that is enabled). */
  raiseScsi(bits0: u32, bits1: u32): bool {
    const enabled0 = this.regs.get8(SIEN0);
    const enabled1 = this.regs.get8(SIEN1);
    const silent0 = bits0 & NONFATAL0 & ~enabled0;
    const silent1 = bits1 & NONFATAL1 & ~enabled1;
    const loud0 = bits0 & ~silent0;
    const loud1 = bits1 & ~silent1;
    this.sist0 |= silent0;
    this.sist1 |= silent1;
    if (loud0 != 0 || loud1 != 0) {
      if (this.firstLevelBusy) {
        this.stackedSist0 |= loud0;
        this.stackedSist1 |= loud1;
      } else {
        this.sist0 |= loud0;
        this.sist1 |= loud1;
      }
    }
    const halts = loud0 != 0 || loud1 != 0;
    if (halts) this.haltRequest = true;
    this.update();
    return halts;
  }

  setIntf(): void {
    this.intf = true;
    this.update();
  }

  clearIntf(): void {
    this.intf = false;
    this.update();
  }

  /** Host or SCRIPTS read of DSTAT: returns the interrupt bits and clears them. */
  takeDstat(): u32 {
    const value = this.dstat;
    this.dstat = 0;
    this.promoteStacked();
    return value;
  }

  takeSist0(): u32 {
    const value = this.sist0;
    this.sist0 = 0;
    this.promoteStacked();
    return value;
  }

  takeSist1(): u32 {
    const value = this.sist1;
    this.sist1 = 0;
    this.promoteStacked();
    return value;
  }

  /** Re-evaluates INTA# (after an enable register or DCNTL changed, too). */
  update(): void {
    const pending = (this.dstat & this.regs.get8(DIEN) & DSTAT_INTERRUPTS) != 0 ||
      (this.sist0 & this.regs.get8(SIEN0)) != 0 ||
      (this.sist1 & this.regs.get8(SIEN1)) != 0 ||
      this.intf;
    const disabled = this.regs.testBits(DCNTL, DCNTL_IRQD) || this.regs.testBits(ISTAT1, ISTAT1_SIRQD);
    const level: i32 = pending && !disabled ? 1 : 0;
    if (level != this.pinLevel) {
      this.pinLevel = level;
      set_irq(IRQ_PCI_INTA, <u32>level);
    }
  }

  /** Forgets the last driven level so the next update drives the pin again (a new core
   *  instance does not know what the old one left on the line). */
  forgetPinLevel(): void {
    this.pinLevel = -1;
  }

  private promoteStacked(): void {
    if (!this.firstLevelBusy && (this.stackedDstat | this.stackedSist0 | this.stackedSist1) != 0) {
      this.dstat |= this.stackedDstat;
      this.sist0 |= this.stackedSist0;
      this.sist1 |= this.stackedSist1;
      this.stackedDstat = 0;
      this.stackedSist0 = 0;
      this.stackedSist1 = 0;
    }
    this.update();
  }
}
