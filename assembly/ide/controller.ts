// The PIIX3 IDE function as a whole: address decoding of the guest's accesses onto the two
// channels' register blocks and the bus master block (PCI IDE Controller Specification 1.0
// section 2; PIIX3 datasheet 2.7), interrupt routing, PCI-specific registers and resets.
//
//   legacy mode:  ports 1F0h-1F7h + 3F6h (channel 0), 170h-177h + 376h (channel 1)
//   native mode:  BAR0/BAR2 command block, BAR1/BAR3 control block (register at offset 2),
//                 each declared as 16 bytes; bytes without a register read FFh
//   both modes:   BAR4 bus master, channel 0 at +0, channel 1 at +8
// A channel's command and control blocks decode only while its IDETIM decode enable is
// set (pci-config.ts). A multi-byte access to 8-bit registers touches consecutive
// registers, lowest first.

import { SPACE_BAR0, SPACE_LEGACY_IO } from '../common/abi';
import { requestSlotOf } from '../common/request-slot';
import { allOnes, byteLane, isValidAccessSize, withByteLane } from '../common/register-bytes';
import { BM_CHANNEL_STRIDE } from './bus-master';
import { Channel } from './channel';
import { IdeConfig, MODE_NATIVE } from './config';
import { IrqRouter } from './irq-router';
import { PiixConfigRegisters } from './pci-config';

const PRIMARY_COMMAND_PORT: u64 = 0x1f0;
const PRIMARY_CONTROL_PORT: u64 = 0x3f6;
const SECONDARY_COMMAND_PORT: u64 = 0x170;
const SECONDARY_CONTROL_PORT: u64 = 0x376;
const COMMAND_BLOCK_REGISTERS: u32 = 8;
/** Offset of alternate status / device control in a control block (PCI IDE spec 2.1). */
const CONTROL_REGISTER_OFFSET: u32 = 2;
/** Size the host declares for every I/O BAR of this function. */
const BAR_SIZE: u64 = 16;
const BAR_BUS_MASTER: u32 = SPACE_BAR0 + 4;

/** Which register block an access lands in. */
const BLOCK_NONE: u32 = 0;
const BLOCK_COMMAND: u32 = 1;
const BLOCK_CONTROL: u32 = 2;
const BLOCK_BUS_MASTER: u32 = 3;

export class Controller {
  readonly irq: IrqRouter = new IrqRouter();
  readonly channel0: Channel = new Channel(0, this.irq);
  readonly channel1: Channel = new Channel(1, this.irq);
  readonly pci: PiixConfigRegisters = new PiixConfigRegisters();
  native: bool = false;

  // Result of decode(): the block, the channel and the offset inside the block.
  private decodedBlock: u32 = BLOCK_NONE;
  private decodedChannel: Channel = this.channel0;
  private decodedOffset: u32 = 0;

  /** Applies a parsed configuration, then a power-on reset. */
  configure(config: IdeConfig): void {
    this.irq.setNative(config.mode == MODE_NATIVE);
    this.native = config.mode == MODE_NATIVE;
    this.channel0.drive0.config.copyFrom(unchecked(config.drives[0]));
    this.channel0.drive1.config.copyFrom(unchecked(config.drives[1]));
    this.channel1.drive0.config.copyFrom(unchecked(config.drives[2]));
    this.channel1.drive1.config.copyFrom(unchecked(config.drives[3]));
    this.powerOnReset();
  }

  powerOnReset(): void {
    this.pci.reset();
    this.channel0.busMasterEnabled = false;
    this.channel1.busMasterEnabled = false;
    this.channel0.powerOnReset();
    this.channel1.powerOnReset();
  }

  /** After a crash restart nobody knows which command was in flight: every channel with a
   *  drive ends "a" command with ABRT and a bus-master error, and interrupts, as a drive does
   *  when a command fails. The driver's error handling then resets the channel and retries. */
  reportLostCommands(): void {
    this.channel0.reportLostCommand();
    this.channel1.reportLostCommand();
  }

  ioRead(space: u32, offset: u64, size: u32): u64 {
    if (!isValidAccessSize(size) || !this.decode(space, offset)) return allOnes(size);
    const ch = this.decodedChannel;
    const base = this.decodedOffset;
    if (this.decodedBlock == BLOCK_COMMAND && base == 0 && size >= 2) return <u64>ch.readData(size);
    let value: u64 = 0;
    for (let lane: u32 = 0; lane < size; lane++) value = withByteLane(value, lane, this.readByte(ch, base + lane));
    return value;
  }

  ioWrite(space: u32, offset: u64, size: u32, value: u64): void {
    if (!isValidAccessSize(size) || !this.decode(space, offset)) return;
    const ch = this.decodedChannel;
    const base = this.decodedOffset;
    if (this.decodedBlock == BLOCK_COMMAND && base == 0 && size >= 2) {
      ch.writeData(size, <u32>value);
      return;
    }
    for (let lane: u32 = 0; lane < size; lane++) this.writeByte(ch, base + lane, byteLane(value, lane));
  }

