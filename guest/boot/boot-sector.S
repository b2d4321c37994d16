# boot-sector.S: a test boot sector that checks a BIOS's INT 13h disk services.
#
# The BIOS loads this sector at 0000:7C00 and jumps to it with DL = the boot drive (BIOS Boot
# Specification 1.01, 6.5.1). It reads cfg_sectors sectors starting at cfg_lba twice from
# that drive, once with the EDD 3.0 extended read (INT 13h AH=42h, disk address packet) and
# once with the classic CHS read (AH=02h, geometry from AH=08h, one track per call), and
# checks each copy against the expected checksum. With flag bit 0 it repeats both reads on
# drive 81h (the second hard disk) against cfg_sum_81. It reports on COM1 (0x3F8), one line per
# drive, then a closing line, and powers the machine off through the PIIX4 ACPI block (the
# QEMU `pc` board; elsewhere it just halts):
#
#   HVMIO-BOOT edd=OK chs=OK sum=1a2b3c4d drive=80 heads=0010 spt=003f
#   HVMIO-BOOT-END exec=OK
#
# Stage 1 (this sector) loads stage 2 (the next sectors: the checks) with a plain CHS read
# of cylinder 0, head 0, sectors 2..; when that fails it prints "HVMIO-BOOT load=FAIL ah=NN"
# and powers off. "HVMIO-BOOT config=BAD" means the configuration block has no valid sector
# count (1..127). The file's last sector (probe_b) is read only by the exec check. The
# payload goes anywhere after the file (its LBA is in the configuration block).
#
# Per method: OK (read succeeded, checksum matches), BAD:xxxxxxxx (read succeeded, this is
# the checksum of what arrived), FAIL ah=NN (the BIOS returned CF set, AH = its status;
# for EDD also when AH=41h says the extensions are missing), NOGEOM FAIL ah=NN (AH=08h
# failed), RANGE (the payload lies beyond cylinder 1023). sum= is the expected checksum from the
# configuration block, so a test can see that the block it patched is the one that ran.
# heads= and spt= are the geometry AH=08h reported (hex; 0 when it failed), the one the
# CHS reads used. exec= (see "finished" below): OK, STALE or FAIL ah=NN.
#
# Checksum over the payload as little-endian 32-bit words w[i]:
#   s = 0; for each w: s = rotate_left(s, 1) + w   (mod 2^32)
# Order-sensitive, so a sector read into the wrong place does not go unnoticed.
#
# Configuration block at offset 0x1A0, patched by whoever writes the test image
# (test/helpers/boot-kit.ts): see the labels below. The partition table (0x1BE) is left
# empty so nothing mistakes this code for partitions. Needs a 386 (32-bit registers).

        .code16
        .intel_syntax noprefix
        .text
        .globl _start

        .set BUFFER_SEG, 0x1000         # payload buffer 1000:0000 (64 KiB, N <= 127)
        .set COM1, 0x3F8
        .set FILL, 0xE5E5               # buffer fill before each read
        .set PROBE_A, 0x11              # what the two copies of probe return
        .set PROBE_B, 0x22

# Stage 1: the boot sector proper (0x7C00-0x7DFF).
_start:
        cli
        xor     ax, ax
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        mov     sp, 0x7C00
        sti
        cld
        ljmp    0, offset normalized    # some BIOSes enter at 07C0:0000
