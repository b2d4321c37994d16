/* Initialization, far-called by the BIOS at ROM offset 3 during POST (with CS = the ROM's
 * shadow copy, still writable). Finds the controller by scanning PCI bus 0 with
 * configuration mechanism #1 (so it works as a PCI ROM and as a ROM the BIOS got from
 * elsewhere, e.g. QEMU's -option-rom, which SeaBIOS runs without a bdf), asks the BIOS's
 * Post Memory Manager (PMM 1.01) for a permanent 2 KiB block of conventional memory (SeaBIOS
 * takes it from below the EBDA and reserves it in E820), resets the chip and the SCSI bus,
 * and looks for disks (rom/probe.S). The INT 13h hook is left to the BCV (rom/bcv.S): a BBS
 * BIOS calls it only when it boots from the disk. The RAM block's segment is written into
 * the ROM (rom_ram_seg) and the image checksum fixed again, since SeaBIOS checks it when it
 * lists the ROM's boot devices. */
        .include "defs.inc"
        .code16
        .text

        .globl rom_init
        .equ PCI_ADDRESS_PORT, 0xcf8
        .equ PCI_DATA_PORT,    0xcfc
        .equ PMM_SIGNATURE,    0x4d4d5024      /* "$PMM" */
        .equ PMM_HANDLE,       0x42495348      /* "HSIB": ours, for PMM find */
        .equ PMM_FLAGS,        0x0009          /* conventional memory, permanent */

rom_init:
        pushfw
        pushal
        pushw %ds
        pushw %es
        cld
        TRACE 'A'
        call pci_find                   /* EBX = config address of the function */
        jc .Linit_done
        TRACE 'B'
        call pmm_allocate               /* EAX = physical address of the block */
        jc .Linit_done
        TRACE 'C'
        movl %eax, %esi
        shrl $4, %eax
        movw %ax, %ds
        movw %ax, %es
        xorw %di, %di                   /* the block starts zeroed */
        movw $RAM_SIZE, %cx
        xorb %al, %al
        rep stosb
        movl %esi, RAM_PHYS
        movl %ebx, %eax
        shrl $8, %eax
        movw %ax, RAM_BDF               /* bus << 8 | device << 3 | function */
        call pci_enable                 /* AX = I/O BAR */
        jc .Linit_done
        movw %ax, RAM_IOBASE
        /* the SCRIPTS program into RAM, where the chip fetches it */
        pushw %ds
        pushw %cs
        popw %ds
        movw $scripts_program, %si
        movw $RAM_SCRIPTS, %di
        movw $SCRIPTS_SIZE, %cx
        rep movsb
        popw %ds
        TRACE 'D'
        call chip_setup
        call bus_reset
        TRACE 'E'
        call probe_disks
        TRACE 'F'
        movw %ds, %cs:rom_ram_seg
.Linit_done:
        call fix_checksum               /* pmm_entry may have been written, too */
        popw %es
        popw %ds
        popal
        popfw
        lret

/* EBX = config address 80000000h | bus 0 | device << 11 | function << 8 of the first
 * LSI_VENDOR:PCI_DEVICE_53C875 function on bus 0; CF set if there is none. */
pci_find:
        movl $0x80000000, %ebx
1:      movl %ebx, %eax
        movw $PCI_ADDRESS_PORT, %dx
        outl %eax, %dx
        movw $PCI_DATA_PORT, %dx
        inl %dx, %eax
        cmpl $((PCI_DEVICE_53C875 << 16) | PCI_VENDOR_LSI), %eax
        je 2f
        addl $0x100, %ebx               /* next function (device after function 7) */
        cmpl $0x80010000, %ebx
        jb 1b
        stc
        ret
2:      clc
        ret

/* Turns on I/O, memory and bus-master decoding of the function at EBX and returns its I/O
 * BAR (BAR0) in AX; CF set if the BIOS left it unassigned. */
pci_enable:
        movl %ebx, %eax
        orb $0x04, %al                  /* COMMAND */
        movw $PCI_ADDRESS_PORT, %dx
        outl %eax, %dx
        movw $PCI_DATA_PORT, %dx
        inw %dx, %ax
        orw $0x0007, %ax
        outw %ax, %dx
        movl %ebx, %eax
        orb $0x10, %al                  /* BAR0 */
        movw $PCI_ADDRESS_PORT, %dx
        outl %eax, %dx
        movw $PCI_DATA_PORT, %dx
        inl %dx, %eax
        testb $1, %al                   /* must be an I/O BAR */
        jz 1f
        andl $0xfffc, %eax
        jz 1f
        clc
        ret
1:      stc
        ret

/* Finds the $PMM structure (16-byte aligned in E0000h-FFFFFh, bytes summing to 0) and
 * allocates RAM_SIZE bytes of permanent conventional memory. EAX = its physical address;
 * CF set when there is no PMM or it refused. */
pmm_allocate:
        pushw %es
        pushw %bx
        pushw %cx
        movw $0xe000, %ax
1:      movw %ax, %es
        cmpl $PMM_SIGNATURE, %es:0
        jne 3f
        movzbw %es:5, %cx               /* structure length */
        xorw %bx, %bx
        xorb %dl, %dl
2:      addb %es:(%bx), %dl
        incw %bx
        loop 2b
        testb %dl, %dl
        jz 4f
3:      incw %ax
        cmpw $0xffff, %ax
        jb 1b
        stc
        jmp 9f
4:              movw %es:7, %ax                 /* entry point (PMM 1.01: offset 07h, far) */
        movw %ax, %cs:pmm_entry
        movw %es:9, %ax
        movw %ax, %cs:pmm_entry + 2
        pushw $PMM_FLAGS
        pushl $PMM_HANDLE
        pushl $(RAM_SIZE / 16)          /* length in paragraphs */
        pushw $0                        /* function 0: pmmAllocate */
        lcall *%cs:pmm_entry
        addw $12, %sp
        shll $16, %edx                  /* DX:AX = address, 0 if none */
        movw %ax, %dx
        movl %edx, %eax
        testl %eax, %eax
        jz 5f
        cmpl $0x100000 - RAM_SIZE, %eax /* must be addressable in real mode */
        ja 5f
        clc
        jmp 9f
5:      stc
9:      popw %cx
        popw %bx
        popw %es
        ret

/* Makes the image's bytes sum to 0 again after rom_ram_seg and pmm_entry were written, by
 * adjusting its last byte (the checksum byte scripts/rom-image.mjs placed). */
fix_checksum:
        pushw %ax
        pushw %bx
        pushw %cx
        movzbw %cs:rom_size_byte, %cx
        shlw $9, %cx
        xorw %bx, %bx
        xorb %al, %al
1:      addb %cs:(%bx), %al
        incw %bx
        loop 1b
        decw %bx
        subb %al, %cs:(%bx)
        popw %cx
        popw %bx
        popw %ax
        ret

        .section .rodata
        .balign 4
/* PMM entry point, written during init (a far pointer the lcall goes through). */
pmm_entry:
        .long 0
