// Register offsets (byte offsets into BAR0) and bit fields of the 82540EM, from the Intel
// 8254x Family of Gigabit Ethernet Controllers Software Developer's Manual (SDM), section 13
// (register descriptions). Only names; behaviour lives in the block that owns a register.

/** BAR0 is 128 KiB of memory-mapped registers (SDM 13.1). */
export const MMIO_SIZE: u32 = 0x20000;
/** BAR1 I/O window: IOADDR selects a register, IODATA accesses it (SDM 13.2). */
export const IO_ADDR: u32 = 0x00;
export const IO_DATA: u32 = 0x04;

// ---- general (SDM 13.4.1 - 13.4.10)
export const REG_CTRL: u32 = 0x0000;
export const REG_CTRL_DUP: u32 = 0x0004; // alias of CTRL on 8254x parts
export const REG_STATUS: u32 = 0x0008;
export const REG_EECD: u32 = 0x0010;
export const REG_EERD: u32 = 0x0014;
export const REG_CTRL_EXT: u32 = 0x0018;
export const REG_FLA: u32 = 0x001c;
export const REG_MDIC: u32 = 0x0020;
export const REG_FCAL: u32 = 0x0028;
export const REG_FCAH: u32 = 0x002c;
export const REG_FCT: u32 = 0x0030;
export const REG_VET: u32 = 0x0038;
export const REG_FCTTV: u32 = 0x0170;
export const REG_TXCW: u32 = 0x0178;
export const REG_RXCW: u32 = 0x0180;
export const REG_LEDCTL: u32 = 0x0e00;
export const REG_PBA: u32 = 0x1000;

// ---- interrupts (SDM 13.4.17 - 13.4.21)
export const REG_ICR: u32 = 0x00c0;
export const REG_ITR: u32 = 0x00c4;
export const REG_ICS: u32 = 0x00c8;
export const REG_IMS: u32 = 0x00d0;
export const REG_IMC: u32 = 0x00d8;

// ---- receive (SDM 13.4.22 - 13.4.34, 13.5)
export const REG_RCTL: u32 = 0x0100;
export const REG_FCRTL: u32 = 0x2160;
export const REG_FCRTH: u32 = 0x2168;
export const REG_RDBAL: u32 = 0x2800;
export const REG_RDBAH: u32 = 0x2804;
export const REG_RDLEN: u32 = 0x2808;
export const REG_RDH: u32 = 0x2810;
export const REG_RDT: u32 = 0x2818;
export const REG_RDTR: u32 = 0x2820;
export const REG_RXDCTL: u32 = 0x2828;
export const REG_RADV: u32 = 0x282c;
export const REG_RSRPD: u32 = 0x2c00;
export const REG_RXCSUM: u32 = 0x5000;
export const REG_MTA: u32 = 0x5200; // 128 dwords
export const REG_RA: u32 = 0x5400; // 16 pairs RAL/RAH
export const REG_VFTA: u32 = 0x5600; // 128 dwords
export const MTA_WORDS: u32 = 128;
export const RA_ENTRIES: u32 = 16;
export const VFTA_WORDS: u32 = 128;

// ---- transmit (SDM 13.4.33 - 13.4.46)
export const REG_TCTL: u32 = 0x0400;
export const REG_TIPG: u32 = 0x0410;
export const REG_AIT: u32 = 0x0458;
export const REG_TDBAL: u32 = 0x3800;
export const REG_TDBAH: u32 = 0x3804;
export const REG_TDLEN: u32 = 0x3808;
export const REG_TDH: u32 = 0x3810;
export const REG_TDT: u32 = 0x3818;
export const REG_TIDV: u32 = 0x3820;
export const REG_TXDCTL: u32 = 0x3828;
export const REG_TADV: u32 = 0x382c;
export const REG_TSPMT: u32 = 0x3830;

// ---- statistics (SDM 13.7): CRCERRS .. TSCTFC
export const REG_STATS_FIRST: u32 = 0x4000;
export const REG_STATS_LAST: u32 = 0x40fc;

// ---- wake-up / manageability: plain storage
export const REG_WUC: u32 = 0x5800;
export const REG_MANC: u32 = 0x5820;