normalized:
        mov     [boot_drive], dl

        # 8N1, divisor 1 (115200), FIFOs on, DTR/RTS: 16550 register layout.
        mov     dx, COM1 + 3
        mov     al, 0x80
        out     dx, al                  # LCR: DLAB
        mov     dl, (COM1 + 0) & 0xFF
        mov     al, 1
        out     dx, al                  # DLL
        inc     dx
        xor     al, al
        out     dx, al                  # DLM
        mov     dl, (COM1 + 3) & 0xFF
        mov     al, 3
        out     dx, al                  # LCR: 8 bits, no parity, 1 stop
        dec     dx
        mov     al, 0x07
        out     dx, al                  # FCR
        mov     dl, (COM1 + 4) & 0xFF
        mov     al, 3
        out     dx, al                  # MCR

        # SeaBIOS's serial console (sercon, on under -nographic) flushes its screen lazily
        # from the timer: wait about 130 ms (INT 15h AH=86h, CX:DX microseconds) so its
        # "Booting from Hard Disk..." line is out before we write to the UART ourselves.
        mov     ah, 0x86
        mov     cx, 0x0002
        xor     dx, dx
        int     0x15
        mov     si, offset s_crlf       # our lines start on a line of their own
        call    puts
        # Stage 2 (the sectors after this one) with the most basic read there is: AH=02h,
        # cylinder 0, head 0, sector 2; every hard disk geometry has more sectors a track.
        mov     ax, offset stage2_end
        sub     ax, offset stage2
        shr     ax, 9                   # AL = stage 2 sectors
        mov     ah, 0x02
        mov     bx, offset stage2
        mov     cx, 0x0002
        xor     dh, dh
        mov     dl, [boot_drive]
        int     0x13
        push    0
        pop     ds
        jnc     stage2
        push    ax
        mov     si, offset s_load
        call    puts
        pop     ax
        mov     al, ah
        call    hex8
        mov     si, offset s_crlf
        call    puts

power_off:
        # Power off: PM1a_CNT = PMBASE + 4 (PIIX4 function 3, config 0x40), SLP_EN | SLP_TYP 0,
        # which QEMU's PIIX4 PM treats as S5 (its DSDT's \_S5 is type 0).
        mov     eax, 0x80000B40         # bus 0, device 1, function 3, register 0x40
        mov     dx, 0xCF8
        out     dx, eax
        mov     dl, 0xFC
        in      ax, dx
        and     ax, 0xFFC0              # base address bits 15:6
        jz      halt                    # no PMBASE assigned
        add     ax, 4
        xchg    dx, ax
        mov     ax, 0x2000
        out     dx, ax
halt:
        cli
        hlt
        jmp     halt

hex32:
        push    eax
        shr     eax, 16
        call    hex16
        pop     eax
hex16:
        push    ax
        mov     al, ah
        call    hex8
        pop     ax
hex8:
        push    ax
        shr     al, 4
        call    hex4
        pop     ax
hex4:
        and     al, 0x0F
        add     al, '0'
        cmp     al, '9'
        jbe     putc
        add     al, 'a' - '9' - 1
# putc: AL to COM1, waiting (boundedly) for the transmitter holding register to empty.
putc:
        push    dx
        push    cx
        push    ax
        mov     dx, COM1 + 5
        mov     cx, 0xFFFF
1:      in      al, dx
        test    al, 0x20
        loopz   1b
        pop     ax
        mov     dl, COM1 & 0xFF
        out     dx, al
        pop     cx
        pop     dx
        ret

# puts: the NUL-terminated string at DS:SI.
puts:
        lodsb
        test    al, al
        jz      1f
        call    putc
        jmp     puts
1:      ret

s_load:   .asciz "HVMIO-BOOT load=FAIL ah="
s_crlf:   .asciz "\r\n"

# Configuration block: the image writer patches these (little-endian).
        .org    0x1A0
cfg_magic:   .ascii "HVBT"              # checked by the writer before patching
cfg_lba:     .long 1                    # first payload sector
cfg_sectors: .word 1                    # payload sectors, 1..127
cfg_flags:   .word 0                    # bit 0: also check drive 81h
cfg_sum:     .long 0                    # expected checksum, boot drive
cfg_sum_81:  .long 0                    # expected checksum, drive 81h
        .org    0x1FE
        .byte   0x55, 0xAA

# Stage 2 (0x7E00 and up), loaded by stage 1.
stage2:
        # A configuration block that was never filled in, or filled in wrongly, must not
        # send the reads or the checksum loop past the 64 KiB buffer.
        mov     ax, [cfg_sectors]
        dec     ax
        cmp     ax, 126
        jbe     config_ok
        mov     si, offset s_config
        call    puts
        jmp     power_off
