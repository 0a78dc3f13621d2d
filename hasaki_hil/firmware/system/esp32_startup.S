/* Bare-metal start-up for the ESP32's PRO CPU (Xtensa LX6, windowed ABI), linked with
 * esp32.ld (the chip: code in IRAM, data in DRAM, loaded by the ROM bootloader from the
 * image at flash offset 0x1000) or esp32_qemu.ld (the same objects in QEMU's RAM, for the
 * functional oracle in tests/esp32/).
 *
 * The vector table holds the window overflow/underflow handlers at the architectural
 * offsets (Xtensa ISA reference, "Windowed Register Option": without them the first call
 * deeper than the 64 physical AR registers would fault), and parks every other vector in
 * hsk_xt_fault. The reset code masks interrupts, points VECBASE at the table, sets
 * WINDOWBASE/WINDOWSTART to one live frame, enables the FPU (CPENABLE bit 0), takes the
 * stack at the top of DRAM, sets PS (WOE: window exceptions on; UM: user vector mode;
 * INTLEVEL 3 masks every maskable level-1..3 interrupt, none of which is enabled anyway),
 * then, on the chip only, disables the RTC and TIMG0/TIMG1 watchdogs the ROM leaves
 * running, zeroes .bss and calls main.
 *
 * hsk_xt_qemu (an absolute symbol the linker script defines: 0 on the chip, 1 for QEMU)
 * picks between the two at run time, so both links use the same object code: QEMU's
 * sim machine has no ESP32 peripherals, and the chip has no semihosting.
 *
 * Spelt for both assemblers: llvm-mc (the system driver, hasaki_hil/build/xtensa_toolchain.py)
 * and GNU as (PlatformIO's xtensa-esp32-elf toolchain). Literals live in .literal
 * sections, which the linker scripts place before the code (L32R reaches backwards only).
 */

#define PS_INTLEVEL(n) (n)
#define PS_UM (1 << 5)
#define PS_WOE (1 << 18)
#define PS_EXCM (1 << 4)

/* ESP32 TRM: RTC watchdog (RTC_CNTL, 0x3FF48000) and the main system watchdogs of the
 * two timer groups (TIMG0 0x3FF5F000, TIMG1 0x3FF60000); a write needs the key in the
 * write-protect register first, and writing 0 there locks them again. */
#define RTC_CNTL_WDTCONFIG0 0x3FF4808C
#define RTC_CNTL_WDTWPROTECT 0x3FF480A4
#define TIMG0_WDTCONFIG0 0x3FF5F048
#define TIMG0_WDTWPROTECT 0x3FF5F064
#define TIMG1_WDTCONFIG0 0x3FF60048
#define TIMG1_WDTWPROTECT 0x3FF60064
#define WDT_WKEY 0x50D83AA1

/* Semihosting (QEMU target/xtensa/xtensa-semi.c): a2 = call, a3.. = arguments. */
#define SYS_EXIT 1
#define SYS_WRITE 4
#define SIMCALL .byte 0x00, 0x51, 0x00

    .section .literal.hsk_xt, "a"
    .align 4
.Lvecbase:      .long hsk_xt_vecbase
.Lstack:        .long __stack
.Lqemu:         .long hsk_xt_qemu
.Lbss_start:    .long __bss_start
.Lbss_end:      .long __bss_end
.Lmain:         .long main
.Lps_run:       .long PS_WOE | PS_UM | PS_INTLEVEL(3)
.Lwdt_key:      .long WDT_WKEY
.Lrtc_cfg:      .long RTC_CNTL_WDTCONFIG0
.Lrtc_wp:       .long RTC_CNTL_WDTWPROTECT
.Ltimg0_cfg:    .long TIMG0_WDTCONFIG0
.Ltimg0_wp:     .long TIMG0_WDTWPROTECT
.Ltimg1_cfg:    .long TIMG1_WDTCONFIG0
.Ltimg1_wp:     .long TIMG1_WDTWPROTECT
.Ldram_start:   .long __dram_start
.Ldram_end:     .long __dram_end

/* ---- the vector table (VECBASE must be 1 KB aligned: esp32.ld aligns it) ---------- */
    .section .vectors, "ax"
    .align 4
    .global hsk_xt_vecbase
hsk_xt_vecbase:

/* Overflow: spill the oldest live frame's registers to its stack (a0-a3 below the SP of
 * the frame it called; a4-a11 of a call8/call12 frame to the extra save area whose end
 * is the caller's SP, read back from that frame's base save area). Underflow: reload. */
    .org 0x00
_WindowOverflow4:
    s32e    a0, a5, -16
    s32e    a1, a5, -12
    s32e    a2, a5, -8
    s32e    a3, a5, -4
    rfwo

    .org 0x40
