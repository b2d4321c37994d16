/* int13-exercise.S: a boot program for test/guest/scsi-boot-int13.test.ts that calls the
 * INT 13h functions the boot-media kit's boot sector does not: 41h, 48h (EDD 3.0 device
 * path), 08h, 15h, 43h and 03h (writes, which the host then finds in the image), 42h after
 * 43h (read back), 04h, 44h, 00h, an error (42h beyond the disk's end) followed by 01h, and a
 * write to the read-only disk 81h (DATA PROTECT from the target) followed by 01h. It
 * reports one line per call on COM1, "HVMIO-INT13 NAME cf=C ah=HH VALUES...", then
 * "HVMIO-INT13-END", and powers the machine off (PIIX4 PM1a_CNT, S5). The BIOS loads sector 0
 * at 0000:7C00; sector 0 loads the rest with AH=02h (cylinder 0, head 0, sector 2 on). */
        .code16
        .text
        .globl _start

        .set COM1, 0x3f8
        .set PATTERN, 0x9000            /* 2 sectors written with 43h (the program ends before 8400h) */
        .set READBACK, 0x9400           /* 2 sectors read back with 42h */
        .set EDDBUF, 0x9800             /* 48h result buffer */
        .set DAP, 0x9900                /* disk address packet */
        .set WRITE_LBA, 100             /* where 43h writes */
        .set CHS_SECTOR, 10             /* 03h writes C0/H0/S10 = LBA 9 */

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
1:      movb %dl, drive
        movb %dl, cur_drive
        /* the rest of the program: AH=02h, C0 H0 S2, into 7E00h */
        movw $0x0200 | ((end - stage2) / 512), %ax
        movw $stage2, %bx
        movw $0x0002, %cx
        xorb %dh, %dh
        int $0x13
        jnc stage2
        jmp power_off

        .include "int13-report.inc"

drive:  .byte 0                  /* the boot drive */
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

        /* 41h: extensions present? */
        movw $s_41, %si
        movb $0x41, %ah
        movw $0x55aa, %bx
        call int13
        movw %bx, %ax
        call value16
        movw %cx, %ax
        call value16
        call newline

        /* 48h with a 42h-byte buffer: size, sectors (low dword), EDD 3.0 key, interface,
         * device path checksum (sum of 1Eh..41h, 00 when right), SCSI ID */
        movw $EDDBUF, %si               /* DS:SI = the buffer, its size word first */
        movw $0x42, (%si)
        movb $0x48, %ah
        movw $s_48, %bp
        call int13_named
        movw (EDDBUF), %ax
        call value16
        movw EDDBUF + 0x12, %ax
        call value16
        movw EDDBUF + 0x10, %ax
        call value16
        movw EDDBUF + 0x1e, %ax
        call value16
        movl EDDBUF + 0x28, %eax        /* "SCSI" */
        call value_ascii4
        xorb %al, %al
        movw $EDDBUF + 0x1e, %si
        movw $0x24, %cx
7:      addb (%si), %al
        incw %si
        loop 7b
        call value8
        movw EDDBUF + 0x38, %ax
        call value16
        call newline

        /* 08h: CX, DX */
        movw $s_08, %si
        movb $0x08, %ah
        call int13
        movw %cx, %ax
        call value16
        movw %dx, %ax
        call value16
        call newline

        /* 15h: AH, CX:DX */
        movw $s_15, %si
        movb $0x15, %ah
        call int13
        movw %cx, %ax
        call value16
        movw %dx, %ax
        call value16
        call newline

        /* 43h: two sectors of "HVMIO43." at LBA WRITE_LBA */
        movw $PATTERN, %di
        movw $128, %cx
