/* Recursions that make the start-up's window handlers work: rec4, rec8 and rec12 call
 * themselves with CALL4, CALL8 and CALL12 and keep values live in every register of their
 * window across the call, so each overflow must spill them and each underflow bring them
 * back (QEMU's core has 32 physical AR registers, the ESP32 64: a depth of 100 overflows
 * either many times over). Each returns a checksum the test recomputes:
 *   rec4(n)  = rec4(n-1)  + 2n + 1        (a2, a3 live)
 *   rec8(n)  = rec8(n-1)  + 6n + 15       (a2..a7 live)
 *   rec12(n) = rec12(n-1) + 10n + 45      (a2..a11 live)
 * with recN(0) = 0. Frames of 48 bytes: the base save area plus a CALL12 caller's extra
 * save area. The calls name local labels: llvm-mc's relocation for a CALLn to a global
 * symbol is one GNU ld does not take (clang itself calls through L32R and CALLX8). */
    .text
    .align 4
    .global rec4
    .type rec4, @function
rec4:
.Lrec4:
    entry   a1, 48
    beqz    a2, 1f
    addi    a3, a2, 1
    addi    a6, a2, -1
    call4   .Lrec4
    add     a2, a2, a3
    add     a2, a2, a6
1:  retw

    .align 4
    .global rec8
    .type rec8, @function
rec8:
.Lrec8:
    entry   a1, 48
    beqz    a2, 1f
    addi    a3, a2, 1
    addi    a4, a2, 2
    addi    a5, a2, 3
    addi    a6, a2, 4
    addi    a7, a2, 5
    addi    a10, a2, -1
    call8   .Lrec8
    add     a2, a2, a3
    add     a2, a2, a4
    add     a2, a2, a5
    add     a2, a2, a6
    add     a2, a2, a7
    add     a2, a2, a10
1:  retw

    .align 4
    .global rec12
    .type rec12, @function
rec12:
.Lrec12:
    entry   a1, 48
    beqz    a2, 1f
    addi    a3, a2, 1
    addi    a4, a2, 2
    addi    a5, a2, 3
    addi    a6, a2, 4
    addi    a7, a2, 5
    addi    a8, a2, 6
    addi    a9, a2, 7
    addi    a10, a2, 8
    addi    a11, a2, 9
    addi    a14, a2, -1
    call12  .Lrec12
    add     a2, a2, a3
    add     a2, a2, a4
    add     a2, a2, a5
    add     a2, a2, a6
    add     a2, a2, a7
    add     a2, a2, a8
    add     a2, a2, a9
    add     a2, a2, a10
    add     a2, a2, a11
    add     a2, a2, a14
1:  retw

    .section .note.GNU-stack, "", @progbits
