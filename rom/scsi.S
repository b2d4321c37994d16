/* Runs SCSI commands on the controller with the ROM's SCRIPTS program (rom/scripts.S),
 * polling ISTAT for the stop (the IRQ pin is disabled: DCNTL IRQD), and recovers the chip
 * and the bus when a command goes wrong. All routines expect DS = the RAM block and
 * RAM_IOBASE set; they keep every register except the documented results.
 *   chip_setup    software reset and the set-up for polled operation
 *   bus_reset     SCSI bus reset (SCNTL1 RST), as a driver does after a chip reset
 *   scsi_command  the request in RAM_REQ_*; CHECK CONDITION answered with REQUEST SENSE,
 *                 UNIT ATTENTION retried; AL = SCSI_* result, CF set unless SCSI_OK */
        .include "defs.inc"
        .code16
        .text

        .globl chip_setup, bus_reset, scsi_command, clear_interrupts

/* Soft reset (ISTAT SRST set then cleared), then: our SCSI ID 7, the selection time-out,
 * SFBR untouched by reselection (COM) and the IRQ pin off (IRQD), every interrupt cause
 * enabled so that it is reported in ISTAT and halts SCRIPTS (data manual, SIEN0/SIEN1/DIEN). */
chip_setup:
        pushl %eax
        pushw %dx
        movb $ISTAT_SRST, %al
        WRITE8 REG_ISTAT
        movb $0, %al
        WRITE8 REG_ISTAT
        movb $HOST_ID, %al
        WRITE8 REG_SCID
        movb $(1 << HOST_ID), %al
        WRITE8 REG_RESPID0
        movb $0, %al
        WRITE8 REG_RESPID1
        WRITE8 REG_DMODE
        movb $STIME0_SELECTION, %al
        WRITE8 REG_STIME0
        movb $(DCNTL_IRQD | DCNTL_COM), %al
        WRITE8 REG_DCNTL
        movb $0x8f, %al                 /* MA, SGE, UDC, RST, PAR */
        WRITE8 REG_SIEN0
        movb $SIST1_STO, %al
        WRITE8 REG_SIEN1
        movb $0x7d, %al                 /* MDPE, BF, ABRT, SSI, SIR, IID */
        WRITE8 REG_DIEN
        call clear_interrupts
        popw %dx
        popl %eax
        ret

/* Asserts SCSI RST/ for a while (the standard asks for at least 25 us; a few hundred
 * register reads take longer than that on any bus) and releases it. Every target then
 * reports UNIT ATTENTION once, which scsi_command retries. */
bus_reset:
        pushl %eax
        pushw %cx
        pushw %dx
        movb $SCNTL1_RST, %al
        WRITE8 REG_SCNTL1
        movw $64, %cx
1:      READ8 REG_ISTAT
        loop 1b
        movb $0, %al
        WRITE8 REG_SCNTL1
        call clear_interrupts
        popw %dx
        popw %cx
        popl %eax
        ret

/* Reads DSTAT and SIST0/SIST1 while ISTAT reports something pending (stacked interrupts
 * show one after the other), at most 8 times. */
clear_interrupts:
        pushl %eax
        pushw %cx
        pushw %dx
        movw $8, %cx
1:      READ8 REG_ISTAT
        testb $(ISTAT_SIP | ISTAT_DIP), %al
        jz 2f
        READ8 REG_DSTAT
        READ8 REG_SIST0
        READ8 REG_SIST1
        loop 1b
2:      popw %dx
        popw %cx
        popl %eax
        ret

/* Chip and bus back to a known state after a failure or a time-out. */
chip_recover:
        call chip_setup
        call bus_reset
        ret

/* Polls ISTAT until the SCRIPTS stop, at most COMMAND_TICKS timer ticks (interrupts are
 * enabled meanwhile so that the tick advances) and at most 4M polls in case the tick does
 * not. Records ISTAT, DSTAT, SIST0/1 and DSPS in RAM_STOP_*. CF set on time-out. */
wait_stop:
        pushl %eax
        pushw %bx
        pushl %ecx
        pushw %dx
        pushw %es
        pushfw
        sti
        movw $BDA_SEG, %ax
        movw %ax, %es
        movw %es:BDA_TICKS, %bx
        xorl %ecx, %ecx
        movl %ecx, RAM_STOP_ISTAT
        movl %ecx, RAM_STOP_DSPS