8:      movl $0x4f494d56, (%di)         /* "VMIO" */
        movl $0x2e333448, 4(%di)        /* "H43." */
        addw $8, %di
        loop 8b
        movl $0x3434482f, PATTERN       /* a different first dword: "/H44" */
        movw $s_43, %si
        movb $0x43, %ah
        movw $PATTERN, %bx
        movl $WRITE_LBA, %edi
        call dap_call
        call newline

        /* 42h: read them back into READBACK and compare */
        movw $s_42, %si
        movb $0x42, %ah
        movw $READBACK, %bx
        movl $WRITE_LBA, %edi
        call dap_call
        movw $PATTERN, %si
        movw $READBACK, %di
        movw $512, %cx
        repe cmpsw
        sete %al
        call value8
        call newline

        /* 03h: one sector of PATTERN + 512 to C0/H0/S CHS_SECTOR */
        movw $s_03, %si
        movw $0x0301, %ax
        movw $PATTERN + 512, %bx
        movw $CHS_SECTOR, %cx
        xorb %dh, %dh
        call int13
        call value8                     /* AL: sectors written */
        call newline

        /* 04h: verify C0/H0/S1, one sector */
        movw $s_04, %si
        movw $0x0401, %ax
        movw $0x0001, %cx
        xorb %dh, %dh
        call int13
        call value8
        call newline

        /* 44h: verify LBA 0, 1 block */
        movw $s_44, %si
        movb $0x44, %ah
        xorw %bx, %bx
        xorl %edi, %edi
        call dap_call
        call newline

        /* 42h beyond the end (LBA FFFFFF00h), then 01h: the status of that error */
        movw $s_err, %si
        movb $0x42, %ah
        movw $READBACK, %bx
        movl $0xffffff00, %edi
        call dap_call
        movw DAP + 2, %ax               /* blocks done, per the packet */
        call value16
        call newline
        movw $s_01, %si
        movb $0x01, %ah
        call int13
        call newline

        /* 00h: reset */
        movw $s_00, %si
        movb $0x00, %ah
        call int13
        call newline

        /* 43h on drive 81h, a read-only disk: the target answers CHECK CONDITION, DATA
         * PROTECT, which the ROM fetches with REQUEST SENSE and reports as AH=03h; 01h on
         * 81h then says the same, while 01h on 80h still has 80h's last status (00h). */
        movb $0x81, cur_drive
        movw $s_43ro, %si
        movb $0x43, %ah
        movw $PATTERN, %bx
        movl $WRITE_LBA, %edi
        call dap_call
        call newline
        movw $s_01ro, %si
        movb $0x01, %ah
        call int13
        call newline
        movb drive, %al
        movb %al, cur_drive
        movw $s_01again, %si
        movb $0x01, %ah
        call int13
        call newline

        movw $s_end, %si
        call puts
        jmp power_off

/* dap_call: AH = 42h/43h/44h, EDI = LBA, BX = buffer offset (segment 0); 2 blocks for 42h/43h,
 * 1 for 44h. The name is in SI. */
dap_call:
        pushw %si
        movw $DAP, %si
        movw $0x0010, (%si)
        movw $2, 2(%si)
        cmpb $0x44, %ah
        jne 9f
        movw $1, 2(%si)
9:      movw %bx, 4(%si)
        movw $0, 6(%si)
        movl %edi, 8(%si)
        movl $0, 12(%si)
        movb $0, %al
        popw %bp
        jmp int13_named

s_41:   .asciz "41"
s_48:   .asciz "48"
s_08:   .asciz "08"
s_15:   .asciz "15"
s_43:   .asciz "43"
s_42:   .asciz "42"
s_03:   .asciz "03"
s_44:   .asciz "44"
s_04:   .asciz "04"
s_err:  .asciz "42-beyond"
s_01:   .asciz "01"
s_00:   .asciz "00"
s_43ro: .asciz "43-readonly"
s_01ro: .asciz "01-readonly"
s_01again: .asciz "01-again"
s_end:  .asciz "HVMIO-INT13-END\r\n"
        .balign 512, 0
end:
