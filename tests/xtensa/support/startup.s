# Minimal start-up shared by the emulated ESP32 and the QEMU oracle: the stack, VECBASE at the
# window vectors, the FPU enabled (CPENABLE.CP0), PS with the window exceptions on (WOE) and
# EXCM off, then main (callx4). Afterwards, semihosting: write hsk_results (hsk_results_size bytes)
# to stdout and exit. The emulated core halts at the first simcall, with the results in memory.
    .section .text.start, "ax"
    .literal_position
    .literal .Lstack, _stack_top
    .literal .Lvectors, _vectors
    .literal .Lps, 0x00040020
    .literal .Lresults, hsk_results
    .literal .Lsize, hsk_results_size
    .literal .Lmain, main
    .global _start
    .p2align 2
_start:
    l32r a1, .Lstack
    l32r a2, .Lvectors
    wsr a2, vecbase
    movi a2, 1
    wsr a2, cpenable
    l32r a2, .Lps
    wsr a2, ps
    rsync
    l32r a4, .Lmain     # callx: binutils-xtensa-lx106's ld cannot relocate a windowed CALL
    callx4 a4
    movi a2, 4          # SYS_write
    movi a3, 1          # stdout
    l32r a4, .Lresults
    l32r a5, .Lsize
    .byte 0x00, 0x51, 0x00   # simcall (llvm-mc 22 does not know the mnemonic)
    movi a2, 1          # SYS_exit
    movi a3, 0
    .byte 0x00, 0x51, 0x00
1:  j 1b
