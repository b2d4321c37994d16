// One channel's bus-master IDE engine (SFF-8038i; PIIX3 datasheet 2.7: BMICX, BMISX,
// BMIDTPX), driven in libata's order: load the PRD table pointer and direction before the
// command is issued, set Start after it, clear Start when the interrupt came, then clear the
// write-1-to-clear Interrupt and Error bits by writing the status back.

import type { GuestBus } from '../guest-bus.js';
import { ioPort, type GuestPhysAddr, type IoPort } from '../../../../shared-mem/types.js';
import {
  BM_CMD_START,
  BM_CMD_TO_MEMORY,
  BM_REG_COMMAND,
  BM_REG_PRD_TABLE,
  BM_REG_STATUS,
  BM_ST_ERROR,
  BM_ST_INTR,
} from './ata-regs.js';

export class BusMasterDma {
  constructor(
    private readonly bus: GuestBus,
    /** This channel's register block (BAR4 + 8 * channel). */
    readonly base: IoPort,
  ) {}

  /** ata_bmdma_setup: table pointer, then direction with Start clear. */
  async setup(prdTable: GuestPhysAddr, toMemory: boolean): Promise<void> {
    await this.bus.out(this.port(BM_REG_PRD_TABLE), 4, prdTable >>> 0);
    const command = await this.bus.in(this.port(BM_REG_COMMAND), 1);
    const next = (command & ~(BM_CMD_START | BM_CMD_TO_MEMORY)) | (toMemory ? BM_CMD_TO_MEMORY : 0);
    await this.bus.out(this.port(BM_REG_COMMAND), 1, next);
  }

  /** ata_bmdma_start: set Start, keeping the direction written by setup. */
  async start(): Promise<void> {
    const command = await this.bus.in(this.port(BM_REG_COMMAND), 1);
    await this.bus.out(this.port(BM_REG_COMMAND), 1, command | BM_CMD_START);
  }

  /** ata_bmdma_stop: clear Start (aborts a transfer still in progress). */
  async stop(): Promise<void> {
    const command = await this.bus.in(this.port(BM_REG_COMMAND), 1);
    await this.bus.out(this.port(BM_REG_COMMAND), 1, command & ~BM_CMD_START);
  }

  status(): Promise<number> {
    return this.bus.in(this.port(BM_REG_STATUS), 1);
  }

  /** Clears Interrupt and Error (write-1-to-clear) while keeping the drive-DMA-capable bits. */
  async clearStatus(): Promise<number> {
    const status = await this.status();
    await this.bus.out(this.port(BM_REG_STATUS), 1, status & 0xff);
    return status;
  }

  /** Writes the status register as given (drive DMA-capable bits 5 and 6 are read/write). */
  async writeStatus(value: number): Promise<void> {
    await this.bus.out(this.port(BM_REG_STATUS), 1, value & 0xff);
  }

  async readPrdPointer(): Promise<number> {
    return (await this.bus.in(this.port(BM_REG_PRD_TABLE), 4)) >>> 0;
  }

  static readonly CLEARABLE = BM_ST_INTR | BM_ST_ERROR;

  private port(reg: number): IoPort {
    return ioPort(this.base + reg);
  }
}
