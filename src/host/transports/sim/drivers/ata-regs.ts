// ATA register layout, bits, opcodes and transfer-mode codes (ATA/ATAPI-6, T13/1410D
// sections 7 and 8; ATA8-ACS for the EXT and FLUSH commands). Offsets are from the channel's
// command block base; the control block has one register (Alternate Status / Device Control).

/** Command block register offsets (ATA/ATAPI-6 7.1, table 8). */
export const ATA_REG_DATA = 0;
export const ATA_REG_ERROR = 1; // read
export const ATA_REG_FEATURE = 1; // write
export const ATA_REG_NSECT = 2; // ATAPI: interrupt reason on read
export const ATA_REG_LBAL = 3;
export const ATA_REG_LBAM = 4; // ATAPI: byte count low
export const ATA_REG_LBAH = 5; // ATAPI: byte count high
export const ATA_REG_DEVICE = 6;
export const ATA_REG_STATUS = 7; // read: also clears a pending INTRQ (7.15)
export const ATA_REG_COMMAND = 7; // write

/** Status register (7.15). */
export const ATA_ST_ERR = 0x01;
export const ATA_ST_DRQ = 0x08;
export const ATA_ST_DF = 0x20;
export const ATA_ST_DRDY = 0x40;
export const ATA_ST_BSY = 0x80;

/** Error register (7.9): what ERR in Status is about. */
export const ATA_ER_AMNF = 0x01; // ATAPI: ILI
export const ATA_ER_NM = 0x02; // ATAPI: EOM
export const ATA_ER_ABRT = 0x04;
export const ATA_ER_MCR = 0x08;
export const ATA_ER_IDNF = 0x10;
export const ATA_ER_MC = 0x20;
export const ATA_ER_UNC = 0x40;
export const ATA_ER_ICRC = 0x80;
/** ATAPI: bits 7:4 of the Error register carry the sense key (ATA/ATAPI-6 9.x, PACKET). */
export const ATAPI_ER_SENSE_KEY_SHIFT = 4;

/** Device Control register (7.8). Bit 3 is obsolete but traditionally written as one. */
export const ATA_DEVCTL_NIEN = 0x02;
export const ATA_DEVCTL_SRST = 0x04;
export const ATA_DEVCTL_OBS = 0x08;
export const ATA_DEVCTL_HOB = 0x80;

/** Device register (7.10): bits 7 and 5 obsolete-but-set, bit 6 LBA, bit 4 DEV. */
export const ATA_DEVICE_OBS = 0xa0;
export const ATA_DEVICE_LBA = 0x40;
export const ATA_DEVICE_DEV1 = 0x10;

/** Command opcodes. */
export const ATA_CMD_READ_SECTORS = 0x20;
export const ATA_CMD_READ_SECTORS_EXT = 0x24;
export const ATA_CMD_READ_DMA_EXT = 0x25;
export const ATA_CMD_READ_MULTIPLE_EXT = 0x29;
export const ATA_CMD_WRITE_SECTORS = 0x30;
export const ATA_CMD_WRITE_SECTORS_EXT = 0x34;
export const ATA_CMD_WRITE_DMA_EXT = 0x35;
export const ATA_CMD_WRITE_MULTIPLE_EXT = 0x39;
export const ATA_CMD_PACKET = 0xa0;
export const ATA_CMD_IDENTIFY_PACKET = 0xa1;
export const ATA_CMD_READ_MULTIPLE = 0xc4;
export const ATA_CMD_WRITE_MULTIPLE = 0xc5;
export const ATA_CMD_SET_MULTIPLE = 0xc6;
export const ATA_CMD_READ_DMA = 0xc8;
export const ATA_CMD_WRITE_DMA = 0xca;
export const ATA_CMD_FLUSH_CACHE = 0xe7;
export const ATA_CMD_IDENTIFY = 0xec;
export const ATA_CMD_FLUSH_CACHE_EXT = 0xea;
export const ATA_CMD_SET_FEATURES = 0xef;

/** SET FEATURES subcommands (Features register). */
export const SETFEATURES_XFER = 0x03;

/** Transfer mode values for SET FEATURES / SETFEATURES_XFER (Sector Count register). */
export const XFER_PIO_0 = 0x08; // + n: PIO flow control mode n
export const XFER_MW_DMA_0 = 0x20; // + n: multiword DMA mode n
export const XFER_UDMA_0 = 0x40; // + n: Ultra DMA mode n

/** ATAPI PACKET: Features bit 0 selects DMA for the data transfer. */
export const ATAPI_FEAT_DMA = 0x01;
/** ATAPI interrupt reason (Sector Count register): CoD = command/data, IO = to host. */
export const ATAPI_IREASON_COD = 0x01;
export const ATAPI_IREASON_IO = 0x02;

/** Bytes per ATA sector. */
export const ATA_SECTOR_BYTES = 512;
/** IDENTIFY data: 256 words. */
export const ATA_ID_WORDS = 256;
/** Sector count 0 means 256 (LBA28) or 65536 (LBA48) sectors. */
export const ATA_MAX_SECTORS_LBA28 = 256;
export const ATA_MAX_SECTORS_LBA48 = 65536;
export const ATA_LBA28_LIMIT = 2 ** 28;
export const ATA_LBA48_LIMIT = 2 ** 48;

/** Bus-master IDE registers (SFF-8038i; PIIX3 datasheet 2.7), per channel at base + 8 * channel. */
export const BM_REG_COMMAND = 0;
export const BM_REG_STATUS = 2;
export const BM_REG_PRD_TABLE = 4;
export const BM_CHANNEL_STRIDE = 8;
export const BM_CMD_START = 0x01;
/** Bus master writes memory (device-to-host, i.e. an ATA read). */
export const BM_CMD_TO_MEMORY = 0x08;
export const BM_ST_ACTIVE = 0x01;
/** Set on a PCI target or master abort during the transfer; write 1 to clear. */
export const BM_ST_ERROR = 0x02;
/** Set when the device asserted INTRQ; write 1 to clear. */
export const BM_ST_INTR = 0x04;
export const BM_ST_DRV0_DMA = 0x20;
export const BM_ST_DRV1_DMA = 0x40;
export const BM_ST_SIMPLEX = 0x80;

export function atapiSenseKeyFromError(error: number): number {
  return (error >> ATAPI_ER_SENSE_KEY_SHIFT) & 0xf;
}