_WindowUnderflow4:
    l32e    a0, a5, -16
    l32e    a1, a5, -12
    l32e    a2, a5, -8
    l32e    a3, a5, -4
    rfwu

    .org 0x80
_WindowOverflow8:
    s32e    a0, a9, -16
    l32e    a0, a1, -12
    s32e    a1, a9, -12
    s32e    a2, a9, -8
    s32e    a3, a9, -4
    s32e    a4, a0, -32
    s32e    a5, a0, -28
    s32e    a6, a0, -24
    s32e    a7, a0, -20
    rfwo

    .org 0xC0
_WindowUnderflow8:
    l32e    a1, a9, -12
    l32e    a0, a9, -16
    l32e    a7, a1, -12
    l32e    a2, a9, -8
    l32e    a4, a7, -32
    l32e    a3, a9, -4
    l32e    a5, a7, -28
    l32e    a6, a7, -24
    l32e    a7, a7, -20
    rfwu

    .org 0x100
_WindowOverflow12:
    s32e    a0, a13, -16
    l32e    a0, a1, -12
    s32e    a1, a13, -12
    s32e    a2, a13, -8
    s32e    a3, a13, -4
    s32e    a4, a0, -48
    s32e    a5, a0, -44
    s32e    a6, a0, -40
    s32e    a7, a0, -36
    s32e    a8, a0, -32
    s32e    a9, a0, -28
    s32e    a10, a0, -24
    s32e    a11, a0, -20
    rfwo

    .org 0x140
_WindowUnderflow12:
    l32e    a1, a13, -12
    l32e    a0, a13, -16
    l32e    a11, a1, -12
    l32e    a2, a13, -8
    l32e    a4, a11, -48
    l32e    a8, a11, -32
    l32e    a3, a13, -4
    l32e    a5, a11, -44
    l32e    a6, a11, -40
    l32e    a7, a11, -36
    l32e    a9, a11, -28
    l32e    a10, a11, -24
    l32e    a11, a11, -20
    rfwu

/* Interrupt levels 2-5, debug (level 6), NMI, kernel, user and double exceptions: the
 * same offsets on the ESP32 and on QEMU's de233_fpu core. Nothing is enabled, so only a
 * fault, a BREAK, or MOVSP over a spilled caller (the compiler moves the stack pointer
 * with MOVSP around calls that pass arguments on the stack) lands here; a fault's cause
 * goes to hsk_xt_fault in a2. */
    .org 0x180
    movi    a2, 0x102
    j       hsk_xt_fault
    .org 0x1C0
    movi    a2, 0x103
    j       hsk_xt_fault
    .org 0x200
    movi    a2, 0x104
    j       hsk_xt_fault
    .org 0x240
    movi    a2, 0x105
    j       hsk_xt_fault
    .org 0x280
    j       hsk_xt_debug        /* BREAK: hsk_emu_done in the emulator harness */
    .org 0x2C0
    movi    a2, 0x107
    j       hsk_xt_fault
    .org 0x300
    rsr.exccause a2             /* kernel exception */
    j       hsk_xt_fault
    .org 0x340                  /* user exception (PS.UM = 1): 0x340-0x3BF */
    wsr.excsave1 a0
    rsr.exccause a0
    bnei    a0, 5, .Lnot_alloca /* AllocaCause: MOVSP found the caller's frame spilled */
    /* Bring the spilled caller frame back, then retry the MOVSP. The caller's window is
     * below ours by the call size the faulting frame's a0 records in bits 31-30 (01 call4,
     * 10 call8, 11 call12). Rotate onto it, set PS.OWB to the faulting frame's WINDOWBASE
     * (RFWU at the end of the underflow handler returns there, to EPC1) and run the
     * matching underflow handler on it. */
    rsr.windowbase a0
    rotw    -1                  /* the faulting frame's a0..a3 are now a4..a7 */
    rsr.ps  a2
    extui   a3, a2, 8, 4        /* PS.OWB */
    xor     a3, a3, a4          /* a4: the faulting WINDOWBASE (was a0) */
    rsr.excsave1 a4             /* a4: the faulting frame's own a0 */
    slli    a3, a3, 8
    xor     a2, a2, a3          /* PS.OWB := faulting WINDOWBASE */
    wsr.ps  a2
    rsync
    bbci    a4, 31, .Lunder4
    rotw    -1                  /* the faulting a0 is now a8 */
    bbci    a8, 30, .Lunder8
    rotw    -1
    j       _WindowUnderflow12
.Lunder8:
    j       _WindowUnderflow8
.Lunder4:
    j       _WindowUnderflow4
