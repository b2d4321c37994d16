// The registers of this function the host may answer from the register shadow
// (assembly/common/abi.ts, "register shadow"): those whose reads change nothing in any state.
// Linux's ata_piix reads them on every interrupt poll (piix_irq_check reads the bus master
// status of each port; the SFF interrupt path reads alternate status), so answering them
// without waking the worker is most of the idle cost of a polled controller.
//
//   bus master block (BAR4, both channels, 16 bytes): BMICx command, BMISx status, BMIDTPx
//     descriptor table pointer and the reserved bytes between them. PIIX3 datasheet 2.7.1-2.7.4:
//     status bits are cleared by writing 1 (BMISx bits 1-2 "R/WC"), never by reading; every
//     byte reads back independently, so the block is shadowed as four dwords and narrower
//     reads take their bytes.
//   alternate status (control block offset 2, or port 3F6h/376h in legacy mode): ATA/ATAPI-6
//     7.3 "reading this register shall not clear a pending interrupt" (unlike Status, 7.15,
//     whose read clears INTRQ, so Status itself is not shadowed).

import { SHADOW_NARROW_READS, SPACE_BAR0, SPACE_LEGACY_IO, shadowRegister } from '../common/abi';

const BAR_CONTROL_PRIMARY: u32 = SPACE_BAR0 + 1;
const BAR_CONTROL_SECONDARY: u32 = SPACE_BAR0 + 3;
const BAR_BUS_MASTER: u32 = SPACE_BAR0 + 4;
const ALT_STATUS_OFFSET: u32 = 2;
const PRIMARY_ALT_STATUS_PORT: u32 = 0x3f6;
const SECONDARY_ALT_STATUS_PORT: u32 = 0x376;
const BUS_MASTER_DWORDS: u32 = 4;

/** How many registers are shadowed (the same in both modes). */
export function shadowedRegisterCount(): u32 {
  return BUS_MASTER_DWORDS + 2;
}

/** Descriptor `index` for a controller in native (`native`) or legacy mode; 0 past the end. */
export function shadowedRegister(index: u32, native: bool): u64 {
  if (index < BUS_MASTER_DWORDS) return shadowRegister(BAR_BUS_MASTER, index * 4, 4, SHADOW_NARROW_READS);
  if (index == BUS_MASTER_DWORDS) {
    return native ? shadowRegister(BAR_CONTROL_PRIMARY, ALT_STATUS_OFFSET, 1, 0) : shadowRegister(SPACE_LEGACY_IO, PRIMARY_ALT_STATUS_PORT, 1, 0);
  }
  if (index == BUS_MASTER_DWORDS + 1) {
    return native ? shadowRegister(BAR_CONTROL_SECONDARY, ALT_STATUS_OFFSET, 1, 0) : shadowRegister(SPACE_LEGACY_IO, SECONDARY_ALT_STATUS_PORT, 1, 0);
  }
  return 0;
}
