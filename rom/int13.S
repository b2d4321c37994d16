/* The INT 13h handler for our disks (drives RAM_DRIVE_BASE .. + RAM_DRIVE_COUNT - 1);
 * other drive numbers go to the handler that was there before (RAM_OLD13) with every
 * register and the stack as the caller left them. Functions (IBM PC BIOS; Phoenix "BIOS
 * Enhanced Disk Drive Specification" 3.0 for 41h-48h): 00h reset, 01h last status, 02h/03h/
 * 04h read/write/verify by CHS, 08h parameters, 0Ch/0Dh/10h/11h/14h/47h no-ops that succeed,
 * 15h type, 41h extensions check, 42h/43h/44h read/write/verify by LBA (disk address packet,
 * with the 64-bit flat buffer address when the packet says FFFF:FFFF), 48h parameters (with
 * the EDD 3.0 device path). Errors: CF set and the status in AH, kept for 01h. */
        .include "defs.inc"
        .code16
        .text

        .globl rom_int13

        /* the caller's registers as int13_serve saved them (pushal after ES, DS) */
        .equ F_DI, 0
        .equ F_SI, 4
        .equ F_BX, 16
        .equ F_DX, 20
        .equ F_DL, 20
        .equ F_DH, 21
        .equ F_CX, 24
        .equ F_CL, 24
        .equ F_CH, 25
        .equ F_AX, 28
        .equ F_AL, 28
        .equ F_AH, 29
        .equ F_ES, 32
        .equ F_DS, 34
        .equ F_FLAGS, 40

        .equ OP_READ, 0
        .equ OP_WRITE, 1
        .equ OP_VERIFY, 2

rom_int13:
        subw $4, %sp                    /* room for the far address of the old handler */
        pushw %bp
        movw %sp, %bp
        pushw %ds
        pushw %ax
        movw %cs:rom_ram_seg, %ax
        movw %ax, %ds
        movb %dl, %al
        subb RAM_DRIVE_BASE, %al
        jb .Lchain
        cmpb RAM_DRIVE_COUNT, %al
        jae .Lchain
        popw %ax
        popw %ds
        popw %bp
        addw $4, %sp
        jmp int13_serve
.Lchain:
        movw RAM_OLD13, %ax
        movw %ax, 2(%bp)
        movw RAM_OLD13 + 2, %ax
        movw %ax, 4(%bp)
        popw %ax
        popw %ds
        popw %bp
        lret                            /* into the old handler, IRET frame untouched */

int13_serve:
        pushw %ds
        pushw %es
        pushal
        movw %sp, %bp
        cld
        movw %cs:rom_ram_seg, %ax
        movw %ax, %ds
        movb F_DL(%bp), %al
        subb RAM_DRIVE_BASE, %al
        movb %al, RAM_CUR_IDX
        movzbw %al, %bx
        shlw $5, %bx                    /* DRV_SIZE */
        addw $RAM_DRIVES, %bx           /* BX = our entry for the drive, throughout */
        movw %bx, RAM_CUR_DRV
        movb F_AH(%bp), %al
        TRACE '<'
        TRACE_AL
        cmpb $0x00, %al
        je fn_no_op
        cmpb $0x01, %al
        je fn_last_status
        cmpb $0x02, %al
        je fn_chs
        cmpb $0x03, %al
        je fn_chs
        cmpb $0x04, %al
        je fn_chs
        cmpb $0x08, %al
        je fn_parameters
        cmpb $0x0c, %al
        je fn_no_op
        cmpb $0x0d, %al
        je fn_no_op
        cmpb $0x10, %al
        je fn_no_op
        cmpb $0x11, %al
        je fn_no_op
        cmpb $0x14, %al
        je fn_no_op
        cmpb $0x15, %al
        je fn_type
        cmpb $0x41, %al
        je fn_check_extensions
        cmpb $0x42, %al
        je fn_extended
        cmpb $0x43, %al
        je fn_extended
        cmpb $0x44, %al
        je fn_extended
        cmpb $0x47, %al
        je fn_no_op
        cmpb $0x48, %al
        je fn_edd_parameters
        /* fall through */
bad_command:
        movb $E13_BAD_COMMAND, %ah
        jmp int13_status

/* Return with AH = status: kept for 01h, CF set unless 0. */
int13_status:
        TRACE '='
        xchgb %al, %ah
        TRACE_AL
        xchgb %al, %ah
        TRACE '>'
        movb %ah, F_AH(%bp)
        movzbw RAM_CUR_IDX, %si
        movb %ah, RAM_LAST_STATUS(%si)
        testb %ah, %ah
        jz int13_clear_carry
