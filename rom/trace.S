/* Debug output for ROM_TRACE builds (see TRACE in defs.inc): AL in hex on port 402h. */
        .include "defs.inc"
        .code16
        .text
        .ifdef ROM_TRACE
        .globl trace_al
trace_al:
        pushw %ax
        pushw %cx
        pushw %dx
        movb %al, %ch
        movw $0x402, %dx
        movb %ch, %al
        shrb $4, %al
        call 1f
        movb %ch, %al
        call 1f
        popw %dx
        popw %cx
        popw %ax
        ret
1:      andb $15, %al
        addb $'0', %al
        cmpb $'9', %al
        jbe 2f
        addb $7, %al
2:      outb %al, %dx
        ret
        .endif
