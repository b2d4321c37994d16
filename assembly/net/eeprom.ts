// The 82540EM's serial EEPROM: a 64-word Microwire part (93C46 style, SDM 5.3.1 and table
// 5-2), reached by bit-banging EECD (SDM 13.4.3) or a word at a time through EERD
// (SDM 13.4.4). The image holds the MAC address in words 0-2 and the initialization words
// the driver reads; word 0x3F makes words 0..0x3F sum to 0xBABA (SDM 5.6.22).

export const EEPROM_WORDS: u32 = 64;
const ADDRESS_BITS: u32 = 6;
/** Start bit plus the two-bit READ opcode (binary 1 10). */
const READ_COMMAND: u32 = 0b110;
const COMMAND_BITS: u32 = 3;
export const EEPROM_SUM: u32 = 0xbaba;
export const EEPROM_CHECKSUM_WORD: u32 = 0x3f;

// EECD bits
export const EECD_SK: u32 = 1 << 0;
export const EECD_CS: u32 = 1 << 1;
export const EECD_DI: u32 = 1 << 2;
export const EECD_DO: u32 = 1 << 3;
export const EECD_FWE_MASK: u32 = 3 << 4;
export const EECD_REQ: u32 = 1 << 6;
export const EECD_GNT: u32 = 1 << 7;
export const EECD_PRES: u32 = 1 << 8;
/** EE_SIZE (bit 9) clear: the 64-word part, 6 address bits. */
const EECD_WRITABLE: u32 = EECD_SK | EECD_CS | EECD_DI | EECD_FWE_MASK | EECD_REQ;

// EERD bits (SDM 13.4.4)
export const EERD_START: u32 = 1 << 0;
export const EERD_DONE: u32 = 1 << 4;
const EERD_ADDR_SHIFT: u32 = 8;
const EERD_DATA_SHIFT: u32 = 16;

// Word offsets of the image (SDM table 5-2)
const WORD_COMPAT: u32 = 0x03;
const WORD_LED: u32 = 0x04;
const WORD_PBA_0: u32 = 0x08;
const WORD_PBA_1: u32 = 0x09;
const WORD_INIT_CONTROL_1: u32 = 0x0a;
const WORD_SUBSYSTEM_ID: u32 = 0x0b;
const WORD_SUBSYSTEM_VENDOR: u32 = 0x0c;
const WORD_DEVICE_ID: u32 = 0x0d;
const WORD_VENDOR_ID: u32 = 0x0e;
const WORD_INIT_CONTROL_2: u32 = 0x0f;
const WORD_INIT_CONTROL_3: u32 = 0x24;

export const INTEL_VENDOR_ID: u32 = 0x8086;
export const E1000_82540EM_DEVICE_ID: u32 = 0x100e;

export class Eeprom {
  private readonly words: StaticArray<u16> = new StaticArray<u16>(EEPROM_WORDS);
  /** EECD as last written (writable bits only). */
  private control: u32 = 0;
  // Microwire shift state, valid while CS is high.
  private bitsIn: u32 = 0;
  private shiftIn: u32 = 0;
  private reading: bool = false;
  private readWord: u32 = 0;
  /** Bit of readWord on DO (15..0), -1 before the first data clock. */
  private readBit: i32 = -1;
  private dataOut: bool = true;
  /** An unsupported command was shifted in: ignore clocks until CS drops. */
  private ignoring: bool = false;