int13_set_carry:
        orw $1, F_FLAGS(%bp)
        jmp int13_exit
/* Return success with the caller's registers as the function set them in the frame. */
int13_clear_carry:
        andw $0xfffe, F_FLAGS(%bp)
int13_exit:
        popal
        popw %es
        popw %ds
        iret

fn_no_op:
        movb $E13_OK, %ah
        jmp int13_status

fn_last_status:
        movzbw RAM_CUR_IDX, %si
        movb RAM_LAST_STATUS(%si), %ah
        movb %ah, F_AH(%bp)
        testb %ah, %ah
        jz int13_clear_carry
        jmp int13_set_carry

/* 02h/03h/04h: AL sectors, CH cylinder low, CL sector (5:0) and cylinder bits 9:8 (7:6),
 * DH head, ES:BX buffer. AL = sectors done. */
fn_chs:
        movzbw F_AL(%bp), %cx           /* count */
        movb $0, F_AL(%bp)              /* nothing done unless it all succeeds */
        testw %cx, %cx
        jz bad_command
        movb F_CL(%bp), %al
        andb $0x3f, %al                 /* sector, 1-based */
        jz chs_not_found
        movzbl %al, %esi
        cmpw DRV_SPT(%bx), %si
        ja chs_not_found
        movzbw F_CL(%bp), %ax
        andw $0xc0, %ax
        shlw $2, %ax
        movb F_CH(%bp), %al             /* AX = cylinder */
        cmpw DRV_CYLS(%bx), %ax
        jae chs_not_found
        movzbl F_DH(%bp), %edx          /* head */
        cmpw DRV_HEADS(%bx), %dx
        jae chs_not_found
        movzwl %ax, %eax                /* LBA = (C * heads + H) * spt + S - 1 */
        movzwl DRV_HEADS(%bx), %edi
        imull %edi, %eax
        addl %edx, %eax
        movzwl DRV_SPT(%bx), %edi
        imull %edi, %eax
        addl %esi, %eax
        decl %eax
        movzwl F_ES(%bp), %edi          /* buffer: ES:BX as a physical address */
        shll $4, %edi
        movzwl F_BX(%bp), %edx
        addl %edx, %edi
        movb F_AH(%bp), %dl
        subb $2, %dl                    /* 02h read, 03h write, 04h verify */
        call disk_transfer
        testb %ah, %ah
        jnz int13_status
        movb %cl, F_AL(%bp)
        jmp int13_status
chs_not_found:
        movb $E13_NOT_FOUND, %ah
        jmp int13_status

/* 42h/43h/44h: DS:SI = disk address packet {size, 0, count, offset, segment, LBA (8),
 * [flat address (8)]}. On error the packet's count says how many blocks were done: 0. */
fn_extended:
        movw F_DS(%bp), %es
        movw F_SI(%bp), %si
        cmpb $0x10, %es:(%si)
        jb bad_command
        movzwl %es:2(%si), %ecx
        testw %cx, %cx
        jz fn_no_op
        cmpw $127, %cx
        ja ext_bad
        cmpl $0, %es:12(%si)            /* LBA above 2^32: beyond any disk we serve */
        jne ext_not_found
        movl %es:8(%si), %eax
        cmpl $0xffffffff, %es:4(%si)
        jne 1f
        cmpb $0x18, %es:(%si)           /* FFFF:FFFF: the 64-bit flat address follows */
        jb ext_bad
        cmpl $0, %es:20(%si)            /* our DMA table entries hold 32-bit addresses */
        jne ext_bad
        movl %es:16(%si), %edi
        jmp 2f
1:      movzwl %es:6(%si), %edi
        shll $4, %edi
        movzwl %es:4(%si), %edx
        addl %edx, %edi
2:      movb F_AH(%bp), %dl
        subb $0x42, %dl                 /* 42h read, 43h write, 44h verify */
        call disk_transfer
        testb %ah, %ah
        jz int13_status
        jmp ext_failed
ext_not_found:
        movb $E13_NOT_FOUND, %ah
        jmp ext_failed
ext_bad:
        movb $E13_BAD_COMMAND, %ah
ext_failed:
        movw $0, %es:2(%si)
        jmp int13_status

