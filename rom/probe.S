/* Looks for disks behind the controller, at POST: for every SCSI ID but ours, INQUIRY (a
 * selection time-out means nobody is there), then for a direct-access device on LUN 0
 * TEST UNIT READY and READ CAPACITY(10); disks with 512-byte blocks and a non-zero capacity
 * are entered in RAM_DRIVES with a CHS geometry (rom/geometry.S). DS = the RAM block. */
        .include "defs.inc"
        .code16
        .text

        .globl probe_disks, read_capacity_sectors

probe_disks:
        pushal
        xorw %cx, %cx                   /* CL = SCSI ID */
.Lnext_id:
        cmpb $HOST_ID, %cl
        je .Lskip
        cmpb $MAX_DRIVES, RAM_DRIVE_COUNT
        jae .Lprobe_done
        movb %cl, RAM_REQ_TARGET
        call inquiry_is_disk
        jc .Lskip
        call test_unit_ready
        jc .Lskip
        call read_capacity_sectors      /* EAX = sectors */
        jc .Lskip
        /* the new entry */
        movzbw RAM_DRIVE_COUNT, %bx
        shlw $5, %bx                    /* DRV_SIZE = 32 */
        addw $RAM_DRIVES, %bx
        movb %cl, DRV_TARGET(%bx)
        movl %eax, DRV_SECTORS(%bx)
        movl $0, DRV_SECTORS + 4(%bx)
        call choose_geometry            /* fills heads, spt, cyls of the entry at BX */
        incb RAM_DRIVE_COUNT
.Lskip:
        incb %cl
        cmpb $16, %cl
        jb .Lnext_id
.Lprobe_done:
        popal
        ret

/* Sets RAM_REQ_* for a command with no data (CDB zeroed, length AL). */
request_reset:
        pushw %cx
        pushw %di
        pushw %es
        pushw %ax
        movw %ds, %ax
        movw %ax, %es
        movw $RAM_REQ_CDB, %di
        movw $16, %cx
        xorb %al, %al
        cld
        rep stosb
        popw %ax
        movb %al, RAM_REQ_CDBLEN
        movb $0, RAM_REQ_DIR
        movl $0, RAM_REQ_ADDR
        movl $0, RAM_REQ_LEN
        popw %es
        popw %di
        popw %cx
        ret

/* Data in, AX bytes into RAM_BUFFER. */
request_into_buffer:
        pushl %eax
        movb $1, RAM_REQ_DIR
        movzwl %ax, %eax
        movl %eax, RAM_REQ_LEN
        movl RAM_PHYS, %eax
        addl $RAM_BUFFER, %eax
        movl %eax, RAM_REQ_ADDR
        popl %eax
        ret

/* CF clear if the target at RAM_REQ_TARGET answers INQUIRY as a direct-access device with
 * LUN 0 present (peripheral qualifier 0, device type 0). */
inquiry_is_disk:
        movb $6, %al
        call request_reset
        movb $SCSI_INQUIRY, RAM_REQ_CDB
        movb $36, RAM_REQ_CDB + 4
        movw $36, %ax
        call request_into_buffer
        movb $0xff, RAM_BUFFER
        call scsi_command
        jc 1f
        cmpb $0x00, RAM_BUFFER
        jne 1f
        clc
        ret
1:      stc
        ret

test_unit_ready:
        movb $6, %al
        call request_reset
        movb $SCSI_TEST_UNIT_READY, RAM_REQ_CDB
        call scsi_command
        ret

/* EAX = capacity in 512-byte sectors of the disk at RAM_REQ_TARGET (READ CAPACITY(10):
 * last LBA + 1, big-endian); CF set on error, another block size or zero capacity. A disk
 * of 2^32 sectors or more is reported as 2^32 - 1 (READ CAPACITY(10) says FFFFFFFFh). */
read_capacity_sectors:
        movb $10, %al
        call request_reset
        movb $SCSI_READ_CAPACITY10, RAM_REQ_CDB
        movw $8, %ax
        call request_into_buffer
        call scsi_command
        jc 1f
        movl RAM_BUFFER + 4, %eax       /* block length */
        bswapl %eax
        cmpl $512, %eax
        jne 1f
        movl RAM_BUFFER, %eax           /* last LBA */
        bswapl %eax
        cmpl $0xffffffff, %eax
        je 2f
        incl %eax
2:      testl %eax, %eax
        jz 1f
        clc
        ret
1:      stc
        ret
