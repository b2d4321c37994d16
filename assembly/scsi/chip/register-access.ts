// Byte-wide reads and writes of the operating registers with their side effects (LSI53C895A
// technical manual, chapter 4 "Registers"), for host accesses (I/O and memory BARs) and SCRIPTS register instructions
// alike. Registers without side effects are plain bytes in the register file; this file
// lists only those that are computed, read-only, self-clearing, read-to-clear or that start
// something.

import { ScsiBus } from '../bus/scsi-bus';
import { STATE_IDLE, ScriptsProcessor } from '../scripts/scripts-processor';
import { InterruptStatus } from './interrupt-status';
import { RegisterFile } from './register-file';
import {
  CHIP_REVISION, CTEST1, CTEST2, CTEST2_CM, CTEST2_DACK, CTEST2_SIGP, CTEST3, CTEST6, DCNTL, DCNTL_PFF, DCNTL_STD,
  DIEN, DMODE, DMODE_MAN, DSP_HIGH_BYTE, DSTAT, DSTAT_DFE, ISTAT, ISTAT1, ISTAT1_SIRQD, ISTAT1_SRUN, ISTAT_ABRT,
  ISTAT_CON, ISTAT_INTF, ISTAT_SEM, ISTAT_SIGP, ISTAT_SRST, SBCL, SBCL_ACK, SBCL_ATN, SBCL_BSY, SBCL_REQ, SBDL,
  SCNTL1, SCNTL1_CON, SCNTL1_RST, SCNTL2, SCNTL2_WSR, SCNTL2_WSS, SDID, SIDL, SIEN0, SIEN1, SIST0, SIST1, SOCL,
  SFBR, SLPAR, SOCL_ATN, SSID, SSTAT0, SSTAT0_IRST, SSTAT1, SSTAT2, SSTAT2_LDSC, STEST0, STEST0_SOM, STEST0_SOZ, STEST3,
  STEST3_CSF, STEST4,
  STEST4_LVD_LOCKED, STIME1, SWIDE, ADDER,
} from './register-map';

/** Chip-wide actions some register writes trigger (implemented by the controller). */
export interface ChipActions {
  /** ISTAT SRST: the chip returns to its reset state (PCI configuration is kept). */
  softReset(): void;
  /** SCNTL1 RST: SCSI RST/ asserted (true) or released (false). */
  scsiReset(asserted: bool): void;
  /** STIME1 written: (re)start the general purpose timer with its GEN field. */
  generalTimer(code: u32): void;
}

export class RegisterAccess {
  /** CTEST3 bits 7:4 and what STEST4 reads: the chip variant's (chip-variant.ts). */
  revision: u32 = CHIP_REVISION;
  stest4: u32 = STEST4_LVD_LOCKED;

  constructor(
    private readonly regs: RegisterFile,
    private readonly irq: InterruptStatus,
    private readonly bus: ScsiBus,
    private readonly scripts: ScriptsProcessor,
    private readonly actions: ChipActions,
  ) {}

  read8(offset: u32, fromScripts: bool): u32 {
    const regs = this.regs;
    const bus = this.bus;
    switch (offset) {
      case SCNTL1: return (regs.get8(SCNTL1) & ~SCNTL1_CON) | (bus.connected ? SCNTL1_CON : 0);
      case SOCL: return (regs.get8(SOCL) & ~SOCL_ATN) | (bus.atn ? SOCL_ATN : 0);
      case SBCL: return this.busLines();
      case DSTAT: return this.irq.takeDstat() | DSTAT_DFE; // the DMA FIFO is always empty
      case SSTAT0: return (regs.get8(SSTAT0) & ~SSTAT0_IRST) | (bus.resetAsserted ? SSTAT0_IRST : 0);
      case SSTAT1: return bus.connected ? bus.phase : regs.get8(SSTAT1) & 7; // SCSI FIFO empty
      case SSTAT2: return bus.connected ? 0 : SSTAT2_LDSC;
      case ISTAT:
        return (regs.get8(ISTAT) & (ISTAT_ABRT | ISTAT_SRST | ISTAT_SIGP | ISTAT_SEM)) |
          (bus.connected ? ISTAT_CON : 0) | this.irq.istatBits;
      case ISTAT1:
        return (regs.get8(ISTAT1) & ISTAT1_SIRQD) | (this.scripts.state != STATE_IDLE ? ISTAT1_SRUN : 0);
      case CTEST1: return 0xf0; // DMA FIFO: every byte lane empty
      case CTEST2: {
        // Reading CTEST2 clears ISTAT SIGP and shows it here (data manual, CTEST2 SIGP).
        const sigp = regs.testBits(ISTAT, ISTAT_SIGP);
        regs.clearBits(ISTAT, ISTAT_SIGP);
        return CTEST2_DACK | CTEST2_CM | (sigp ? CTEST2_SIGP : 0);
      }
      case CTEST3: return ((this.revision & 0xf) << 4) | (regs.get8(CTEST3) & 0x0f);
      case CTEST6: return 0;
      case SIST0: return this.irq.takeSist0();
      case SIST1: return this.irq.takeSist1();
      case SWIDE: return 0;
      // STEST0 (4-89): no selection has latched an ID (SSAID 0), SLT is clear, and with data
      // moved whole the synchronous offset is always zero (SOZ) - the register's reset value
      // xxxx0x11b has SOZ and SOM set.
      case STEST0: return STEST0_SOZ | STEST0_SOM;
      case STEST4: return this.stest4;
      case SBDL: return regs.get8(SIDL);
      case 0x53: case 0x59: case 0x5a: case 0x5b: return 0;
      default:
        if (offset >= 0xe0) return 0; // reserved on the 895A
        return regs.get8(offset);
    }
  }

