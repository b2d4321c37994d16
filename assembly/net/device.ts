// The 82540EM as the guest sees it: BAR0 register dispatch to the block that owns each
// register, the BAR1 IOADDR/IODATA window, CTRL/STATUS/CTRL_EXT and the general registers,
// EECD/EERD, MDIC to the PHY, link state, and resets (SDM 13, 14.3 for the resets).

import { SPACE_BAR0, timer_arm } from '../common/abi';
import { Eeprom } from './eeprom';
import { Interrupts } from './interrupts';
import { MacState } from './mac-state';
import { PHY_ADDRESS, Phy } from './phy';
import * as R from './registers';
import { ReceiveFilter } from './rx-filter';
import { ReceiveRing } from './rx-ring';
import { Statistics } from './statistics';
import { AUTONEG_NS, TIMER_AUTONEG } from './timers';
import { TransmitRing } from './tx-ring';

const SPACE_BAR1: u32 = SPACE_BAR0 + 1;
const REGISTER_WORDS: u32 = R.MMIO_SIZE / 4;
/** How long the link stays down when a crash-restarted core asks the driver for a reset:
 *  longer than Linux e1000's 2 s watchdog period (see E1000.crashRecovery). */
const CRASH_LINK_DOWN_NS: i64 = 3_000_000_000;
/** The interrupt causes every e1000 driver enables (Linux IMS_ENABLE_MASK). */
const DRIVER_INTERRUPT_MASK: u32 = R.ICR_RXT0 | R.ICR_TXDW | R.ICR_RXDMT0 | R.ICR_RXSEQ | R.ICR_LSC;
const CTRL_WRITABLE: u32 = ~(R.CTRL_RST | <u32>0x4); // bit 2 reserved
const CTRL_RESET_VALUE: u32 = R.CTRL_FD | R.CTRL_SLU | R.CTRL_SPEED_1000;
const IO_ADDR_MASK: u32 = 0x1fffc;

export class E1000 {
  readonly mac: MacState;
  readonly eeprom: Eeprom = new Eeprom();
  readonly phy: Phy = new Phy();
  readonly interrupts: Interrupts;
  readonly stats: Statistics;
  readonly filter: ReceiveFilter;
  readonly rx: ReceiveRing;
  readonly tx: TransmitRing;
  /** Plain storage for registers without behaviour (flow control, LEDs, wake-up, ...). */
  private readonly registers: StaticArray<u32> = new StaticArray<u32>(REGISTER_WORDS);
  private readonly stationAddress: usize = heap.alloc(8);
  private extendedControl: u32 = 0;
  private mdic: u32 = 0;
  private eerd: u32 = 0;
  private ioAddress: u32 = 0;
  /** Restarted after a crash and not yet reset by the driver (see crashRecovery). */
  private awaitingDriverReset: bool = false;

  constructor() {
    const mac = new MacState();
    this.mac = mac;
    const interrupts = new Interrupts();
    const stats = new Statistics();
    const filter = new ReceiveFilter();
    this.interrupts = interrupts;
    this.stats = stats;
    this.filter = filter;
    this.rx = new ReceiveRing(filter, stats, interrupts);
    this.tx = new TransmitRing(mac, stats, interrupts);
    // Until init: a locally administered placeholder address.
    store<u32>(this.stationAddress, 0x00545202);
    store<u16>(this.stationAddress, 0x5634, 4);
  }

  /** Applies the config's MAC and cable state, then resets as at power-on. */
  configure(mac: usize, cable: bool): void {
    memory.copy(this.stationAddress, mac, 6);
    this.phy.cable = cable;
    this.powerOnReset();
  }

  /** PCI reset / power on: MAC and PHY to defaults; the PHY starts negotiating. */
  powerOnReset(): void {
    this.awaitingDriverReset = false;
    this.resetMac();
    this.mac.linkUp = false;
    timer_arm(TIMER_AUTONEG, -1);
    if (this.phy.reset()) timer_arm(TIMER_AUTONEG, AUTONEG_NS);
  }

