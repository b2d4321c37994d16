// The LSI53C895A operating register map (LSI53C895A PCI to Ultra2 SCSI Controller technical
// manual, S14028.B, chapter 4 "Registers"; the same offsets as Linux's struct sym_reg in
// drivers/scsi/sym53c8xx_2/sym_defs.h). test/unit/scsi-register-map.test.ts checks every
// register's offset, reset value and access widths against that chapter. The 256
// register bytes are decoded by the I/O BAR (256 bytes) and by the memory BAR (1 KiB, the
// 256 bytes mirrored). Offsets are byte offsets; multi-byte registers are little-endian.

// ---- SCSI core
export const SCNTL0: u32 = 0x00;
export const SCNTL1: u32 = 0x01;
export const SCNTL2: u32 = 0x02;
export const SCNTL3: u32 = 0x03;
export const SCID: u32 = 0x04;
export const SXFER: u32 = 0x05;
export const SDID: u32 = 0x06;
export const GPREG: u32 = 0x07;
export const SFBR: u32 = 0x08;
export const SOCL: u32 = 0x09;
export const SSID: u32 = 0x0a;
export const SBCL: u32 = 0x0b;
export const DSTAT: u32 = 0x0c;
export const SSTAT0: u32 = 0x0d;
export const SSTAT1: u32 = 0x0e;
export const SSTAT2: u32 = 0x0f;
export const DSA: u32 = 0x10;
export const ISTAT: u32 = 0x14;
export const ISTAT1: u32 = 0x15;
export const MBOX0: u32 = 0x16;
export const MBOX1: u32 = 0x17;
export const CTEST0: u32 = 0x18;
export const CTEST1: u32 = 0x19;
export const CTEST2: u32 = 0x1a;
export const CTEST3: u32 = 0x1b;
export const TEMP: u32 = 0x1c;
export const DFIFO: u32 = 0x20;
export const CTEST4: u32 = 0x21;
export const CTEST5: u32 = 0x22;
export const CTEST6: u32 = 0x23;
export const DBC: u32 = 0x24;
export const DCMD: u32 = 0x27;
export const DNAD: u32 = 0x28;
export const DSP: u32 = 0x2c;
export const DSP_HIGH_BYTE: u32 = 0x2f;
export const DSPS: u32 = 0x30;
export const SCRATCHA: u32 = 0x34;
export const DMODE: u32 = 0x38;
export const DIEN: u32 = 0x39;
export const SBR: u32 = 0x3a;
export const DCNTL: u32 = 0x3b;
export const ADDER: u32 = 0x3c;
export const SIEN0: u32 = 0x40;
export const SIEN1: u32 = 0x41;
export const SIST0: u32 = 0x42;
export const SIST1: u32 = 0x43;
export const SLPAR: u32 = 0x44;
export const SWIDE: u32 = 0x45;
export const MACNTL: u32 = 0x46;
export const GPCNTL: u32 = 0x47;
export const STIME0: u32 = 0x48;
export const STIME1: u32 = 0x49;
export const RESPID0: u32 = 0x4a;
export const RESPID1: u32 = 0x4b;
export const STEST0: u32 = 0x4c;
export const STEST1: u32 = 0x4d;
export const STEST2: u32 = 0x4e;
export const STEST3: u32 = 0x4f;
export const SIDL: u32 = 0x50;
export const STEST4: u32 = 0x52;
export const SODL: u32 = 0x54;
export const CCNTL0: u32 = 0x56;
export const CCNTL1: u32 = 0x57;
export const SBDL: u32 = 0x58;
export const SCRATCHB: u32 = 0x5c;
/** SCRATCHC..SCRATCHR: sixteen more 32-bit scratch registers, 0x60..0x9f. */
export const SCRATCHC: u32 = 0x60;
export const MMRS: u32 = 0xa0;
export const MMWS: u32 = 0xa4;
export const SFS: u32 = 0xa8;
export const DRS: u32 = 0xac;
export const SBMS: u32 = 0xb0;
export const DBMS: u32 = 0xb4;
export const DNAD64: u32 = 0xb8;
export const PMJAD1: u32 = 0xc0;
export const PMJAD2: u32 = 0xc4;
export const RBC: u32 = 0xc8;
export const UA: u32 = 0xcc;
export const ESA: u32 = 0xd0;
export const IA: u32 = 0xd4;
export const SBC: u32 = 0xd8;
export const CSBC: u32 = 0xdc;
export const REGISTER_SPACE: u32 = 0x100;