// ---- CTRL bits (SDM 13.4.1)
export const CTRL_FD: u32 = 1 << 0;
export const CTRL_LRST: u32 = 1 << 3;
export const CTRL_ASDE: u32 = 1 << 5;
export const CTRL_SLU: u32 = 1 << 6;
export const CTRL_ILOS: u32 = 1 << 7;
export const CTRL_SPEED_1000: u32 = 2 << 8;
export const CTRL_FRCSPD: u32 = 1 << 11;
export const CTRL_FRCDPX: u32 = 1 << 12;
export const CTRL_RST: u32 = 1 << 26;
export const CTRL_VME: u32 = 1 << 30;
export const CTRL_PHY_RST: u32 = 1 << 31;

// ---- STATUS bits (SDM 13.4.2)
export const STATUS_FD: u32 = 1 << 0;
export const STATUS_LU: u32 = 1 << 1;
export const STATUS_TXOFF: u32 = 1 << 4;
export const STATUS_SPEED_1000: u32 = 2 << 6;
export const STATUS_ASDV_1000: u32 = 2 << 8;

// ---- CTRL_EXT bits (SDM 13.4.6)
export const CTRL_EXT_EE_RST: u32 = 1 << 13;

// ---- MDIC (SDM 13.4.7)
export const MDIC_DATA_MASK: u32 = 0xffff;
export const MDIC_REG_SHIFT: u32 = 16;
export const MDIC_PHY_SHIFT: u32 = 21;
export const MDIC_OP_WRITE: u32 = 1 << 26;
export const MDIC_OP_READ: u32 = 2 << 26;
export const MDIC_READY: u32 = 1 << 28;
export const MDIC_INT_EN: u32 = 1 << 29;
export const MDIC_ERROR: u32 = 1 << 30;

// ---- interrupt causes (SDM 13.4.17)
export const ICR_TXDW: u32 = 1 << 0;
export const ICR_TXQE: u32 = 1 << 1;
export const ICR_LSC: u32 = 1 << 2;
export const ICR_RXSEQ: u32 = 1 << 3;
export const ICR_RXDMT0: u32 = 1 << 4;
export const ICR_RXO: u32 = 1 << 6;
export const ICR_RXT0: u32 = 1 << 7;
export const ICR_MDAC: u32 = 1 << 9;
export const ICR_RXCFG: u32 = 1 << 10;
export const ICR_GPI_SDP6: u32 = 1 << 13;
export const ICR_GPI_SDP7: u32 = 1 << 14;
export const ICR_TXD_LOW: u32 = 1 << 15;
export const ICR_SRPD: u32 = 1 << 16;
/** Causes that exist on the 82540EM; ICS/IMS bits outside it are reserved. */
export const ICR_VALID_MASK: u32 = 0x0001f6df;

// ---- RCTL (SDM 13.4.22)
export const RCTL_EN: u32 = 1 << 1;
export const RCTL_SBP: u32 = 1 << 2;
export const RCTL_UPE: u32 = 1 << 3;
export const RCTL_MPE: u32 = 1 << 4;
export const RCTL_LPE: u32 = 1 << 5;
export const RCTL_RDMTS_SHIFT: u32 = 8;
export const RCTL_MO_SHIFT: u32 = 12;
export const RCTL_BAM: u32 = 1 << 15;
export const RCTL_BSIZE_SHIFT: u32 = 16;
export const RCTL_VFE: u32 = 1 << 18;
export const RCTL_CFIEN: u32 = 1 << 19;
export const RCTL_CFI: u32 = 1 << 20;
export const RCTL_BSEX: u32 = 1 << 25;
export const RCTL_SECRC: u32 = 1 << 26;

// ---- RAH (SDM 13.5.3)
export const RAH_AV: u32 = 1 << 31;
export const RAH_ASEL_MASK: u32 = 3 << 16;

// ---- RXCSUM (SDM 13.4.34)
export const RXCSUM_IPOFL: u32 = 1 << 8;
export const RXCSUM_TUOFL: u32 = 1 << 9;

// ---- TCTL (SDM 13.4.33)
export const TCTL_EN: u32 = 1 << 1;
export const TCTL_PSP: u32 = 1 << 3;

/** Flush Partial Descriptor block (RDTR/TIDV bit 31, SDM 13.4.30): write-only. */
export const DELAY_FPD: u32 = 1 << 31;