  configRead(offset: u32, size: u32): u32 {
    if (!isValidAccessSize(size) || offset > 0xff) return <u32>allOnes(size);
    return this.pci.read(offset, size);
  }

  configWrite(offset: u32, size: u32, value: u32): void {
    if (!isValidAccessSize(size) || offset > 0xff) return;
    const before = this.pci.busMasterEnabled;
    this.pci.write(offset, size, value);
    if (this.pci.busMasterEnabled != before) {
      this.channel0.setBusMasterEnabled(this.pci.busMasterEnabled);
      this.channel1.setBusMasterEnabled(this.pci.busMasterEnabled);
    }
  }

  complete(reqId: u32, status: i32): void {
    const slot = requestSlotOf(reqId);
    if (slot == 0) this.channel0.complete(reqId, status);
    else if (slot == 1) this.channel1.complete(reqId, status);
  }

  // ---- decoding

  /** Finds the block `space`/`offset` addresses; false if this function does not claim it. */
  private decode(space: u32, offset: u64): bool {
    this.decodedBlock = BLOCK_NONE;
    if (space == SPACE_LEGACY_IO) {
      if (this.native) return false;
      if (offset >= PRIMARY_COMMAND_PORT && offset < PRIMARY_COMMAND_PORT + COMMAND_BLOCK_REGISTERS) {
        return this.decoded(BLOCK_COMMAND, this.channel0, <u32>(offset - PRIMARY_COMMAND_PORT));
      }
      if (offset >= SECONDARY_COMMAND_PORT && offset < SECONDARY_COMMAND_PORT + COMMAND_BLOCK_REGISTERS) {
        return this.decoded(BLOCK_COMMAND, this.channel1, <u32>(offset - SECONDARY_COMMAND_PORT));
      }
      // Only the register itself; 3F7h/377h belong to the floppy controller.
      if (offset == PRIMARY_CONTROL_PORT) return this.decoded(BLOCK_CONTROL, this.channel0, CONTROL_REGISTER_OFFSET);
      if (offset == SECONDARY_CONTROL_PORT) return this.decoded(BLOCK_CONTROL, this.channel1, CONTROL_REGISTER_OFFSET);
      return false;
    }
    if (space >= SPACE_BAR0 && space < BAR_BUS_MASTER) {
      if (!this.native || offset >= BAR_SIZE) return false;
      const bar = space - SPACE_BAR0;
      const ch = bar < 2 ? this.channel0 : this.channel1;
      return this.decoded((bar & 1) == 0 ? BLOCK_COMMAND : BLOCK_CONTROL, ch, <u32>offset);
    }
    if (space == BAR_BUS_MASTER) {
      if (offset >= BAR_SIZE) return false;
      return this.decoded(BLOCK_BUS_MASTER, this.channel0, <u32>offset);
    }
    return false;
  }

  private decoded(block: u32, ch: Channel, offset: u32): bool {
    if (block != BLOCK_BUS_MASTER && !this.pci.decodeEnabled(ch.index)) return false;
    this.decodedBlock = block;
    this.decodedChannel = ch;
    this.decodedOffset = offset;
    return true;
  }

  private readByte(ch: Channel, offset: u32): u32 {
    switch (this.decodedBlock) {
      case BLOCK_COMMAND:
        // An 8-bit access to the data register moves no data (the register is 16 bits).
        return offset >= 1 && offset < COMMAND_BLOCK_REGISTERS ? ch.readRegister(offset) : 0xff;
      case BLOCK_CONTROL:
        return offset == CONTROL_REGISTER_OFFSET ? ch.readAltStatus() : 0xff;
      case BLOCK_BUS_MASTER: {
        if (offset >= 2 * BM_CHANNEL_STRIDE) return 0xff;
        const bmChannel = offset < BM_CHANNEL_STRIDE ? this.channel0 : this.channel1;
        return bmChannel.busMasterRead(offset % BM_CHANNEL_STRIDE);
      }
      default:
        return 0xff;
    }
  }

  private writeByte(ch: Channel, offset: u32, value: u32): void {
    switch (this.decodedBlock) {
      case BLOCK_COMMAND:
        if (offset >= 1 && offset < COMMAND_BLOCK_REGISTERS) ch.writeRegister(offset, value);
        break;
      case BLOCK_CONTROL:
        if (offset == CONTROL_REGISTER_OFFSET) ch.writeDeviceControl(value);
        break;
      case BLOCK_BUS_MASTER: {
        if (offset >= 2 * BM_CHANNEL_STRIDE) break;
        const bmChannel = offset < BM_CHANNEL_STRIDE ? this.channel0 : this.channel1;
        bmChannel.busMasterWrite(offset % BM_CHANNEL_STRIDE, value);
        break;
      }
      default:
        break;
    }
  }
}