  /** After the previous core trapped. The MMIO registers are not replayed (only PCI config
   *  is), so the driver's rings, RCTL/TCTL and interrupt mask are gone while the driver
   *  believes them set, and only a full adapter reset by the driver recovers. Linux e1000
   *  resets the adapter from its watchdog when it finds the link down while transmit work is
   *  queued (its transmit hang detection alone does not reset it). So: the interrupt mask
   *  every e1000 driver uses is restored (the driver would not hear of a link change
   *  otherwise), and the first TDT write — the driver queueing transmit work that can never
   *  complete — drops the link with LSC for longer than the watchdog period (see
   *  writeRegister). The driver's reset (CTRL.RST) ends this state. Checked with a real
   *  Linux 6.1 guest: the watchdog reports the link down and resets the adapter at once. */
  crashRecovery(): void {
    this.powerOnReset();
    this.interrupts.setMask(DRIVER_INTERRUPT_MASK);
    this.awaitingDriverReset = true;
  }

  /** The driver queued transmit work on a core that lost its registers: pull the link. */
  private demandDriverReset(): void {
    if (!this.mac.linkUp) return;
    this.phy.restartNegotiation();
    timer_arm(TIMER_AUTONEG, CRASH_LINK_DOWN_NS);
    this.updateLink();
  }

  /** Software reset (CTRL.RST, SDM 14.3.3): everything but the PHY and PCI state. */
  private resetMac(): void {
    for (let i: u32 = 0; i < REGISTER_WORDS; i++) unchecked(this.registers[i] = 0);
    this.mac.control = CTRL_RESET_VALUE;
    this.mac.vlanEther = 0x8100;
    this.extendedControl = 0;
    this.mdic = R.MDIC_READY;
    this.eerd = 0;
    this.ioAddress = 0;
    this.eeprom.load(this.stationAddress);
    this.interrupts.reset();
    this.stats.reset();
    this.filter.reset(this.stationAddress);
    this.rx.reset();
    this.tx.reset();
    this.store(R.REG_PBA, 0x00000030); // 48 KiB receive, 16 KiB transmit packet buffer
    this.store(R.REG_LEDCTL, 0x07068302);
    this.store(R.REG_FCTTV, 0);
    this.store(R.REG_TXCW, 0);
  }

  // ---- link

  /** net_set_link: the cable is plugged in or pulled. */
  setCable(up: bool): void {
    if (up) {
      if (this.phy.setCable(true)) timer_arm(TIMER_AUTONEG, AUTONEG_NS);
    } else {
      this.phy.setCable(false);
      timer_arm(TIMER_AUTONEG, -1);
    }
    this.updateLink();
  }

  timerFired(timer: u32): void {
    if (timer == TIMER_AUTONEG) {
      this.phy.autonegComplete();
      this.updateLink();
      return;
    }
    this.interrupts.timerFired(timer);
  }

  /** STATUS.LU follows the PHY; a change raises LSC (SDM 13.4.17). */
  private updateLink(): void {
    const up = this.phy.link && (this.mac.control & R.CTRL_PHY_RST) == 0;
    if (up == this.mac.linkUp) return;
    this.mac.linkUp = up;
    this.interrupts.raise(R.ICR_LSC);
    if (up) this.tx.pump();
  }

  private status(): u32 {
    let v = R.STATUS_FD | R.STATUS_SPEED_1000 | R.STATUS_ASDV_1000;
    if (this.mac.linkUp) v |= R.STATUS_LU;
    return v;
  }

  // ---- BAR accesses

  ioRead(space: u32, offset: u64, size: u32): u64 {
    if (space == SPACE_BAR0) return this.mmioRead(offset, size);
    if (space == SPACE_BAR1 && size == 4 && offset == R.IO_ADDR) return this.ioAddress;
    if (space == SPACE_BAR1 && size == 4 && offset == R.IO_DATA) return this.readRegister(this.ioAddress);
    return 0;
  }

