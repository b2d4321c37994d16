// Which member of the LSI 53C8xx family the core presents. The SCRIPTS processor, the
// registers the drivers use and the SCSI side are the same; what differs is what a driver
// reads to tell the chips apart and sizes it relies on (Linux sym53c8xx_2/sym_hipd.c chip
// table; LSI53C875 and LSI53C895A data manuals):
//   53C895A (1000:0012): 8 KiB SCRIPTS RAM (FE_RAM8K), clock quadrupler whose lock the
//     driver polls in STEST4 (FE_LCKFRQ), STEST4 SMODE reporting the LVD bus.
//   53C875 (1000:000F, revisions above 01h: FE_DBLR): 4 KiB SCRIPTS RAM (FE_RAM), a clock
//     doubler the driver turns on through STEST1 DBLEN/DBLSEL and simply waits for (no lock
//     bit), no STEST4 register (single-ended / HVD bus, reads 0).
// Selected by the config header (assembly/scsi/config.ts, CHIP_*).

import { CHIP_REVISION, STEST4_LVD_LOCKED } from './register-map';

export const CHIP_53C895A: u32 = 0;
export const CHIP_53C875: u32 = 1;

export class ChipVariant {
  constructor(
    /** Bytes of on-chip SCRIPTS RAM, which is also the size of BAR2. */
    readonly scriptsRamSize: u32,
    /** CTEST3 bits 7:4. */
    readonly revision: u32,
    /** What STEST4 reads. */
    readonly stest4: u32,
  ) {}
}

export const VARIANT_53C895A: ChipVariant = new ChipVariant(8192, CHIP_REVISION, STEST4_LVD_LOCKED);
/** PCI revision 04h (the host side reports it) has its low nibble in CTEST3 as on the chip. */
export const VARIANT_53C875: ChipVariant = new ChipVariant(4096, 0x4, 0x00);

export function variantOf(chip: u32): ChipVariant {
  return chip == CHIP_53C875 ? VARIANT_53C875 : VARIANT_53C895A;
}
