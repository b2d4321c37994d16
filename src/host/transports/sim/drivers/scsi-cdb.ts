// Command descriptor blocks a CD-ROM driver sends over ATAPI (SPC-3, SBC-2, MMC-5), padded
// to the 12-byte ATAPI packet. Multi-byte fields are big-endian. The set is what Linux `sr`
// and the block/cdrom layers issue at probe and mount time, plus the data reads.

export const CDB_TEST_UNIT_READY = 0x00;
export const CDB_REQUEST_SENSE = 0x03;
export const CDB_INQUIRY = 0x12;
export const CDB_START_STOP_UNIT = 0x1b;
export const CDB_PREVENT_ALLOW = 0x1e;
export const CDB_READ_CAPACITY = 0x25;
export const CDB_READ_10 = 0x28;
export const CDB_READ_TOC = 0x43;
export const CDB_GET_CONFIGURATION = 0x46;
export const CDB_GET_EVENT_STATUS = 0x4a;
export const CDB_MODE_SENSE_10 = 0x5a;
export const CDB_READ_12 = 0xa8;

export const ATAPI_CDB_BYTES = 12;

/** MODE SENSE page 2Ah: CD/DVD capabilities and mechanical status (MMC-5 7.x). */
export const MODE_PAGE_CAPABILITIES = 0x2a;
/** GET EVENT STATUS NOTIFICATION class mask bit for media events. */
export const GESN_CLASS_MEDIA = 0x10;
/** MMC profiles (GET CONFIGURATION current profile). */
export const PROFILE_CD_ROM = 0x0008;
export const PROFILE_DVD_ROM = 0x0010;

function cdb(opcode: number): Uint8Array {
  const b = new Uint8Array(ATAPI_CDB_BYTES);
  b[0] = opcode;
  return b;
}

function put16(b: Uint8Array, at: number, v: number): void {
  b[at] = (v >>> 8) & 0xff;
  b[at + 1] = v & 0xff;
}

function put32(b: Uint8Array, at: number, v: number): void {
  b[at] = (v >>> 24) & 0xff;
  b[at + 1] = (v >>> 16) & 0xff;
  b[at + 2] = (v >>> 8) & 0xff;
  b[at + 3] = v & 0xff;
}

export function testUnitReady(): Uint8Array {
  return cdb(CDB_TEST_UNIT_READY);
}

export function requestSense(allocation: number): Uint8Array {
  const b = cdb(CDB_REQUEST_SENSE);
  b[4] = Math.min(allocation, 0xff);
  return b;
}

export function inquiry(allocation: number): Uint8Array {
  const b = cdb(CDB_INQUIRY);
  put16(b, 3, Math.min(allocation, 0xffff));
  return b;
}

export function readCapacity(): Uint8Array {
  return cdb(CDB_READ_CAPACITY);
}

export function read10(lba: number, blocks: number): Uint8Array {
  const b = cdb(CDB_READ_10);
  put32(b, 2, lba);
  put16(b, 7, blocks);
  return b;
}

export function read12(lba: number, blocks: number): Uint8Array {
  const b = cdb(CDB_READ_12);
  put32(b, 2, lba);
  put32(b, 6, blocks);
  return b;
}

/** READ TOC/PMA/ATIP; format 0 = TOC, 1 = session info. */
export function readToc(opts: { msf: boolean; format: number; track: number; allocation: number }): Uint8Array {
  const b = cdb(CDB_READ_TOC);
  b[1] = opts.msf ? 0x02 : 0;
  b[2] = opts.format & 0x0f;
  b[6] = opts.track & 0xff;
  put16(b, 7, opts.allocation);
  return b;
}

/** Page control 0 = current values. DBD set: no block descriptors (what sr asks for). */
export function modeSense10(page: number, allocation: number, pageControl = 0): Uint8Array {
  const b = cdb(CDB_MODE_SENSE_10);
  b[1] = 0x08;
  b[2] = ((pageControl & 3) << 6) | (page & 0x3f);
  put16(b, 7, allocation);
  return b;
}

/** RT 0 = all features, 1 = current ones, 2 = the one named by `startFeature`. */
export function getConfiguration(rt: number, startFeature: number, allocation: number): Uint8Array {
  const b = cdb(CDB_GET_CONFIGURATION);
  b[1] = rt & 0x3;
  put16(b, 2, startFeature);
  put16(b, 7, allocation);
  return b;
}

/** Polled mode (ATAPI cannot do asynchronous notification). */
export function getEventStatusNotification(classMask: number, allocation: number): Uint8Array {
  const b = cdb(CDB_GET_EVENT_STATUS);
  b[1] = 0x01;
  b[4] = classMask;
  put16(b, 7, allocation);
  return b;
}

export function preventAllowMediumRemoval(prevent: boolean): Uint8Array {
  const b = cdb(CDB_PREVENT_ALLOW);
  b[4] = prevent ? 1 : 0;
  return b;
}

export function startStopUnit(start: boolean, loadEject: boolean): Uint8Array {
  const b = cdb(CDB_START_STOP_UNIT);
  b[4] = (loadEject ? 0x02 : 0) | (start ? 0x01 : 0);
  return b;
}

export function be16(b: Uint8Array, at: number): number {
  return (b[at]! << 8) | b[at + 1]!;
}

export function be32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}
