/* Bare-metal Cortex-M startup for the emulator builds (linked with cortex_m.ld).
 *
 * The vector table gives the initial stack pointer and the reset handler, as on the chip.
 * The reset handler grants the FPU access where the core has one (an M4F traps on its
 * first float instruction otherwise), copies .data from flash, clears .bss and calls main.
 * Other exceptions park in hsk_fault; the emulator stops on the exception itself first. */
#include <stdint.h>

extern uint32_t __data_start[], __data_end[], __data_source[], __bss_start[], __bss_end[], __stack[];
int main(void);
void hsk_reset(void) __attribute__((noreturn));
void hsk_fault(void) __attribute__((noreturn));

void hsk_fault(void)
{
    for (;;) {
    }
}

typedef void (*hsk_vector)(void);

__attribute__((section(".vectors"), used)) static const hsk_vector hsk_vectors[16] = {
    (hsk_vector)(uintptr_t)__stack, hsk_reset, hsk_fault, hsk_fault, hsk_fault, hsk_fault, hsk_fault, hsk_fault,
    hsk_fault,                      hsk_fault, hsk_fault, hsk_fault, hsk_fault, hsk_fault, hsk_fault, hsk_fault,
};

void hsk_reset(void)
{
    uint32_t *src = __data_source, *dst = __data_start;
#if defined(__ARM_FP)
    /* CPACR (System Control Space): full access to coprocessors 10 and 11, the FPU. */
    *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20;
    __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
    while (dst < __data_end)
        *dst++ = *src++;
    for (dst = __bss_start; dst < __bss_end; dst++)
        *dst = 0;
    main();
    hsk_fault();
}
