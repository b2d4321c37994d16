// Where a channel is in executing its current command. Each step says what the channel is
// waiting for: nothing (idle), the host (a PIO DRQ block), the bus master start bit, or a
// block request in flight. Events (data port drained/filled, block completion, bus master
// start) are only acted on in the step that expects them, so a guest that pokes registers
// out of order cannot drive the state machine anywhere undefined.

export const STEP_IDLE: u32 = 0;
/** SRST is asserted: both devices are held in reset. */
export const STEP_SOFT_RESET: u32 = 1;
/** A reset has finished from the guest's point of view, but a request abandoned by it is
 *  still out at the backend and may yet touch the channel buffer and SG list: the devices
 *  stay BSY until it completes (as a drive stays busy until its reset is done). */
export const STEP_QUIESCE: u32 = 3;
/** A single device-to-host block that ends the command once read (IDENTIFY). */
export const STEP_PIO_IN_LAST: u32 = 2;

// ATA sector transfers (ata-sectors.ts)
export const STEP_ATA_READ_FETCH: u32 = 10;
export const STEP_ATA_READ_DRQ: u32 = 11;
export const STEP_ATA_WRITE_DRQ: u32 = 12;
export const STEP_ATA_WRITE_STORE: u32 = 13;
export const STEP_ATA_DMA_READY: u32 = 14;
export const STEP_ATA_DMA_IO: u32 = 15;
export const STEP_ATA_FLUSH_IO: u32 = 16;

// ATAPI PACKET protocol (atapi-packet.ts)
export const STEP_ATAPI_CDB: u32 = 20;
export const STEP_ATAPI_DRQ: u32 = 21;
export const STEP_ATAPI_FETCH: u32 = 22;
export const STEP_ATAPI_DMA_READY: u32 = 23;
export const STEP_ATAPI_DMA_IO: u32 = 24;