  ioWrite(space: u32, offset: u64, size: u32, value: u64): void {
    if (space == SPACE_BAR0) {
      this.mmioWrite(offset, size, value);
    } else if (space == SPACE_BAR1 && size == 4 && offset == R.IO_ADDR) {
      this.ioAddress = <u32>value & IO_ADDR_MASK;
    } else if (space == SPACE_BAR1 && size == 4 && offset == R.IO_DATA) {
      this.writeRegister(this.ioAddress, <u32>value);
    }
    // Other I/O offsets and widths are reserved (SDM 13.2): ignored.
  }

  /** Registers are dwords. A narrower access reads the whole register (with its side
   *  effects) and returns the addressed bytes, or merges into the register's current value
   *  on write; an access spanning registers is split per register. Outside the BAR reads 0. */
  private mmioRead(offset: u64, size: u32): u64 {
    if (size == 0 || size > 8 || offset >= <u64>R.MMIO_SIZE) return 0;
    let result: u64 = 0;
    let done: u32 = 0;
    while (done < size) {
      const at = <u32>offset + done;
      if (at >= R.MMIO_SIZE) break;
      const reg = at & ~3;
      const lane = at & 3;
      const bytes = min(4 - lane, size - done);
      const value = <u64>this.readRegister(reg) >> (<u64>lane * 8);
      const mask: u64 = bytes == 4 ? 0xffffffff : ((<u64>1 << (<u64>bytes * 8)) - 1);
      result |= (value & mask) << (<u64>done * 8);
      done += bytes;
    }
    return result;
  }

  private mmioWrite(offset: u64, size: u32, value: u64): void {
    if (size == 0 || size > 8 || offset >= <u64>R.MMIO_SIZE) return;
    let done: u32 = 0;
    while (done < size) {
      const at = <u32>offset + done;
      if (at >= R.MMIO_SIZE) break;
      const reg = at & ~3;
      const lane = at & 3;
      const bytes = min(4 - lane, size - done);
      const part = <u32>(value >> (<u64>done * 8));
      if (bytes == 4) {
        this.writeRegister(reg, part);
      } else {
        const mask: u32 = ((<u32>1 << (bytes * 8)) - 1) << (lane * 8);
        const merged = (this.peekRegister(reg) & ~mask) | ((part << (lane * 8)) & mask);
        this.writeRegister(reg, merged);
      }
      done += bytes;
    }
  }

  // ---- register dispatch

  private load(reg: u32): u32 {
    return unchecked(this.registers[(reg & (R.MMIO_SIZE - 1)) >> 2]);
  }

  private store(reg: u32, value: u32): void {
    unchecked(this.registers[(reg & (R.MMIO_SIZE - 1)) >> 2] = value);
  }

  /** A register's value without read side effects (for merging partial writes, and for the
   *  register shadow). */
  peekRegister(reg: u32): u32 {
    if (reg == R.REG_ICR) return this.interrupts.cause;
    if (Statistics.covers(reg)) return this.stats.peek(reg);
    return this.readRegister(reg);
  }

