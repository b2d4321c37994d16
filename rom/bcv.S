/* The Boot Connection Vector (BIOS Boot Specification 1.01, 3.2.2 and 6.4): a BBS BIOS
 * calls it when it prepares to boot from the disks this ROM listed, in its boot order. It
 * hooks INT 13h (keeping the previous vector for every other drive) and numbers our disks
 * from 80h + the count of hard disks already in the BIOS data area (40:75h), which it then
 * raises. With no disk found at POST it does nothing; a second call changes nothing. */
        .include "defs.inc"
        .code16
        .text

        .globl rom_bcv

rom_bcv:
        pushfw
        pushal
        pushw %ds
        pushw %es
        movw %cs:rom_ram_seg, %ax
        testw %ax, %ax
        jz 9f
        movw %ax, %ds
        cmpb $0, RAM_DRIVE_COUNT
        je 9f
        cmpb $0, RAM_HOOKED
        jne 9f
        movb $1, RAM_HOOKED
        cli
        xorw %ax, %ax
        movw %ax, %es
        movl %es:(0x13 * 4), %eax
        movl %eax, RAM_OLD13
        movw $rom_int13, %es:(0x13 * 4)
        movw %cs, %es:(0x13 * 4 + 2)
        movw $BDA_SEG, %ax
        movw %ax, %es
        movb %es:BDA_HD_COUNT, %al
        movb %al, %ah
        orb $0x80, %al
        movb %al, RAM_DRIVE_BASE
        addb RAM_DRIVE_COUNT, %ah
        movb %ah, %es:BDA_HD_COUNT
9:      popw %es
        popw %ds
        popal
        popfw
        lret