  write8(offset: u32, value: u32, fromScripts: bool): void {
    const regs = this.regs;
    switch (offset) {
      case SCNTL1: {
        const wasReset = regs.testBits(SCNTL1, SCNTL1_RST);
        regs.set8(SCNTL1, value & ~SCNTL1_CON);
        const reset = (value & SCNTL1_RST) != 0;
        if (reset != wasReset) this.actions.scsiReset(reset);
        return;
      }
      case SCNTL2: regs.set8(SCNTL2, value & ~(SCNTL2_WSR | SCNTL2_WSS)); return;
      case SDID: regs.set8(SDID, value & 0x0f); return;
      // SFBR (register 08h): "not writable using the CPU, and therefore not by a Memory Move";
      // only SCRIPTS register instructions load it.
      case SFBR: if (fromScripts) regs.set8(SFBR, value); return;
      // SLPAR (register 44h): writing any value resets the running parity to zero.
      case SLPAR: regs.set8(SLPAR, 0); return;
      case SSID: case SBCL: case DSTAT: case SSTAT0: case SSTAT1: case SSTAT2: case CTEST1: case CTEST2:
      case CTEST6: case SIST0: case SIST1: case SWIDE: case STEST0: case STEST4:
      case SIDL: case SIDL + 1: case SBDL: case SBDL + 1: // 16-bit latches, read only (registers 50h, 58h)
      case ADDER: case ADDER + 1: case ADDER + 2: case ADDER + 3:
        return; // read-only
      case ISTAT: this.writeIstat(value); return;
      case ISTAT1:
        regs.set8(ISTAT1, value & ISTAT1_SIRQD);
        this.irq.update();
        return;
      case CTEST3: regs.set8(CTEST3, value & 0x03); return; // FLF/CLF self-clear: FIFOs are empty
      case STEST3: regs.set8(STEST3, value & ~STEST3_CSF); return;
      case DIEN: case SIEN0: case SIEN1:
        regs.set8(offset, value);
        this.irq.update();
        return;
      case DCNTL: {
        regs.set8(DCNTL, value & ~(DCNTL_PFF | DCNTL_STD));
        this.irq.update();
        if ((value & DCNTL_STD) != 0 && !fromScripts && this.scripts.state == STATE_IDLE) this.scripts.start();
        return;
      }
      case DSP_HIGH_BYTE: {
        regs.set8(offset, value);
        // Writing the top byte of DSP starts SCRIPTS unless in manual start mode.
        if (!fromScripts && !regs.testBits(DMODE, DMODE_MAN)) this.scripts.start();
        return;
      }
      case STIME1:
        regs.set8(STIME1, value);
        this.actions.generalTimer(value & 0x0f);
        return;
      default:
        if (offset >= 0xe0 || offset == 0x53 || offset == 0x5a || offset == 0x5b) return; // reserved
        regs.set8(offset, value);
        return;
    }
  }

  private writeIstat(value: u32): void {
    const regs = this.regs;
    const before = regs.get8(ISTAT);
    regs.set8(ISTAT, value & (ISTAT_ABRT | ISTAT_SRST | ISTAT_SIGP | ISTAT_SEM));
    if ((value & ISTAT_INTF) != 0) this.irq.clearIntf(); // write 1 to clear
    if ((value & ISTAT_SRST) != 0 && (before & ISTAT_SRST) == 0) {
      this.actions.softReset();
      regs.set8(ISTAT, ISTAT_SRST); // the chip stays in reset while the bit is set
      return;
    }
    // Setting ABRT aborts (and reports ABRT even when idle, data manual ISTAT). Writing it
    // again while it is still set aborts SCRIPTS that were started meanwhile, but an idle
    // chip does not report a second ABRT (ncr53c8xx writes CABRT back when it sees it).
    if ((value & ISTAT_ABRT) != 0 && ((before & ISTAT_ABRT) == 0 || this.scripts.active)) this.scripts.abort();
  }

  /** SBCL: the SCSI control lines as the chip sees them. */
  private busLines(): u32 {
    const bus = this.bus;
    if (!bus.connected) return bus.atn ? SBCL_ATN : 0;
    return (bus.req ? SBCL_REQ : 0) | (bus.ackAsserted ? SBCL_ACK : 0) | SBCL_BSY | (bus.atn ? SBCL_ATN : 0) | bus.phase;
  }
}
