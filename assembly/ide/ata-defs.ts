// Register bits and command codes of the ATA/ATAPI interface (ATA/ATAPI-6, T13/1410D,
// section 7 "register descriptions" and the command chapters; ATAPI interrupt reason from
// section 7.20 / SFF-8020i). Names follow the standard's bit mnemonics.

// ---- Status register (7.15)
export const ATA_BSY: u32 = 0x80;
export const ATA_DRDY: u32 = 0x40;
export const ATA_DF: u32 = 0x20;
/** Obsolete "seek complete"; drives still set it after a command, as do Linux-era emulations. */
export const ATA_DSC: u32 = 0x10;
export const ATA_DRQ: u32 = 0x08;
export const ATA_ERR: u32 = 0x01;

// ---- Error register (7.9)
export const ATA_ERR_UNC: u32 = 0x40;
export const ATA_ERR_IDNF: u32 = 0x10;
export const ATA_ERR_ABRT: u32 = 0x04;
/** The diagnostic code EXECUTE DEVICE DIAGNOSTIC and resets leave: device 0 passed,
 *  device 1 passed or absent (8.11, table 10). */
export const ATA_DIAG_PASSED: u32 = 0x01;

// ---- Device register (7.8)
export const ATA_DEV_LBA: u32 = 0x40;
export const ATA_DEV_DEV: u32 = 0x10;
export const ATA_DEV_HEAD_MASK: u32 = 0x0f;

// ---- Device control register (7.7)
export const ATA_CTL_HOB: u32 = 0x80;
export const ATA_CTL_SRST: u32 = 0x04;
export const ATA_CTL_NIEN: u32 = 0x02;

// ---- ATAPI interrupt reason, read in the sector count register (7.20)
export const ATAPI_IR_COD: u32 = 0x01;
export const ATAPI_IR_IO: u32 = 0x02;
export const ATAPI_IR_MASK: u32 = 0x07;
/** PACKET features register: bit 0 selects DMA for the data phase, bit 1 overlap. */
export const ATAPI_FEATURE_DMA: u32 = 0x01;
export const ATAPI_FEATURE_OVL: u32 = 0x02;

// ---- Signatures placed in LBA mid/high after a reset (9.12)
export const SIGNATURE_ATA_MID: u32 = 0x00;
export const SIGNATURE_ATA_HIGH: u32 = 0x00;
export const SIGNATURE_ATAPI_MID: u32 = 0x14;
export const SIGNATURE_ATAPI_HIGH: u32 = 0xeb;
/** What an absent device's task file holds, so that no signature can be mistaken for one. */
export const SIGNATURE_NONE: u32 = 0xff;

// ---- Command codes
export const CMD_DEVICE_RESET: u32 = 0x08;
export const CMD_READ_SECTORS: u32 = 0x20;
export const CMD_READ_SECTORS_NORETRY: u32 = 0x21;
export const CMD_READ_SECTORS_EXT: u32 = 0x24;
export const CMD_READ_DMA_EXT: u32 = 0x25;
export const CMD_READ_NATIVE_MAX_EXT: u32 = 0x27;
export const CMD_READ_MULTIPLE_EXT: u32 = 0x29;
export const CMD_WRITE_SECTORS: u32 = 0x30;
export const CMD_WRITE_SECTORS_NORETRY: u32 = 0x31;
export const CMD_WRITE_SECTORS_EXT: u32 = 0x34;
export const CMD_WRITE_DMA_EXT: u32 = 0x35;
export const CMD_WRITE_MULTIPLE_EXT: u32 = 0x39;
export const CMD_READ_VERIFY: u32 = 0x40;
export const CMD_READ_VERIFY_NORETRY: u32 = 0x41;
export const CMD_READ_VERIFY_EXT: u32 = 0x42;
export const CMD_EXECUTE_DIAGNOSTIC: u32 = 0x90;
export const CMD_INITIALIZE_PARAMETERS: u32 = 0x91;
export const CMD_STANDBY_IMMEDIATE_OLD: u32 = 0x94;
export const CMD_IDLE_IMMEDIATE_OLD: u32 = 0x95;
export const CMD_STANDBY_OLD: u32 = 0x96;
export const CMD_IDLE_OLD: u32 = 0x97;
export const CMD_CHECK_POWER_MODE_OLD: u32 = 0x98;
export const CMD_PACKET: u32 = 0xa0;
export const CMD_IDENTIFY_PACKET: u32 = 0xa1;
export const CMD_READ_MULTIPLE: u32 = 0xc4;
export const CMD_WRITE_MULTIPLE: u32 = 0xc5;
export const CMD_SET_MULTIPLE: u32 = 0xc6;
export const CMD_READ_DMA: u32 = 0xc8;
export const CMD_READ_DMA_NORETRY: u32 = 0xc9;
export const CMD_WRITE_DMA: u32 = 0xca;
export const CMD_WRITE_DMA_NORETRY: u32 = 0xcb;
export const CMD_STANDBY_IMMEDIATE: u32 = 0xe0;
export const CMD_IDLE_IMMEDIATE: u32 = 0xe1;
export const CMD_STANDBY: u32 = 0xe2;
export const CMD_IDLE: u32 = 0xe3;
export const CMD_CHECK_POWER_MODE: u32 = 0xe5;
export const CMD_FLUSH_CACHE: u32 = 0xe7;
export const CMD_FLUSH_CACHE_EXT: u32 = 0xea;
export const CMD_IDENTIFY: u32 = 0xec;
export const CMD_SET_FEATURES: u32 = 0xef;
export const CMD_READ_NATIVE_MAX: u32 = 0xf8;

// ---- SET FEATURES subcommands (8.37, table 39)
export const FEATURE_ENABLE_WRITE_CACHE: u32 = 0x02;
export const FEATURE_SET_TRANSFER_MODE: u32 = 0x03;
export const FEATURE_DISABLE_WRITE_CACHE: u32 = 0x82;

// ---- Sizes
export const SECTOR_SIZE: u32 = 512;
export const CD_BLOCK_SIZE: u32 = 2048;
export const SECTORS_PER_CD_BLOCK: u32 = 4;
export const ATAPI_PACKET_SIZE: u32 = 12;
/** Largest DRQ block READ/WRITE MULTIPLE may use; IDENTIFY word 47 advertises it. */
export const MAX_MULTIPLE_SECTORS: u32 = 16;
/** Highest LBA a 28-bit command can address, plus one. */
export const LBA28_LIMIT: u64 = 0x10000000;
/** Highest LBA a 48-bit command can address, plus one. */
export const LBA48_LIMIT: u64 = 0x1000000000000;