  readRegister(reg: u32): u32 {
    if (reg >= R.MMIO_SIZE) return 0;
    if (Statistics.covers(reg)) return this.stats.read(reg);
    if (reg >= R.REG_MTA && reg < R.REG_MTA + R.MTA_WORDS * 4) return unchecked(this.filter.multicastTable[(reg - R.REG_MTA) >> 2]);
    if (reg >= R.REG_RA && reg < R.REG_RA + R.RA_ENTRIES * 8) return unchecked(this.filter.addresses[(reg - R.REG_RA) >> 2]);
    if (reg >= R.REG_VFTA && reg < R.REG_VFTA + R.VFTA_WORDS * 4) return unchecked(this.filter.vlanTable[(reg - R.REG_VFTA) >> 2]);
    switch (reg) {
      case R.REG_CTRL:
      case R.REG_CTRL_DUP: return this.mac.control;
      case R.REG_STATUS: return this.status();
      case R.REG_EECD: return this.eeprom.readEecd();
      case R.REG_EERD: return this.eerd;
      case R.REG_CTRL_EXT: return this.extendedControl;
      case R.REG_MDIC: return this.mdic;
      case R.REG_VET: return this.mac.vlanEther;
      case R.REG_ICR: return this.interrupts.readAndClear();
      case R.REG_ITR: return this.interrupts.throttle;
      case R.REG_ICS: return 0; // write-only
      case R.REG_IMS: return this.interrupts.mask;
      case R.REG_IMC: return 0; // write-only
      case R.REG_RCTL: return this.rx.control;
      case R.REG_RDBAL: return this.rx.baseLow;
      case R.REG_RDBAH: return this.rx.baseHigh;
      case R.REG_RDLEN: return this.rx.lengthBytes;
      case R.REG_RDH: return this.rx.head;
      case R.REG_RDT: return this.rx.tail;
      case R.REG_RDTR: return this.interrupts.receive.packetDelay;
      case R.REG_RADV: return this.interrupts.receive.absoluteDelay;
      case R.REG_RXDCTL: return this.rx.descriptorControl;
      case R.REG_RXCSUM: return this.rx.checksumControl;
      case R.REG_RSRPD: return this.rx.smallPacketSize;
      case R.REG_TCTL: return this.tx.control;
      case R.REG_TIPG: return this.tx.interPacketGap;
      case R.REG_TDBAL: return this.tx.baseLow;
      case R.REG_TDBAH: return this.tx.baseHigh;
      case R.REG_TDLEN: return this.tx.lengthBytes;
      case R.REG_TDH: return this.tx.head;
      case R.REG_TDT: return this.tx.tail;
      case R.REG_TIDV: return this.interrupts.transmit.packetDelay;
      case R.REG_TADV: return this.interrupts.transmit.absoluteDelay;
      case R.REG_TXDCTL: return this.tx.descriptorControl;
      default: return this.load(reg);
    }
  }

  writeRegister(reg: u32, value: u32): void {
    if (reg >= R.MMIO_SIZE) return;
    if (Statistics.covers(reg)) return; // counters are read-only
    if (reg >= R.REG_MTA && reg < R.REG_MTA + R.MTA_WORDS * 4) {
      unchecked(this.filter.multicastTable[(reg - R.REG_MTA) >> 2] = value);
      return;
    }
    if (reg >= R.REG_RA && reg < R.REG_RA + R.RA_ENTRIES * 8) {
      // RAH keeps AV, AS and the upper address bytes (SDM 13.5.3).
      const isHigh = (reg & 4) != 0;
      unchecked(this.filter.addresses[(reg - R.REG_RA) >> 2] = isHigh ? value & (R.RAH_AV | R.RAH_ASEL_MASK | 0xffff) : value);
      return;
    }
    if (reg >= R.REG_VFTA && reg < R.REG_VFTA + R.VFTA_WORDS * 4) {
      unchecked(this.filter.vlanTable[(reg - R.REG_VFTA) >> 2] = value);
      return;
    }
    switch (reg) {
      case R.REG_CTRL:
      case R.REG_CTRL_DUP: this.writeControl(value); break;
      case R.REG_STATUS: break; // read-only
      case R.REG_EECD: this.eeprom.writeEecd(value); break;
      case R.REG_EERD: this.eerd = this.eeprom.eerd(value); break;
      case R.REG_CTRL_EXT: this.extendedControl = value & ~R.CTRL_EXT_EE_RST; break; // EE_RST self-clears
      case R.REG_MDIC: this.writeMdic(value); break;
      case R.REG_VET: this.mac.vlanEther = value & 0xffff; break;
      case R.REG_ICR: this.interrupts.clear(value); break;
      case R.REG_ITR: this.interrupts.setThrottle(value); break;
      case R.REG_ICS: this.interrupts.raise(value); break;
      case R.REG_IMS: this.interrupts.setMask(value); break;
      case R.REG_IMC: this.interrupts.clearMask(value); break;
      case R.REG_RCTL: this.rx.writeControl(value); break;
      case R.REG_RDBAL: this.rx.writeBaseLow(value); break;
      case R.REG_RDBAH: this.rx.writeBaseHigh(value); break;
      case R.REG_RDLEN: this.rx.writeLength(value); break;
      case R.REG_RDH: this.rx.writeHead(value); break;
      case R.REG_RDT: this.rx.writeTail(value); break;
      case R.REG_RDTR: this.interrupts.writeReceiveDelay(value); break;
      case R.REG_RADV: this.interrupts.writeReceiveAbsolute(value); break;
      case R.REG_RXDCTL: this.rx.descriptorControl = value; break;
      case R.REG_RXCSUM: this.rx.checksumControl = value & 0x3ff; break;
      case R.REG_RSRPD: this.rx.smallPacketSize = value & 0xfff; break;
      case R.REG_TCTL: this.tx.writeControl(value); break;
      case R.REG_TIPG: this.tx.interPacketGap = value; break;
      case R.REG_TDBAL: this.tx.writeBaseLow(value); break;
      case R.REG_TDBAH: this.tx.writeBaseHigh(value); break;
      case R.REG_TDLEN: this.tx.writeLength(value); break;
      case R.REG_TDH: this.tx.writeHead(value); break;
      case R.REG_TDT:
        this.tx.writeTail(value);
        if (this.awaitingDriverReset) this.demandDriverReset();
        break;
      case R.REG_TIDV: this.interrupts.writeTransmitDelay(value); break;
      case R.REG_TADV: this.interrupts.writeTransmitAbsolute(value); break;
      case R.REG_TXDCTL: this.tx.descriptorControl = value; break;
      default: this.store(reg, value); break;
    }
  }