config_ok:
        mov     dl, [boot_drive]
        mov     eax, [cfg_sum]
        call    check_drive
        test    byte ptr [cfg_flags], 1
        jz      finished
        mov     dl, 0x81
        mov     eax, [cfg_sum_81]
        call    check_drive
finished:
        # Code that arrives by disk DMA over code that already ran must be what runs next:
        # a boot loader reads the next stage over its own old copy (syslinux's MBR and FAT
        # boot sector both run at 7C00h). Run probe (stage 1 loaded it), read probe_b's
        # sector over it with AH=02h (cylinder 0, head 0), run it again: it must now return
        # probe_b's value. An emulator that caches translated code and misses a DMA write it
        # did not see (TCG with the device in another process) runs the old copy: STALE.
        mov     si, offset s_end
        call    puts
        call    probe
        mov     dl, [boot_drive]
        mov     [drive], dl
        mov     cx, offset probe_b
        sub     cx, offset _start
        shr     cx, 9
        inc     cx                      # CHS sector numbers start at 1
        mov     bx, offset probe
        xor     dh, dh
        mov     ax, 0x0201
        call    int13
        jc      exec_fail
        call    probe
        mov     si, offset s_ok
        cmp     al, PROBE_B
        je      1f
        mov     si, offset s_stale
1:      call    puts
        jmp     exec_done
exec_fail:
        call    fail
exec_done:
        mov     si, offset s_crlf
        call    puts
        jmp     power_off

# check_drive: DL = drive, EAX = expected checksum. Prints one report line.
check_drive:
        push    0
        pop     es
        mov     [drive], dl
        mov     [expected], eax
        mov     [spt], es               # 0 until AH=08h answers
        mov     [heads], es
        mov     si, offset s_head
        call    puts

        # EDD: AH=41h, BX=55AAh -> CF clear, BX=AA55h, CX bit 0 = packet (42h) functions.
        mov     ah, 0x41
        mov     bx, 0x55AA
        call    int13
        jc      edd_fail
        cmp     bx, 0xAA55
        jne     edd_fail
        test    cl, 1
        jz      edd_fail
        call    clear_buffer
        mov     di, offset dap
        mov     ax, 0x0010              # packet size 16, reserved 0
        stosw
        mov     ax, [cfg_sectors]
        stosw
        xor     ax, ax                  # buffer offset 0
        stosw
        mov     ax, BUFFER_SEG
        stosw
        mov     eax, [cfg_lba]
        stosd
        xor     eax, eax                # LBA bits 32-63
        stosd
        mov     si, offset dap
        mov     ah, 0x42
        call    int13
        jc      edd_fail
        call    verdict
        jmp     chs
edd_fail:
        call    fail

chs:
        mov     si, offset s_chs
        call    puts
        # AH=08h: CH = cylinder bits 0-7, CL bits 6-7 = cylinder bits 8-9, CL bits 0-5 = max
        # sector, DH = max head. Only the sector and head counts are needed.
        mov     ah, 0x08
        xor     di, di                  # ES:DI = 0 (some BIOSes return a table pointer)
        call    int13
        jc      nogeom
        and     cx, 0x3F
        mov     [spt], cx               # reported even when unusable
        movzx   dx, dh
        inc     dx
        mov     [heads], dx
        test    cx, cx                  # 0 sectors a track (AH stays 00h)
        jz      nogeom
        call    clear_buffer
        mov     eax, [cfg_lba]
        mov     [next_lba], eax
        mov     ax, [cfg_sectors]
        mov     [left], ax
        push    BUFFER_SEG
        pop     es
        xor     bx, bx                  # ES:BX destination
        # Loop state lives in memory: the BIOS (or an option ROM) may clobber the upper
        # halves of 32-bit registers.
chs_track:
        # sector = lba % spt + 1, track = lba / spt, head = track % heads, cyl = track / heads
        mov     eax, [next_lba]
        xor     edx, edx
        movzx   ecx, word ptr [spt]
        div     ecx
        mov     cx, [spt]
        sub     cx, dx                  # sectors left on this track
        cmp     cx, [left]
        jbe     1f
        mov     cx, [left]
