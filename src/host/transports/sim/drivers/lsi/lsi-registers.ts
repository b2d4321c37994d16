// The LSI53C895A operating registers a host driver touches, by offset in the I/O BAR (the
// memory BAR maps the same 256 bytes), and the bits it looks at. LSI53C895A PCI to Ultra2 SCSI
// Controller technical manual, chapter 5 "Operating Registers".

export const LSI_SCNTL2 = 0x02;
/** SCSI Chip ID: bits 3-0 our ID, bit 6 RRE (respond to reselection). */
export const LSI_SCID = 0x04;
export const LSI_DSTAT = 0x0c;
export const LSI_DSA = 0x10;
export const LSI_ISTAT = 0x14;
export const LSI_DSP = 0x2c;
export const LSI_DSPS = 0x30;
export const LSI_DIEN = 0x39;
export const LSI_DCNTL = 0x3b;
export const LSI_SIEN0 = 0x40;
export const LSI_SIEN1 = 0x41;
export const LSI_SIST0 = 0x42;
export const LSI_SIST1 = 0x43;
export const LSI_STIME0 = 0x48;
/** Response ID zero/one: the IDs we answer reselection to, as a bit mask. */
export const LSI_RESPID0 = 0x4a;
export const LSI_RESPID1 = 0x4b;

export const SCID_RRE = 0x40;
/** SCNTL2 SDU: an unexpected disconnect is reported; cleared before an expected one. */
export const SCNTL2_SDU = 0x80;

// ISTAT: interrupt status (read) and chip controls (write).
export const ISTAT_SRST = 0x40;
export const ISTAT_SIGP = 0x20;
export const ISTAT_INTF = 0x04;
export const ISTAT_SIP = 0x02;
export const ISTAT_DIP = 0x01;

// DSTAT: DMA (SCRIPTS) interrupt causes, cleared by reading.
export const DSTAT_DFE = 0x80;
export const DSTAT_MDPE = 0x40;
export const DSTAT_BF = 0x20;
export const DSTAT_ABRT = 0x10;
export const DSTAT_SSI = 0x08;
export const DSTAT_SIR = 0x04;
export const DSTAT_IID = 0x01;

// SIST0/SIST1: SCSI interrupt causes, cleared by reading.
export const SIST0_MA = 0x80;
export const SIST0_SGE = 0x08;
export const SIST0_UDC = 0x04;
export const SIST0_RST = 0x02;
export const SIST0_PAR = 0x01;
export const SIST1_STO = 0x04;
export const SIST1_GEN = 0x02;
export const SIST1_HTH = 0x01;

/** DCNTL COM: SFBR is not touched by a reselection (sym53c8xx's setting). */
export const DCNTL_COM = 0x01;
/** STIME0 selection time-out field (bits 3-0); 0xd is 204.8 ms, what sym53c8xx programs. */
export const STIME0_SEL_204MS = 0x0d;