.Lnot_alloca:
    rsr.exccause a2             /* an illegal instruction, a load or store error, ... */
    j       hsk_xt_fault
    .org 0x3C0
    movi    a2, 0x1FF           /* double exception */
    j       hsk_xt_fault
    .org 0x400

/* ---- reset ------------------------------------------------------------------------ */
    .section .text.hsk_xt_reset, "ax"
    .align 4
    .global hsk_xt_reset
    .type hsk_xt_reset, @function
hsk_xt_reset:
    movi    a0, PS_EXCM | PS_INTLEVEL(15)   /* nothing may interrupt the set-up */
    wsr.ps  a0
    rsync
    movi    a0, 0
    wsr.intenable a0
    l32r    a2, .Lvecbase
    wsr.vecbase a2
    movi    a0, 0                           /* one live window frame: frame 0 */
    wsr.windowbase a0
    rsync
    movi    a0, 1
    wsr.windowstart a0
    rsync
    wsr.cpenable a0                         /* coprocessor 0: the FPU */
    rsync
    l32r    a1, .Lstack
    movi    a0, 0                           /* the outermost frame: no return address */
    l32r    a2, .Lps_run
    wsr.ps  a2
    rsync

    l32r    a2, .Lqemu
    bnez    a2, .Lno_wdt
    /* the chip: the ROM leaves the RTC watchdog and TIMG0's running in flash boot */
    l32r    a3, .Lwdt_key
    movi    a4, 0
    l32r    a5, .Lrtc_wp
    l32r    a6, .Lrtc_cfg
    s32i    a3, a5, 0
    s32i    a4, a6, 0
    s32i    a4, a5, 0
    l32r    a5, .Ltimg0_wp
    l32r    a6, .Ltimg0_cfg
    s32i    a3, a5, 0
    s32i    a4, a6, 0
    s32i    a4, a5, 0
    l32r    a5, .Ltimg1_wp
    l32r    a6, .Ltimg1_cfg
    s32i    a3, a5, 0
    s32i    a4, a6, 0
    s32i    a4, a5, 0
    memw
.Lno_wdt:

    l32r    a2, .Lbss_start                 /* .bss: word aligned by the linker scripts */
    l32r    a3, .Lbss_end
    movi    a4, 0
    j       2f
1:  s32i    a4, a2, 0
    addi    a2, a2, 4
2:  bltu    a2, a3, 1b

    l32r    a8, .Lmain
    callx8  a8
    movi    a2, 0x100                       /* main returned */
    j       hsk_xt_fault
    .size hsk_xt_reset, . - hsk_xt_reset

/* ---- faults and the debug halt ---------------------------------------------------- */
/* On QEMU: exit with status a2 & 0xFF (1..255 never collides with 0, success). On the
 * chip: park the CPU, with the cause in a2 and EPC1/EXCCAUSE for a debugger; the host's
 * deadline reports the silence as a device error. */
    .align 4
    .global hsk_xt_fault
    .type hsk_xt_fault, @function
hsk_xt_fault:
    l32r    a3, .Lqemu
    beqz    a3, 3f
    mov     a3, a2
    movi    a4, 0xFF
    and     a3, a3, a4
    bnez    a3, 4f
    movi    a3, 0xFE
4:  movi    a2, SYS_EXIT
    SIMCALL
3:  waiti   15
    j       3b
    .size hsk_xt_fault, . - hsk_xt_fault

/* BREAK (debug exception, level 6). On QEMU: write DRAM [__dram_start, __dram_end) to
 * standard output and exit 0, so a test reads the emulator harness's outputs from the
 * image of memory at its halt (the ELF's symbols say where). On the chip, with a JTAG
 * debugger attached, the debugger stops at the BREAK itself; without one, park. */
    .align 4
    .type hsk_xt_debug, @function
hsk_xt_debug:
    l32r    a3, .Lqemu
    beqz    a3, 3b
    movi    a2, SYS_WRITE
    movi    a3, 1
    l32r    a4, .Ldram_start
    l32r    a5, .Ldram_end
    sub     a5, a5, a4
    SIMCALL
    movi    a2, SYS_EXIT
    movi    a3, 0
    SIMCALL
    j       3b
    .size hsk_xt_debug, . - hsk_xt_debug

/* QEMU's reset vector (de233_fpu: 0xFE000000; its -kernel does not jump to the ELF
 * entry). Only esp32_qemu.ld places this section; esp32.ld discards it. */
    .section .qemu_reset, "ax"
    .align 4
    j       1f
    .align 4
.Lreset:    .long hsk_xt_reset
1:  l32r    a0, .Lreset
    jx      a0

    .section .note.GNU-stack, "", @progbits