1:      push    cx                      # count
        inc     dx
        push    dx                      # sector
        xor     edx, edx
        movzx   ecx, word ptr [heads]
        div     ecx                     # eax = cylinder, dx = head
        pop     cx                      # cl = sector
        cmp     eax, 1023
        ja      range
        mov     ch, al                  # cylinder bits 0-7
        shl     ah, 6
        or      cl, ah                  # cylinder bits 8-9
        mov     dh, dl
        pop     ax                      # al = count
        push    ax
        mov     ah, 0x02
        call    int13
        pop     cx
        jc      chs_fail
        movzx   ecx, cx
        add     [next_lba], ecx
        sub     [left], cx
        shl     cx, 9
        add     bx, cx
        cmp     word ptr [left], 0
        jne     chs_track
        call    verdict
        jmp     report
range:
        pop     ax
        mov     si, offset s_range
        call    puts
        jmp     report
nogeom:
        mov     si, offset s_nogeom
        call    puts
chs_fail:
        call    fail
report:
        push    0
        pop     es
        mov     si, offset s_sum
        call    puts
        mov     eax, [expected]
        call    hex32
        mov     si, offset s_drive
        call    puts
        mov     al, [drive]
        call    hex8
        mov     si, offset s_geom
        call    puts
        mov     ax, [heads]
        call    hex16
        mov     si, offset s_spt
        call    puts
        mov     ax, [spt]
        call    hex16
        mov     si, offset s_crlf
        jmp     puts

# int13: INT 13h with DL = [drive]; keeps DS = ES = 0 where the BIOS may change them.
int13:
        mov     dl, [drive]
        push    es
        int     0x13
        pop     es
        push    0
        pop     ds
        ret

# fail: prints "FAIL ah=NN" for the status in AH.
fail:
        push    ax
        mov     si, offset s_fail
        call    puts
        pop     ax
        mov     al, ah
        jmp     hex8

# verdict: checksum of the buffer; prints OK when it is [expected], else BAD:checksum.
verdict:
        push    es
        push    BUFFER_SEG
        pop     es
        mov     cx, [cfg_sectors]
        shl     cx, 7                   # dwords
        xor     eax, eax
        xor     si, si
1:      rol     eax, 1
        add     eax, es:[si]
        add     si, 4
        loop    1b
        pop     es
        cmp     eax, [expected]
        mov     si, offset s_ok
        je      puts
        push    eax
        mov     si, offset s_bad
        call    puts
        pop     eax
        jmp     hex32

# clear_buffer: fills the payload buffer so a read that moves nothing is seen.
clear_buffer:
        push    es
        push    BUFFER_SEG
        pop     es
        xor     di, di
        mov     cx, [cfg_sectors]
        shl     cx, 8                   # words
        mov     ax, FILL
        rep stosw
        pop     es
        ret

s_head:   .asciz "HVMIO-BOOT edd="
s_chs:    .asciz " chs="
s_ok:     .asciz "OK"
s_bad:    .asciz "BAD:"
s_fail:   .asciz "FAIL ah="
s_nogeom: .asciz "NOGEOM "
s_range:  .asciz "RANGE"
s_sum:    .asciz " sum="
s_drive:  .asciz " drive="
s_geom:   .asciz " heads="
s_spt:    .asciz " spt="
s_end:    .asciz "HVMIO-BOOT-END exec="
s_stale:  .asciz "STALE"
s_config: .asciz "HVMIO-BOOT config=BAD (sectors not 1..127)\r\n"

        .balign 512, 0
probe:                                  # own sector, loaded by stage 1 with stage 2
        mov     al, PROBE_A
        ret
        .balign 512, 0
stage2_end:
probe_b:                                # on disk only; read over probe by the exec check
        mov     al, PROBE_B
        ret
        .balign 512, 0

# Scratch data past the sector (0x7E00 and up; the BIOS loaded only 512 bytes).
        .section .bss
        .lcomm  boot_drive, 1
        .lcomm  drive, 1
        .lcomm  spt, 2
        .lcomm  heads, 2
        .lcomm  expected, 4
        .lcomm  next_lba, 4
        .lcomm  left, 2
        .lcomm  dap, 16
