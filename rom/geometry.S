/* The CHS geometry INT 13h functions 02h/03h/04h/08h use. A disk partitioned elsewhere has
 * its geometry written in its MBR: the ending CHS of every used partition entry names the
 * last head and sector of a cylinder, so heads = ending head + 1 and sectors per track =
 * ending sector, as BIOSes derive it. Without a usable MBR: 255 heads, 63 sectors, the
 * translation every PC BIOS uses for large disks. Cylinders = capacity / (heads * sectors),
 * at most 1024 (the CHS limit), at least 1. DS = the RAM block; BX = the drive entry, whose
 * target and capacity are set. */
        .include "defs.inc"
        .code16
        .text

        .globl choose_geometry
        .equ DEFAULT_HEADS, 255
        .equ DEFAULT_SPT,   63

choose_geometry:
        pushal
        movw $DEFAULT_HEADS, DRV_HEADS(%bx)
        movw $DEFAULT_SPT, DRV_SPT(%bx)
        call read_mbr
        jc .Lcylinders
        cmpw $0xaa55, RAM_BUFFER + 510
        jne .Lcylinders
        movw $RAM_BUFFER + 0x1be, %si
        movw $4, %cx
1:      cmpb $0, 4(%si)                 /* partition type 0: unused entry */
        je 2f
        movb 6(%si), %al                /* ending sector (bits 5:0) */
        andb $0x3f, %al
        jz 2f
        movb 5(%si), %dl                /* ending head */
        movzbw %dl, %dx
        incw %dx
        movzbw %al, %ax
        movw %dx, DRV_HEADS(%bx)
        movw %ax, DRV_SPT(%bx)
        jmp .Lcylinders
2:      addw $16, %si
        loop 1b
.Lcylinders:
        movw DRV_HEADS(%bx), %ax
        mulw DRV_SPT(%bx)               /* DX:AX = sectors per cylinder (< 2^16) */
        movzwl %ax, %ecx
        movl DRV_SECTORS(%bx), %eax
        xorl %edx, %edx
        divl %ecx
        cmpl $1024, %eax
        jbe 3f
        movl $1024, %eax
3:      testl %eax, %eax
        jnz 4f
        incl %eax
4:      movw %ax, DRV_CYLS(%bx)
        popal
        ret

/* READ(10) of LBA 0 into RAM_BUFFER; CF on error. */
read_mbr:
        pushl %eax
        pushw %cx
        pushw %di
        pushw %es
        movw %ds, %ax
        movw %ax, %es
        movw $RAM_REQ_CDB, %di
        movw $16, %cx
        xorb %al, %al
        cld
        rep stosb
        movb $SCSI_READ10, RAM_REQ_CDB
        movb $1, RAM_REQ_CDB + 8        /* one block */
        movb $10, RAM_REQ_CDBLEN
        movb $1, RAM_REQ_DIR
        movl $512, RAM_REQ_LEN
        movl RAM_PHYS, %eax
        addl $RAM_BUFFER, %eax
        movl %eax, RAM_REQ_ADDR
        call scsi_command
        popw %es
        popw %di
        popw %cx
        popl %eax
        ret
