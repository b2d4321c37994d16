/* The ROM's SCRIPTS program, run by the controller's own SCRIPTS processor (53C8xx data
 * manuals, chapter 6 "SCSI SCRIPTS Instruction Set"). The ROM copies it into its RAM block
 * and starts it with DSA = the command table (rom/defs.inc, RAM_TABLE), DSP = its first
 * instruction. It selects the target with ATN, then follows whatever phase the target asks
 * for: MESSAGE OUT (IDENTIFY), COMMAND, DATA IN / DATA OUT (a direction the request did not
 * expect has a zero count, which the chip refuses as an illegal instruction), STATUS and
 * MESSAGE IN; after COMMAND COMPLETE it waits for the disconnect and stops with INT
 * SCRIPTS_DONE. Every address is table-indirect (DSA-relative) or DSP-relative, so the
 * program runs wherever the RAM block is. A selection time-out or a phase mismatch stops it
 * with a SCSI interrupt, which the ROM's polling loop handles (rom/scsi.S). */
        .include "defs.inc"
        .code16
        .section .rodata

        .equ PH_DATA_OUT, 0
        .equ PH_DATA_IN,  1
        .equ PH_COMMAND,  2
        .equ PH_STATUS,   3
        .equ PH_MSG_OUT,  6
        .equ PH_MSG_IN,   7

        /* transfer control: JUMP, if true, DSP-relative target */
        .equ JUMP_REL,        0x80880000
        .equ TC_COMPARE_PHASE, 0x00020000
        .equ TC_WAIT_VALID,   0x00010000    /* WHEN: wait for REQ before comparing */
        .equ TC_COMPARE_DATA, 0x00040000
        .equ INT_ALWAYS,      0x98080000

        /* displacement from the instruction after this 8-byte one (`.` is its second dword) */
        .macro REL target
        .long ((\target) - (. + 4)) & 0xffffff
        .endm
        .macro JUMP_WHEN phase, target
        .long JUMP_REL | TC_COMPARE_PHASE | TC_WAIT_VALID | (\phase << 24)
        REL \target
        .endm
        .macro JUMP_IF phase, target
        .long JUMP_REL | TC_COMPARE_PHASE | (\phase << 24)
        REL \target
        .endm
        .macro JUMP target
        .long JUMP_REL
        REL \target
        .endm
        /* MOVE with the {count, address} entry at DSA + offset, in the given phase */
        .macro MOVE_TABLE phase, offset
        .long 0x18000000 | (\phase << 24)
        .long \offset
        .endm

        .globl scripts_program, scripts_phase_loop, scripts_end
        .balign 4
scripts_program:
        /* SELECT ATN FROM TBL_SELECT, REL(reselected): table indirect (bit 25), ATN (bit 24),
         * relative alternate address (bit 26) */
        .long 0x40000000 | (1 << 26) | (1 << 25) | (1 << 24) | TBL_SELECT
        REL reselected
scripts_phase_loop:
        JUMP_WHEN PH_MSG_OUT, do_msg_out
        JUMP_IF   PH_COMMAND, do_command
        JUMP_IF   PH_DATA_IN, do_data_in
        JUMP_IF   PH_DATA_OUT, do_data_out
        JUMP_IF   PH_STATUS, do_status
        JUMP_IF   PH_MSG_IN, do_msg_in
        .long INT_ALWAYS, SCRIPTS_BAD_PHASE
do_msg_out:
        MOVE_TABLE PH_MSG_OUT, TBL_MSGOUT
        JUMP scripts_phase_loop
do_command:
        MOVE_TABLE PH_COMMAND, TBL_COMMAND
        JUMP scripts_phase_loop
do_data_in:
        MOVE_TABLE PH_DATA_IN, TBL_DATA_IN
        JUMP scripts_phase_loop
do_data_out:
        MOVE_TABLE PH_DATA_OUT, TBL_DATA_OUT
        JUMP scripts_phase_loop
do_status:
        MOVE_TABLE PH_STATUS, TBL_STATUS
        JUMP scripts_phase_loop
do_msg_in:
        MOVE_TABLE PH_MSG_IN, TBL_MSGIN
        /* SFBR holds the message byte: 00h is COMMAND COMPLETE */
        .long JUMP_REL | TC_COMPARE_DATA | 0x00
        REL command_complete
        .long 0x60000040, 0             /* CLEAR ACK: accept any other message */
        JUMP scripts_phase_loop
command_complete:
        /* SCNTL2 &= 7Fh (clear SDU): the disconnect that follows is expected */
        .long 0x7c027f00, 0
        .long 0x60000040, 0             /* CLEAR ACK */
        .long 0x48000000, 0             /* WAIT DISCONNECT */
        .long INT_ALWAYS, SCRIPTS_DONE
reselected:
        /* nothing of ours disconnects (IDENTIFY without the disconnect privilege) */
        .long INT_ALWAYS, SCRIPTS_RESELECTED
scripts_end:

        /* for the other objects: the program's size and where the phase loop starts */
        .globl SCRIPTS_SIZE, SCRIPTS_PHASE_LOOP
        .set SCRIPTS_SIZE, scripts_end - scripts_program
        .set SCRIPTS_PHASE_LOOP, scripts_phase_loop - scripts_program
