// The mode pages the disk has (SPC-3 and SBC-3, mode parameters): the caching page, whose WCE bit is the
// one parameter an initiator can change, and the control page, which only reports. Each
// page exists as current, changeable (a mask of the bits MODE SELECT may change) and
// default values; there are no saved values (PS = 0, SP refused, PC = saved refused).

export const PC_CURRENT: u32 = 0;
export const PC_CHANGEABLE: u32 = 1;
export const PC_DEFAULT: u32 = 2;
export const PC_SAVED: u32 = 3;

export const MODE_PAGE_CACHING: u32 = 0x08;
export const MODE_PAGE_CONTROL: u32 = 0x0a;
/** "Return all mode pages" in MODE SENSE. */
export const MODE_PAGE_ALL: u32 = 0x3f;
/** Subpage FFh: all subpages of the page (the disk has only subpage 0 of each). */
export const SUBPAGE_ALL: u32 = 0xff;

/** PAGE LENGTH fields (bytes after the 2-byte page header). */
const CACHING_PAGE_LENGTH: u32 = 0x12;
const CONTROL_PAGE_LENGTH: u32 = 0x0a;
/** The longest page, header included. */
export const MAX_MODE_PAGE_SIZE: u32 = 2 + CACHING_PAGE_LENGTH;

/** Caching page byte 2: WCE, write cache enable. RCD (read cache disable) stays 0. */
const CACHING_WCE: u8 = 0x04;
/** Control page byte 3: QUEUE ALGORITHM MODIFIER 1h, unrestricted reordering allowed.
 *  True of this disk: queued commands go to the backend together and complete in whatever
 *  order it finishes them, so an initiator that needs order must use ORDERED tags. */
const CONTROL_QAM_UNRESTRICTED: u8 = 0x10;

/** The parameters MODE SELECT can change. A reset restores the defaults (SAM-4: hard reset
 *  sets mode parameters to their saved values, or defaults when none are saved). */
export class ModeParameters {
  writeCacheEnabled: bool = true;

  restoreDefaults(): void {
    this.writeCacheEnabled = true;
  }
}

/** PAGE LENGTH of a supported page, or -1. */
export function modePageLength(page: u32): i32 {
  if (page == MODE_PAGE_CACHING) return <i32>CACHING_PAGE_LENGTH;
  if (page == MODE_PAGE_CONTROL) return <i32>CONTROL_PAGE_LENGTH;
  return -1;
}

/** Writes page `page` (header included) as page control `pc` (not PC_SAVED) describes it;
 *  returns its size, or -1 for a page the disk does not have. */
export function writeModePage(dst: usize, page: u32, pc: u32, params: ModeParameters): i32 {
  const length = modePageLength(page);
  if (length < 0) return -1;
  memory.fill(dst, 0, 2 + <u32>length);
  store<u8>(dst, <u8>page); // PS = 0: not saveable
  store<u8>(dst + 1, <u8>length);
  if (page == MODE_PAGE_CACHING) {
    const wce = pc == PC_CHANGEABLE || pc == PC_DEFAULT || params.writeCacheEnabled;
    store<u8>(dst + 2, wce ? CACHING_WCE : 0);
  } else if (pc != PC_CHANGEABLE) {
    store<u8>(dst + 3, CONTROL_QAM_UNRESTRICTED);
  }
  return 2 + length;
}

/** Reads the parameters a validated page carries into `params`. */
export function applyModePage(src: usize, page: u32, params: ModeParameters): void {
  if (page == MODE_PAGE_CACHING) {
    params.writeCacheEnabled = (load<u8>(src + 2) & CACHING_WCE) != 0;
  }
}
