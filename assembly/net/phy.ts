// The internal copper PHY of the 82540EM (a Marvell 88E1011 core, PHY address 1), reached
// through MDIC (SDM 13.4.7; PHY registers SDM 13.3.1-13.3.21). It negotiates 1000BASE-T full
// duplex with the link partner: a restart of autonegotiation (or a PHY reset) drops the link,
// and the owner calls autonegComplete() when its timer fires.

export const PHY_ADDRESS: u32 = 1;
export const PHY_REGISTERS: u32 = 32;

export const PHY_CTRL: u32 = 0;
export const PHY_STATUS: u32 = 1;
export const PHY_ID1: u32 = 2;
export const PHY_ID2: u32 = 3;
export const PHY_AUTONEG_ADV: u32 = 4;
export const PHY_LP_ABILITY: u32 = 5;
export const PHY_AUTONEG_EXP: u32 = 6;
export const PHY_1000T_CTRL: u32 = 9;
export const PHY_1000T_STATUS: u32 = 10;
export const PHY_EXT_STATUS: u32 = 15;
export const M88_PHY_SPEC_CTRL: u32 = 16;
export const M88_PHY_SPEC_STATUS: u32 = 17;
export const M88_EXT_PHY_SPEC_CTRL: u32 = 20;

// PHY_CTRL (SDM 13.3.1)
export const MII_CR_SPEED_1000: u32 = 0x0040;
export const MII_CR_FULL_DUPLEX: u32 = 0x0100;
export const MII_CR_RESTART_AUTONEG: u32 = 0x0200;
export const MII_CR_POWER_DOWN: u32 = 0x0800;
export const MII_CR_AUTONEG_ENABLE: u32 = 0x1000;
export const MII_CR_RESET: u32 = 0x8000;
// PHY_STATUS (SDM 13.3.2)
export const MII_SR_LINK_STATUS: u32 = 0x0004;
export const MII_SR_AUTONEG_COMPLETE: u32 = 0x0020;
/** Capabilities: extended regs, autoneg able, preamble suppression, extended status,
 *  10/100 half and full duplex. */
const MII_SR_CAPABILITIES: u32 = 0x7949;
// M88 PHY specific status (SDM 13.3.15)
const M88_PSSR_LINK: u32 = 0x0400;
const M88_PSSR_SPEED_DUPLEX_RESOLVED: u32 = 0x0800;
const M88_PSSR_DUPLEX: u32 = 0x2000;
const M88_PSSR_SPEED_1000: u32 = 0x8000;

/** 88E1011: OUI 0x005043, model 0x0C2 (Linux M88E1011_I_PHY_ID 0x01410C20). */
const PHY_ID1_VALUE: u32 = 0x0141;
const PHY_ID2_VALUE: u32 = 0x0c20;
/** What the link partner advertises: 10/100 half/full, pause, acknowledge. */
const PARTNER_ABILITY: u32 = 0x45e1;
/** 1000BASE-T status with link: local and remote receivers OK, partner 1000 full/half. */
const PARTNER_1000T: u32 = 0x3c00;

export class Phy {
  private readonly regs: StaticArray<u16> = new StaticArray<u16>(PHY_REGISTERS);
  /** The cable (control plane's set_link). */
  cable: bool = true;
  /** Link established (what PHY_STATUS and the MAC's STATUS.LU report). */
  link: bool = false;
  /** Autonegotiation is running; the owner's timer completes it. */
  negotiating: bool = false;