/* 08h: CH/CL last cylinder and sectors per track, DH last head, DL number of disks. */
fn_parameters:
        movw DRV_CYLS(%bx), %ax
        decw %ax
        movb %al, F_CH(%bp)
        movb %ah, %dl
        shlb $6, %dl
        orb DRV_SPT(%bx), %dl
        movb %dl, F_CL(%bp)
        movw DRV_HEADS(%bx), %ax
        decw %ax
        movb %al, F_DH(%bp)
        movw $BDA_SEG, %ax
        movw %ax, %es
        movb %es:BDA_HD_COUNT, %al
        movb %al, F_DL(%bp)
        movb $0, F_AL(%bp)
        movb $E13_OK, %ah
        jmp int13_status

/* 15h: AH = 03h (fixed disk), CX:DX = number of sectors. */
fn_type:
        movl DRV_SECTORS(%bx), %eax
        movw %ax, F_DX(%bp)
        shrl $16, %eax
        movw %ax, F_CX(%bp)
        movb $0x03, F_AH(%bp)
        jmp int13_clear_carry

/* 41h: BX = 55AAh asks; BX = AA55h, AH = 30h (EDD 3.0), CX bit 0: functions 42h-44h,
 * 47h and 48h. */
fn_check_extensions:
        cmpw $0x55aa, F_BX(%bp)
        jne bad_command
        movw $0xaa55, F_BX(%bp)
        movb $0x30, F_AH(%bp)
        movw $0x0001, F_CX(%bp)
        jmp int13_clear_carry

/* 48h: DS:SI = result buffer, its first word the caller's size. Filled: 1Ah bytes of drive
 * parameters; from 1Eh up no DPTE (FFFF:FFFF); from 42h up the EDD 3.0 device path: PCI
 * bus/device/function of the controller and the disk's SCSI ID, with its checksum. */
fn_edd_parameters:
        movw F_DS(%bp), %es
        movw F_SI(%bp), %si
        movw %es:(%si), %di             /* the buffer's size */
        cmpw $0x1a, %di
        jb bad_command
        movw $0x1a, %es:(%si)
        movw $0x0002, %es:2(%si)        /* CHS information valid */
        movzwl DRV_CYLS(%bx), %eax
        movl %eax, %es:4(%si)
        movzwl DRV_HEADS(%bx), %eax
        movl %eax, %es:8(%si)
        movzwl DRV_SPT(%bx), %eax
        movl %eax, %es:12(%si)
        movl DRV_SECTORS(%bx), %eax
        movl %eax, %es:16(%si)
        movl DRV_SECTORS + 4(%bx), %eax
        movl %eax, %es:20(%si)
        movw $512, %es:24(%si)
        cmpw $0x1e, %di
        jb 9f
        movw $0x1e, %es:(%si)
        movl $0xffffffff, %es:26(%si)
        cmpw $0x42, %di
        jb 9f
        movw $0x42, %es:(%si)
        pushw %di
        leaw 30(%si), %di               /* clear 1Eh..41h, then fill */
        movw $36, %cx
        xorb %al, %al
        rep stosb
        popw %di
        movw $0xbedd, %es:30(%si)       /* key: device path present */
        movb $36, %es:32(%si)           /* its length, 1Eh..41h */
        movl $0x20494350, %es:36(%si)   /* "PCI " */
        movl $0x49534353, %es:40(%si)   /* "SCSI    " */
        movl $0x20202020, %es:44(%si)
        movw RAM_BDF, %ax
        movb %ah, %es:48(%si)           /* bus */
        movb %al, %dl
        shrb $3, %dl
        movb %dl, %es:49(%si)           /* device */
        andb $7, %al
        movb %al, %es:50(%si)           /* function */
        movzbw DRV_TARGET(%bx), %ax
        movw %ax, %es:56(%si)           /* SCSI ID; LUN 0 */
        xorb %al, %al                   /* checksum: 1Eh..41h sum to 0 */
        leaw 30(%si), %di
        movw $35, %cx
1:      addb %es:(%di), %al
        incw %di
        loop 1b
        negb %al
        movb %al, %es:65(%si)
9:      movb $E13_OK, %ah
        jmp int13_status

/* Moves CX sectors at LBA EAX to or from physical address EDI (DL: OP_READ, OP_WRITE or
 * OP_VERIFY) on the disk at BX with one READ(10)/WRITE(10)/VERIFY(10). AH = INT 13h status;
 * the rest of EAX is lost, every other register kept. */