// ---- bits
export const SCNTL0_TRG: u32 = 0x01; // target role
export const SCNTL1_CON: u32 = 0x10; // connected
export const SCNTL1_RST: u32 = 0x08; // assert SCSI RST/
export const SCNTL1_IARB: u32 = 0x02;
export const SCNTL2_SDU: u32 = 0x80; // a disconnect now is unexpected (UDC)
export const SCNTL2_WSS: u32 = 0x08; // wide residue byte held for sending (write 1 to clear)
export const SCNTL2_WSR: u32 = 0x01; // wide residue byte received (write 1 to clear)
export const SCID_RRE: u32 = 0x40; // respond to reselection
export const SCID_ID_MASK: u32 = 0x0f;

export const ISTAT_ABRT: u32 = 0x80;
export const ISTAT_SRST: u32 = 0x40;
export const ISTAT_SIGP: u32 = 0x20;
export const ISTAT_SEM: u32 = 0x10;
export const ISTAT_CON: u32 = 0x08;
export const ISTAT_INTF: u32 = 0x04;
export const ISTAT_SIP: u32 = 0x02;
export const ISTAT_DIP: u32 = 0x01;
export const ISTAT1_SRUN: u32 = 0x02;
export const ISTAT1_SIRQD: u32 = 0x01;

export const DSTAT_DFE: u32 = 0x80; // DMA FIFO empty (status, never an interrupt)
export const DSTAT_MDPE: u32 = 0x40;
export const DSTAT_BF: u32 = 0x20;
export const DSTAT_ABRT: u32 = 0x10;
export const DSTAT_SSI: u32 = 0x08;
export const DSTAT_SIR: u32 = 0x04;
export const DSTAT_IID: u32 = 0x01;
export const DSTAT_INTERRUPTS: u32 = 0x7f;

export const SIST0_MA: u32 = 0x80;
export const SIST0_CMP: u32 = 0x40;
export const SIST0_SEL: u32 = 0x20;
export const SIST0_RSL: u32 = 0x10;
export const SIST0_SGE: u32 = 0x08;
export const SIST0_UDC: u32 = 0x04;
export const SIST0_RST: u32 = 0x02;
export const SIST0_PAR: u32 = 0x01;
export const SIST1_SBMC: u32 = 0x10;
export const SIST1_STO: u32 = 0x04;
export const SIST1_GEN: u32 = 0x02;
export const SIST1_HTH: u32 = 0x01;

export const SSTAT0_WOA: u32 = 0x04; // won arbitration
export const SSTAT0_IRST: u32 = 0x02; // SCSI RST/ is asserted
export const SSTAT2_LDSC: u32 = 0x02; // last disconnect

export const SOCL_ATN: u32 = 0x08;
export const SBCL_REQ: u32 = 0x80;
export const SBCL_ACK: u32 = 0x40;
export const SBCL_BSY: u32 = 0x20;
export const SBCL_SEL: u32 = 0x10;
export const SBCL_ATN: u32 = 0x08;

export const CTEST2_DDIR: u32 = 0x80;
export const CTEST2_SIGP: u32 = 0x40;
export const CTEST2_CIO: u32 = 0x20;
export const CTEST2_CM: u32 = 0x10;
export const CTEST2_DACK: u32 = 0x01;
export const CTEST3_FLF: u32 = 0x08;
export const CTEST3_CLF: u32 = 0x04;

export const DMODE_SIOM: u32 = 0x20; // source of memory moves is I/O space
export const DMODE_DIOM: u32 = 0x10; // destination of memory moves is I/O space
export const DMODE_MAN: u32 = 0x01; // manual start: a DSP write does not start SCRIPTS

export const DCNTL_PFF: u32 = 0x40; // prefetch flush (self-clearing)
export const DCNTL_SSM: u32 = 0x10; // single step
export const DCNTL_STD: u32 = 0x04; // start DMA operation (self-clearing)
export const DCNTL_IRQD: u32 = 0x02; // IRQ pin disabled
export const DCNTL_COM: u32 = 0x01; // set: SFBR is not loaded with the reselecting ID

export const STEST0_SOZ: u32 = 0x02; // SCSI synchronous offset zero
export const STEST0_SOM: u32 = 0x01; // SCSI synchronous offset maximum
export const STEST3_CSF: u32 = 0x02;
export const STEST4_LVD_LOCKED: u32 = 0xe0; // SMODE = LVD, LCKFRQ: clock quadrupler locked

export const CCNTL0_ENPMJ: u32 = 0x80; // phase mismatch jumps instead of MA interrupts
export const CCNTL0_PMJCTL: u32 = 0x40; // choose the jump address by direction, not by WSR
export const CCNTL0_ENNDJ: u32 = 0x20; // also for non-data phases
export const CCNTL1_EXTIBMV: u32 = 0x02; // 64-bit table indirect block moves
export const CCNTL1_XTIMOD: u32 = 0x04; // ... with address bits 39:32 in the table entry
export const CCNTL1_EXDBMV: u32 = 0x01; // 64-bit direct block moves (third dword)

/** Chip revision reported in CTEST3 bits 7:4. */
export const CHIP_REVISION: u32 = 0x0;