  /** Power-on / PHY reset defaults (SDM 13.3). Link drops; negotiation starts when a cable
   *  is present. Returns true when the owner must start its autonegotiation timer. */
  reset(): bool {
    for (let i: u32 = 0; i < PHY_REGISTERS; i++) unchecked(this.regs[i] = 0);
    this.set(PHY_CTRL, MII_CR_AUTONEG_ENABLE | MII_CR_FULL_DUPLEX | MII_CR_SPEED_1000);
    this.set(PHY_ID1, PHY_ID1_VALUE);
    this.set(PHY_ID2, PHY_ID2_VALUE);
    this.set(PHY_AUTONEG_ADV, 0x01e1);
    this.set(PHY_1000T_CTRL, 0x0300);
    this.set(PHY_EXT_STATUS, 0x3000);
    this.set(M88_PHY_SPEC_CTRL, 0x0068);
    this.set(M88_EXT_PHY_SPEC_CTRL, 0x0d60);
    this.link = false;
    return this.restartNegotiation();
  }

  /** Drops the link and starts negotiating if there is a partner. */
  restartNegotiation(): bool {
    this.link = false;
    this.negotiating = this.cable && !this.poweredDown();
    this.updateStatus();
    return this.negotiating;
  }

  /** The owner's timer fired: the partner answered, the link is up at 1000/full. */
  autonegComplete(): bool {
    if (!this.negotiating) return false;
    this.negotiating = false;
    this.link = this.cable && !this.poweredDown();
    this.updateStatus();
    return this.link;
  }

  /** Cable plugged or unplugged. Returns true when negotiation must be (re)started. */
  setCable(present: bool): bool {
    this.cable = present;
    if (!present) {
      this.link = false;
      this.negotiating = false;
      this.updateStatus();
      return false;
    }
    if (this.link || this.negotiating) return false;
    return this.restartNegotiation();
  }

  read(reg: u32): u32 {
    if (reg >= PHY_REGISTERS) return 0;
    return <u32>unchecked(this.regs[reg]);
  }

  /** A write through MDIC. Returns true when autonegotiation restarted (start the timer). */
  write(reg: u32, value: u32): bool {
    if (reg >= PHY_REGISTERS) return false;
    switch (reg) {
      case PHY_CTRL: {
        if ((value & MII_CR_RESET) != 0) {
          // Reset self-clears; the written control bits other than RESET take effect.
          this.reset();
          this.set(PHY_CTRL, value & ~(MII_CR_RESET | MII_CR_RESTART_AUTONEG));
          return this.restartNegotiation();
        }
        const wasDown = this.poweredDown();
        this.set(PHY_CTRL, value & ~MII_CR_RESTART_AUTONEG);
        if ((value & MII_CR_RESTART_AUTONEG) != 0 || (wasDown && !this.poweredDown())) {
          return this.restartNegotiation();
        }
        if (this.poweredDown()) {
          this.link = false;
          this.negotiating = false;
          this.updateStatus();
        }
        return false;
      }
      case PHY_STATUS:
      case PHY_ID1:
      case PHY_ID2:
      case PHY_LP_ABILITY:
      case PHY_AUTONEG_EXP:
      case PHY_1000T_STATUS:
      case PHY_EXT_STATUS:
      case M88_PHY_SPEC_STATUS:
        return false; // read-only
      default:
        this.set(reg, value);
        return false;
    }
  }

  private poweredDown(): bool {
    return (this.read(PHY_CTRL) & MII_CR_POWER_DOWN) != 0;
  }

  private set(reg: u32, value: u32): void {
    unchecked(this.regs[reg] = <u16>value);
  }

  private updateStatus(): void {
    let status = MII_SR_CAPABILITIES;
    if (this.link) status |= MII_SR_LINK_STATUS | MII_SR_AUTONEG_COMPLETE;
    this.set(PHY_STATUS, status);
    this.set(PHY_LP_ABILITY, this.link ? PARTNER_ABILITY : 0);
    this.set(PHY_AUTONEG_EXP, this.link ? 0x0001 : 0);
    this.set(PHY_1000T_STATUS, this.link ? PARTNER_1000T : 0);
    this.set(M88_PHY_SPEC_STATUS, this.link
      ? M88_PSSR_SPEED_1000 | M88_PSSR_DUPLEX | M88_PSSR_SPEED_DUPLEX_RESOLVED | M88_PSSR_LINK
      : 0);
  }
}