1:      READ8 REG_ISTAT
        testb $(ISTAT_SIP | ISTAT_DIP), %al
        jnz 2f
        movw %es:BDA_TICKS, %ax
        subw %bx, %ax
        cmpw $COMMAND_TICKS, %ax
        jae 3f
        incl %ecx
        cmpl $0x400000, %ecx
        jb 1b
3:      popfw
        stc
        jmp 9f
2:      movb %al, RAM_STOP_ISTAT
        movb %al, %bl
        testb $ISTAT_DIP, %bl
        jz 4f
        READ8 REG_DSTAT
        movb %al, RAM_STOP_DSTAT
        READ32 REG_DSPS
        movl %eax, RAM_STOP_DSPS
4:      testb $ISTAT_SIP, %bl
        jz 5f
        READ8 REG_SIST0
        movb %al, RAM_STOP_SIST0
        READ8 REG_SIST1
        movb %al, RAM_STOP_SIST1
5:      popfw
        clc
9:      popw %es
        popw %dx
        popl %ecx
        popw %bx
        popl %eax
        ret

/* One command, no retries: the CDB at RAM_CDB and RAM_X_* describe it. Fills the table,
 * starts the SCRIPTS and interprets the stop. AL = SCSI_OK, SCSI_CHECK (status CHECK
 * CONDITION, no sense fetched yet), SCSI_NO_TARGET or SCSI_FAILED / SCSI_TIMEOUT (after
 * which chip and bus have been reset). */
scsi_exec:
        pushl %ebx
        pushw %cx
        pushw %dx
        pushw %si
        movl RAM_PHYS, %ebx
        xorl %eax, %eax
        movb RAM_REQ_TARGET, %al
        shll $16, %eax                  /* SDID in bits 19:16; SCNTL3 and SXFER 0: async */
        movl %eax, RAM_TABLE + TBL_SELECT
        movb $SCSI_IDENTIFY, RAM_MSGOUT
        movb $0xff, RAM_STATUS
        movb $0xff, RAM_MSGIN
        movl $1, RAM_TABLE + TBL_MSGOUT
        leal RAM_MSGOUT(%ebx), %eax
        movl %eax, RAM_TABLE + TBL_MSGOUT + 4
        movzbl RAM_X_CDBLEN, %eax
        movl %eax, RAM_TABLE + TBL_COMMAND
        leal RAM_CDB(%ebx), %eax
        movl %eax, RAM_TABLE + TBL_COMMAND + 4
        movl $1, RAM_TABLE + TBL_STATUS
        leal RAM_STATUS(%ebx), %eax
        movl %eax, RAM_TABLE + TBL_STATUS + 4
        movl $1, RAM_TABLE + TBL_MSGIN
        leal RAM_MSGIN(%ebx), %eax
        movl %eax, RAM_TABLE + TBL_MSGIN + 4
        /* the data entry of the other direction gets count 0: if the target asks for that
         * phase anyway, the chip stops with an illegal instruction instead of moving data */
        movl RAM_X_ADDR, %eax
        movl %eax, RAM_TABLE + TBL_DATA_IN + 4
        movl %eax, RAM_TABLE + TBL_DATA_OUT + 4
        movl $0, RAM_TABLE + TBL_DATA_IN
        movl $0, RAM_TABLE + TBL_DATA_OUT
        movl RAM_X_LEN, %eax
        andl $0xffffff, %eax
        cmpb $1, RAM_X_DIR
        jne 1f
        movl %eax, RAM_TABLE + TBL_DATA_IN
1:      cmpb $2, RAM_X_DIR
        jne 2f
        movl %eax, RAM_TABLE + TBL_DATA_OUT
2:      call clear_interrupts
        leal RAM_TABLE(%ebx), %eax
        WRITE32 REG_DSA
        leal RAM_SCRIPTS(%ebx), %eax
        WRITE32 REG_DSP                    /* DMODE MAN clear: writing DSP starts the SCRIPTS */
        xorw %si, %si                   /* phase mismatches seen */
