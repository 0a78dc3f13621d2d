# Start-up for C images: as startup.s, without the semihosting epilogue (main's return halts
# at the waiti).
    .section .text.start, "ax"
    .literal_position
    .literal .Lstack, _stack_top
    .literal .Lvectors, _vectors
    .literal .Lps, 0x00040020
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
    l32r a4, .Lmain
    callx4 a4
    waiti 0