  /** Builds the image for `mac` (6 bytes, wire order). */
  load(mac: usize): void {
    for (let i: u32 = 0; i < EEPROM_WORDS; i++) unchecked(this.words[i] = 0xffff);
    for (let i: u32 = 0; i < 3; i++) {
      const w = <u32>load<u8>(mac + i * 2) | (<u32>load<u8>(mac + i * 2 + 1) << 8);
      unchecked(this.words[i] = <u16>w);
    }
    // Compatibility word: no special features; LED word 0xffff tells the driver to use its
    // default LED configuration (Linux e1000_id_led_init).
    unchecked(this.words[WORD_COMPAT] = 0);
    unchecked(this.words[WORD_LED] = 0xffff);
    // Printed board assembly number, reported by the driver at probe.
    unchecked(this.words[WORD_PBA_0] = 0x2000);
    unchecked(this.words[WORD_PBA_1] = 0x0001);
    // Initialization control 1: load subsystem IDs (bit 0), load device IDs (bit 1),
    // 64-bit-bus-capable bits clear; bit 15:14 = 01 marks a valid signature.
    unchecked(this.words[WORD_INIT_CONTROL_1] = 0x4003);
    unchecked(this.words[WORD_SUBSYSTEM_ID] = <u16>E1000_82540EM_DEVICE_ID);
    unchecked(this.words[WORD_SUBSYSTEM_VENDOR] = <u16>INTEL_VENDOR_ID);
    unchecked(this.words[WORD_DEVICE_ID] = <u16>E1000_82540EM_DEVICE_ID);
    unchecked(this.words[WORD_VENDOR_ID] = <u16>INTEL_VENDOR_ID);
    // Initialization control 2: pause capabilities (bits 13:12 = 11, symmetric and
    // asymmetric), APM enable clear; signature 01 in 15:14.
    unchecked(this.words[WORD_INIT_CONTROL_2] = 0x7000);
    // Initialization control 3 (port A): no APM wake-up, no SDP defaults.
    unchecked(this.words[WORD_INIT_CONTROL_3] = 0x0000);
    let sum: u32 = 0;
    for (let i: u32 = 0; i < EEPROM_CHECKSUM_WORD; i++) sum += <u32>unchecked(this.words[i]);
    unchecked(this.words[EEPROM_CHECKSUM_WORD] = <u16>((EEPROM_SUM - sum) & 0xffff));
    this.resetInterface();
  }

  word(index: u32): u32 {
    return index < EEPROM_WORDS ? <u32>unchecked(this.words[index]) : 0xffff;
  }

  resetInterface(): void {
    this.control = 0;
    this.deselect();
  }

  private deselect(): void {
    this.bitsIn = 0;
    this.shiftIn = 0;
    this.reading = false;
    this.readBit = -1;
    this.dataOut = true;
    this.ignoring = false;
  }

  /** EECD read: the pins as driven, DO from the part, GNT granted whenever requested (there
   *  is no on-chip EEPROM user to wait for), PRES set. */
  readEecd(): u32 {
    let v = this.control | EECD_PRES;
    if ((this.control & EECD_REQ) != 0) v |= EECD_GNT;
    if (this.dataOut) v |= EECD_DO;
    return v;
  }

  /** EECD write. Software owns the pins only while it holds the grant (SDM 5.3.1): the
   *  Microwire state machine runs on the rising edge of SK while CS is high. */
  writeEecd(value: u32): void {
    const previous = this.control;
    this.control = value & EECD_WRITABLE;
    if ((this.control & EECD_REQ) == 0) return;
    if ((this.control & EECD_CS) == 0) {
      this.deselect();
      return;
    }
    const risingClock = (previous & EECD_SK) == 0 && (this.control & EECD_SK) != 0;
    if (!risingClock || this.ignoring) return;
    if (this.reading) {
      this.clockOut();
      return;
    }
    const bit: u32 = (this.control & EECD_DI) != 0 ? 1 : 0;
    // Leading zeros before the start bit are ignored by the part.
    if (this.bitsIn == 0 && bit == 0) return;
    this.shiftIn = (this.shiftIn << 1) | bit;
    this.bitsIn++;
    if (this.bitsIn == COMMAND_BITS + ADDRESS_BITS) {
      const command = this.shiftIn >> ADDRESS_BITS;
      if (command == READ_COMMAND) {
        this.reading = true;
        this.readWord = this.shiftIn & (EEPROM_WORDS - 1);
        this.readBit = -1;
        // The part drives a dummy 0 after the last address bit.
        this.dataOut = false;
      }
      // Other commands (EWEN, WRITE, ERASE) are not supported: the image is read-only. The
      // part ignores the rest of the cycle until CS drops.
      if (!this.reading) this.ignoring = true;
    }
  }

  /** One data bit per clock, most significant first; a read continues into the next word
   *  (sequential read, 93C46). */
  private clockOut(): void {
    if (this.readBit <= 0) {
      if (this.readBit == 0) this.readWord = (this.readWord + 1) & (EEPROM_WORDS - 1);
      this.readBit = 15;
    } else {
      this.readBit--;
    }
    this.dataOut = ((<u32>unchecked(this.words[this.readWord]) >> <u32>this.readBit) & 1) != 0;
  }

  /** EERD: a write with START reads the addressed word at once; the result reads back with
   *  DONE set. Addresses past the part read as 0xffff (no device answers). */
  eerd(value: u32): u32 {
    if ((value & EERD_START) == 0) return value & ~EERD_DONE;
    const address = (value >> EERD_ADDR_SHIFT) & 0xff;
    return (address << EERD_ADDR_SHIFT) | EERD_DONE | (this.word(address) << EERD_DATA_SHIFT);
  }
}
