/* The option ROM's headers: the expansion ROM header (PCI Firmware Specification 3.0, 5.1),
 * the PCI Data Structure (5.1.2) and a PnP Expansion Header with a Boot Connection Vector
 * (BIOS Boot Specification 1.01, 3.2 and appendix C), so that a BBS BIOS such as SeaBIOS
 * lists our disk as a boot device and calls the BCV when it prepares to boot.
 * The size byte, the PCI image length, the PnP header checksum and the image checksum are
 * filled in after linking by scripts/rom-image.mjs. */
        .include "defs.inc"
        .code16
        .section .header, "ax"

        .globl rom_start, rom_size_byte, rom_ram_seg, pnp_header, pci_data
rom_start:
        .byte 0x55, 0xaa
rom_size_byte:
        .byte 0                         /* size in 512-byte units (fixed up) */
        jmp rom_init                    /* 03h: initialization entry point (far-called) */
        .balign 4, 0x90
        .ascii "hvmio"                  /* 07h..17h: reserved for the vendor */
        .balign 2, 0
/* A word the init code fills in (the ROM region is writable during POST) and protects with
 * a fresh image checksum: the segment of the RAM block the INT 13h handler works in. */
rom_ram_seg:
        .word 0
        .org 0x18, 0
        .word pci_data                  /* 18h: PCI Data Structure */
        .word pnp_header                /* 1Ah: PnP Expansion Header */

        .balign 4, 0
pci_data:
        .ascii "PCIR"
        .word PCI_VENDOR_LSI
        .word PCI_DEVICE_53C875
        .word 0                         /* no vital product data */
        .word 0x18                      /* structure length */
        .byte 0                         /* structure revision (PCI 2.2+ layout) */
        .byte 0x00, 0x00, 0x01          /* class code: SCSI bus controller (01 00 00) */
        .word 0                         /* image length in 512-byte units (fixed up) */
        .word 0x0001                    /* revision level of the code */
        .byte 0                         /* code type: x86 PC-AT compatible */
        .byte 0x80                      /* indicator: last image */
        .word 0

        .balign 16, 0
pnp_header:
        .ascii "$PnP"
        .byte 1                         /* structure revision */
        .byte 2                         /* length in 16-byte units */
        .word 0                         /* no next header */
        .byte 0
        .byte 0                         /* checksum of these 32 bytes (fixed up) */
        .long 0                         /* device identifier */
        .word manufacturer_name
        .word product_name
        .byte 0x01, 0x00, 0x00          /* device type: mass storage, SCSI, no interface */
        .byte 0x64                      /* indicators: may be shadowed, read cacheable, IPL device */
        .word rom_bcv                   /* 16h: Boot Connection Vector */
        .word 0                         /* disconnect vector */
        .word 0                         /* bootstrap entry vector: none, we are a BCV */
        .word 0
        .word 0                         /* static resource information vector */

manufacturer_name:
        .asciz "hvmio"
product_name:
        .asciz "hvmio LSI53C875 SCSI disk"