  /** CTRL (SDM 13.4.1): RST resets the MAC and self-clears; PHY_RST holds the PHY in reset
   *  (link down) until cleared, then it negotiates again. */
  private writeControl(value: u32): void {
    if ((value & R.CTRL_RST) != 0) {
      this.awaitingDriverReset = false;
      this.resetMac();
      this.updateLink();
      return;
    }
    const previous = this.mac.control;
    this.mac.control = value & CTRL_WRITABLE;
    const phyReset = (value & R.CTRL_PHY_RST) != 0;
    const wasInReset = (previous & R.CTRL_PHY_RST) != 0;
    if (phyReset && !wasInReset) {
      this.phy.reset();
      this.phy.negotiating = false;
      timer_arm(TIMER_AUTONEG, -1);
    } else if (!phyReset && wasInReset) {
      if (this.phy.reset()) timer_arm(TIMER_AUTONEG, AUTONEG_NS);
    }
    this.updateLink();
  }

  /** MDIC (SDM 13.4.7): the access completes at once; only PHY address 1 answers. */
  private writeMdic(value: u32): void {
    const phyAddress = (value >> R.MDIC_PHY_SHIFT) & 0x1f;
    const reg = (value >> R.MDIC_REG_SHIFT) & 0x1f;
    const op = value & (3 << 26);
    let result = value & ~(R.MDIC_READY | R.MDIC_ERROR);
    if (phyAddress != PHY_ADDRESS || (op != R.MDIC_OP_READ && op != R.MDIC_OP_WRITE)) {
      result |= R.MDIC_ERROR;
    } else if (op == R.MDIC_OP_READ) {
      result = (result & ~R.MDIC_DATA_MASK) | this.phy.read(reg);
    } else if (this.phy.write(reg, value & R.MDIC_DATA_MASK)) {
      timer_arm(TIMER_AUTONEG, AUTONEG_NS);
    }
    this.mdic = result | R.MDIC_READY;
    this.updateLink();
    if ((value & R.MDIC_INT_EN) != 0) this.interrupts.raise(R.ICR_MDAC);
  }
}