.Lwait:
        call wait_stop
        jc .Ltimed_out
        testb $ISTAT_SIP, RAM_STOP_ISTAT
        jz .Lscripts_stop
        testb $SIST1_STO, RAM_STOP_SIST1
        jnz .Lno_target
        testb $SIST0_MA, RAM_STOP_SIST0
        jz .Lfailed
        /* Phase mismatch: the target left a phase before its count ran out (a short
         * transfer, or an error instead of data). Flush the DMA FIFO and let the phase
         * loop follow the target; a target that keeps doing this is given up on. */
        incw %si
        cmpw $4, %si
        ja .Lfailed
        READ8 REG_CTEST3
        orb $CTEST3_CLF, %al
        WRITE8 REG_CTEST3
        leal SCRIPTS_PHASE_LOOP(%ebx), %eax
        WRITE32 REG_DSP
        jmp .Lwait
.Lscripts_stop:
        testb $DSTAT_SIR, RAM_STOP_DSTAT
        jz .Lfailed
        cmpl $SCRIPTS_DONE, RAM_STOP_DSPS
        jne .Lfailed
        movb RAM_STATUS, %al
        cmpb $STATUS_GOOD, %al
        je .Lgood
        cmpb $STATUS_CHECK, %al
        je .Lcheck
        movb $SCSI_FAILED, %al          /* BUSY, RESERVATION CONFLICT, ...: bus is free */
        jmp .Lexit
.Lgood:
        movb $SCSI_OK, %al
        jmp .Lexit
.Lcheck:
        movb $SCSI_CHECK, %al
        jmp .Lexit
.Lno_target:
        movb $SCSI_NO_TARGET, %al
        jmp .Lexit
.Ltimed_out:
        call chip_recover
        movb $SCSI_TIMEOUT, %al
        jmp .Lexit
.Lfailed:
        call chip_recover
        movb $SCSI_FAILED, %al
.Lexit:
        popw %si
        popw %dx
        popw %cx
        popl %ebx
        ret

/* The request in RAM_REQ_*: copies it into the executed command, runs it, fetches the
 * sense data of a CHECK CONDITION (key into RAM_SENSE_KEY) and retries UNIT ATTENTION and
 * NOT READY up to 3 times. */
scsi_command:
        pushl %ebx
        pushw %cx
        pushw %si
        pushw %di
        pushw %es
        movw %ds, %ax
        movw %ax, %es
        movw $4, %bx                    /* attempts */
.Lattempt:
        cld
        movw $RAM_REQ_CDB, %si
        movw $RAM_CDB, %di
        movw $16, %cx
        rep movsb
        movb RAM_REQ_CDBLEN, %al
        movb %al, RAM_X_CDBLEN
        movb RAM_REQ_DIR, %al
        movb %al, RAM_X_DIR
        movl RAM_REQ_ADDR, %eax
        movl %eax, RAM_X_ADDR
        movl RAM_REQ_LEN, %eax
        movl %eax, RAM_X_LEN
        call scsi_exec
        cmpb $SCSI_CHECK, %al
        jne .Lcommand_done
        /* REQUEST SENSE, 18 bytes of fixed-format sense into RAM_SENSE */
        movw $RAM_CDB, %di
        movw $16, %cx
        xorb %al, %al
        rep stosb
        movb $SCSI_REQUEST_SENSE, RAM_CDB
        movb $18, RAM_CDB + 4
        movb $6, RAM_X_CDBLEN
        movb $1, RAM_X_DIR
        movl RAM_PHYS, %eax
        addl $RAM_SENSE, %eax
        movl %eax, RAM_X_ADDR
        movl $18, RAM_X_LEN
        movb $0, RAM_SENSE + 2
        call scsi_exec
        cmpb $SCSI_OK, %al
        je 1f
        movb $SCSI_FAILED, %al
        jmp .Lcommand_done
1:      movb RAM_SENSE + 2, %al
        andb $0x0f, %al
        movb %al, RAM_SENSE_KEY
        movb $SCSI_CHECK, %al
        cmpb $SENSE_UNIT_ATTENTION, RAM_SENSE_KEY
        je 2f
        cmpb $2, RAM_SENSE_KEY          /* NOT READY (becoming ready) */
        jne .Lcommand_done
2:      decw %bx
        jnz .Lattempt
.Lcommand_done:
        popw %es
        popw %di
        popw %si
        popw %cx
        popl %ebx
        cmpb $1, %al                    /* CF = (AL != SCSI_OK) */
        cmc
        ret