disk_transfer:
        pushl %ecx
        pushl %esi                      /* callers keep their packet pointer in SI */
        pushw %dx
        pushw %di
        pushw %es
        movl %eax, %esi                 /* LBA + count must not pass the capacity */
        movzwl %cx, %ecx
        addl %ecx, %esi
        jc .Lbeyond
        cmpl DRV_SECTORS(%bx), %esi
        ja .Lbeyond
        movb DRV_TARGET(%bx), %dh
        movb %dh, RAM_REQ_TARGET
        pushw %ax                       /* CDB: opcode, 0, LBA (big-endian), 0, count, 0 */
        pushw %cx
        pushw %di
        movw %ds, %ax
        movw %ax, %es
        movw $RAM_REQ_CDB, %di
        movw $16, %cx
        xorb %al, %al
        rep stosb
        popw %di
        popw %cx
        popw %ax
        bswapl %eax
        movl %eax, RAM_REQ_CDB + 2
        movb %ch, RAM_REQ_CDB + 7
        movb %cl, RAM_REQ_CDB + 8
        movb $10, RAM_REQ_CDBLEN
        movl %edi, RAM_REQ_ADDR
        shll $9, %ecx
        movl %ecx, RAM_REQ_LEN
        cmpb $OP_READ, %dl
        jne 1f
        movb $SCSI_READ10, RAM_REQ_CDB
        movb $1, RAM_REQ_DIR
        jmp 3f
1:      cmpb $OP_WRITE, %dl
        jne 2f
        movb $SCSI_WRITE10, RAM_REQ_CDB
        movb $2, RAM_REQ_DIR
        jmp 3f
2:      movb $SCSI_VERIFY10, RAM_REQ_CDB
        movb $0, RAM_REQ_DIR
        movl $0, RAM_REQ_LEN
3:      call scsi_command
        jc 4f
        cmpb $OP_READ, %dl
        jne .Ltransfer_ok
        shrl $9, %ecx
        call rewrite_buffer
        jmp .Ltransfer_ok
4:
        call int13_error_for            /* AH from AL (and the sense key) */
        jmp .Ltransfer_done
.Lbeyond:
        movb $E13_NOT_FOUND, %ah
        jmp .Ltransfer_done
.Ltransfer_ok:
        movb $E13_OK, %ah
.Ltransfer_done:
        popw %es
        popw %di
        popw %dx
        popl %esi
        popl %ecx
        ret

/* Reads every dword of the CX sectors just read to physical address EDI and writes it back
 * unchanged, below 1 MiB. Why: behind QEMU's multi-process proxy the device writes guest
 * RAM through the shared memory file, which QEMU's TCG does not watch, so code it translated
 * earlier from those pages (the MBR that ran at 7C00h, then reads the partition's boot
 * sector to the same address) would keep running instead of the new bytes. A CPU write
 * makes TCG drop its stale translations; on real hardware or KVM it costs a little time. */
rewrite_buffer:
        pushal
        pushw %es
1:      cmpl $0x100000 - 512, %edi
        ja 9f
        movl %edi, %eax
        shrl $4, %eax
        movw %ax, %es
        movw %di, %si
        andw $15, %si
        movw $128, %bx
2:      movl %es:(%si), %eax
        movl %eax, %es:(%si)
        addw $4, %si
        decw %bx
        jnz 2b
        addl $512, %edi
        loop 1b
9:      popw %es
        popal
        ret

/* AH = the INT 13h status for scsi_command's result AL; DL = the operation. */
int13_error_for:
        movb $E13_TIMEOUT, %ah
        cmpb $SCSI_NO_TARGET, %al
        je 9f
        cmpb $SCSI_TIMEOUT, %al
        je 9f
        movb $E13_CONTROLLER, %ah
        cmpb $SCSI_CHECK, %al
        jne 9f
        movb RAM_SENSE_KEY, %al
        movb $E13_NOT_READY, %ah
        cmpb $0x02, %al                 /* NOT READY */
        je 9f
        movb $E13_ECC, %ah
        cmpb $0x03, %al                 /* MEDIUM ERROR */
        jne 1f
        cmpb $OP_WRITE, %dl
        jne 9f
        movb $E13_WRITE_FAULT, %ah
        jmp 9f
1:      movb $E13_CONTROLLER, %ah
        cmpb $0x04, %al                 /* HARDWARE ERROR */
        je 9f
        movb $E13_NOT_FOUND, %ah
        cmpb $0x05, %al                 /* ILLEGAL REQUEST: LBA out of range */
        je 9f
        movb $E13_WRITE_PROTECT, %ah
        cmpb $0x07, %al                 /* DATA PROTECT */
        je 9f
        movb $E13_UNDEFINED, %ah
9:      ret
