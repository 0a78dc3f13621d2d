/* Emulator harness (the convention of emulator/harness.py): the host writes one input
 * vector into hsk_emu_input after reset, the firmware marks the start and end of the
 * inference and halts; the host reads hsk_emu_output and the cycles between the markers.
 * The input lives in .noinit so the C startup does not clear what the host wrote. */
#if defined(__GNUC__)
#define HSK_PREDICT_ATTR __attribute__((noinline))
#endif
#include "hsk_model.h"

#if defined(__AVR__)
#include <avr/io.h>
/* One OUT of a value already in a register: nothing else enters the timed window (the
 * serial harness times exactly the same window with Timer1). */
#define HSK_MARK(v) __asm__ volatile("out %[gp], %[val]" ::[gp] "I"(_SFR_IO_ADDR(GPIOR0)), [val] "r"(v) : "memory")
#else
/* Cores without a spare I/O register watch writes to this word instead. */
volatile uint32_t hsk_emu_marker;
#define HSK_MARK(v)                                                                                \
    do {                                                                                           \
        __asm__ volatile("" ::: "memory");                                                         \
        hsk_emu_marker = (v);                                                                      \
        __asm__ volatile("" ::: "memory");                                                         \
    } while (0)
#endif

hsk_in_t hsk_emu_input[HSK_N_IN] __attribute__((section(".noinit")));
hsk_out_t hsk_emu_output[HSK_N_OUT];
volatile uint8_t hsk_emu_status;

void hsk_emu_done(void) __attribute__((noreturn, noinline));
void hsk_emu_done(void)
{
    for (;;) {
#if defined(__AVR__)
        __asm__ volatile("cli\n\tsleep" ::: "memory");
#elif defined(__XTENSA__)
        /* ESP32: BREAK, a debug exception (firmware/system/esp32_startup.S leaves debug
         * exceptions unmasked): a JTAG debugger stops here; QEMU's oracle build writes its
         * DRAM out through semihosting and exits; a bare chip parks in the vector. */
        __asm__ volatile("break 1, 15" ::: "memory");
#else
        __asm__ volatile("" ::: "memory");
#endif
    }
}

int main(void)
{
    hsk_status st;
    uint8_t start = 1, end = 2;
    __asm__ volatile("" : "+r"(start), "+r"(end)); /* both markers in registers before the window */
    HSK_MARK(start);
    st = hsk_predict(hsk_emu_input, hsk_emu_output);
    HSK_MARK(end);
    hsk_emu_status = (uint8_t)st; /* stored outside the window, as the serial harness does */
    hsk_emu_done();
}
