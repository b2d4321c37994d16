// SCSI Parallel Interface message codes (SPI-5 / SCSI-2 5.6, chapter "Message system"), the
// bus phases as the MSG, C/D and I/O lines encode them, and status bytes the bus itself
// produces.

// ---- phases: MSG (bit 2), C/D (bit 1), I/O (bit 0)
export const PHASE_DATA_OUT: u32 = 0;
export const PHASE_DATA_IN: u32 = 1;
export const PHASE_COMMAND: u32 = 2;
export const PHASE_STATUS: u32 = 3;
export const PHASE_MSG_OUT: u32 = 6;
export const PHASE_MSG_IN: u32 = 7;

// ---- one-byte messages
export const MSG_COMMAND_COMPLETE: u8 = 0x00;
export const MSG_EXTENDED: u8 = 0x01;
export const MSG_SAVE_DATA_POINTER: u8 = 0x02;
export const MSG_RESTORE_POINTERS: u8 = 0x03;
export const MSG_DISCONNECT: u8 = 0x04;
export const MSG_INITIATOR_DETECTED_ERROR: u8 = 0x05;
export const MSG_ABORT_TASK_SET: u8 = 0x06;
export const MSG_MESSAGE_REJECT: u8 = 0x07;
export const MSG_NOP: u8 = 0x08;
export const MSG_MESSAGE_PARITY_ERROR: u8 = 0x09;
export const MSG_TARGET_RESET: u8 = 0x0c;
export const MSG_ABORT_TASK: u8 = 0x0d;
export const MSG_CLEAR_TASK_SET: u8 = 0x0e;
export const MSG_IDENTIFY: u8 = 0x80;
export const IDENTIFY_DISCONNECT_PRIVILEGE: u8 = 0x40;
export const IDENTIFY_LUN_MASK: u8 = 0x3f;

// ---- two-byte (queue tag) messages: code, tag
export const MSG_SIMPLE_QUEUE_TAG: u8 = 0x20;
export const MSG_HEAD_OF_QUEUE_TAG: u8 = 0x21;
export const MSG_ORDERED_QUEUE_TAG: u8 = 0x22;
export const MSG_IGNORE_WIDE_RESIDUE: u8 = 0x23;

// ---- extended message codes: 01h, length, code, arguments
export const EXT_MODIFY_DATA_POINTER: u8 = 0x00;
export const EXT_SDTR: u8 = 0x01;
export const EXT_WDTR: u8 = 0x03;
export const EXT_PPR: u8 = 0x04;
