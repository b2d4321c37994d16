/* int13-errors.S: a floppy boot program for test/guest/scsi-boot-errors.test.ts, booted by
 * SeaBIOS after it failed to boot our SCSI disk 80h. It asks the option ROM about the disks
 * it installed and reports one line per call on COM1 ("HVMIO-INT13 NAME cf=C ah=HH VALUES"):
 *   08 (80h)       CX, DX: DL is how many disks the BIOS knows of
 *   48-80, 48-81   the SCSI ID in the EDD 3.0 device path (offset 38h), i.e. which target
 *                  each drive number is
 *   42-80          2 blocks at LBA 0 of 80h (the disk whose image shrank), blocks done
 *   02-80          the same sector by CHS (C0/H0/S1)
 *   01-80          the status of the last call on 80h
 *   42-81          2 blocks at LBA 64 of 81h (a good disk): their first dword
 * then "HVMIO-INT13-END" and power off. Stage 1 (sector 0, at 7C00h) loads the rest from the
 * boot drive with AH=02h. */
        .code16
        .text
        .globl _start

        .set COM1, 0x3f8
        .set BUFFER, 0x9000             /* 2 sectors read with 42h/02h */
        .set EDDBUF, 0x9800             /* 48h result buffer */
        .set DAP, 0x9900                /* disk address packet */
        .set GOOD_LBA, 64               /* where the test put a payload on the 81h disk */

_start:
        cli
        xorw %ax, %ax
        movw %ax, %ds
        movw %ax, %es
        movw %ax, %ss
        movw $0x7c00, %sp
        sti
        cld
        ljmp $0, $1f
1:      movb %dl, cur_drive
        movw $0x0200 | ((end - stage2) / 512), %ax
        movw $stage2, %bx
        movw $0x0002, %cx
        xorb %dh, %dh
        int $0x13
        jnc stage2
        jmp power_off

        .include "int13-report.inc"

cur_drive: .byte 0              /* the drive the next call goes to */
        .org 510
        .byte 0x55, 0xaa

/* ---- stage 2 */
stage2:
        /* SeaBIOS's serial console writes its screen from the timer: let it finish first. */
        movb $0x86, %ah
        movw $2, %cx
        xorw %dx, %dx
        int $0x15
        movw $s_nl, %si
        call puts

        movb $0x80, cur_drive
        movw $s_08, %si
        movb $0x08, %ah
        call int13
        movw %cx, %ax
        call value16
        movw %dx, %ax
        call value16
        call newline

        movw $s_48_80, %bp
        call edd_scsi_id

        movw $s_42_80, %bp
        movl $0, %edi
        call read2
        movw DAP + 2, %ax               /* blocks done, per the packet */
        call value16
        call newline

        movw $s_02_80, %si
        movw $0x0201, %ax
        movw $BUFFER, %bx
        movw $0x0001, %cx
        xorb %dh, %dh
        call int13
        call newline

        movw $s_01_80, %si
        movb $0x01, %ah
        call int13
        call newline

        movb $0x81, cur_drive
        movw $s_48_81, %bp
        call edd_scsi_id

        movl $0, BUFFER
        movw $s_42_81, %bp
        movl $GOOD_LBA, %edi
        call read2
        movw BUFFER + 2, %ax
        call value16
        movw BUFFER, %ax
        call value16
        call newline

        movw $s_end, %si
        call puts
        jmp power_off

/* 48h with a 42h-byte buffer on cur_drive, reporting the SCSI ID of its device path; the name
 * is at BP. */
edd_scsi_id:
        movw $EDDBUF, %si
        movw $0x42, (%si)
        movw $0, EDDBUF + 0x38
        movb $0x48, %ah
        call int13_named
        movw EDDBUF + 0x38, %ax
        call value16
        jmp newline

/* 42h: 2 blocks at LBA EDI of cur_drive into BUFFER; the name is at BP. */
read2:
        movw $DAP, %si
        movw $0x0010, (%si)
        movw $2, 2(%si)
        movw $BUFFER, 4(%si)
        movw $0, 6(%si)
        movl %edi, 8(%si)
        movl $0, 12(%si)
        movb $0x42, %ah
        jmp int13_named

s_08:    .asciz "08"
s_48_80: .asciz "48-80"
s_42_80: .asciz "42-80"
s_02_80: .asciz "02-80"
s_01_80: .asciz "01-80"
s_48_81: .asciz "48-81"
s_42_81: .asciz "42-81"
s_end:   .asciz "HVMIO-INT13-END\r\n"
        .balign 512, 0
end:
