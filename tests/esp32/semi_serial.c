/* The ESP32 serial harness's protocol loop (hsk_link.h, hsk_timed.h on CCOUNT) with the link
 * on QEMU's semihosting console instead of UART0, which QEMU's sim machine does not have:
 * the test connects the host side of the protocol (hasaki_hil.targets.SerialTarget) to it
 * through a socket. Only hsk_link_getc/putc and the UART set-up differ from serial_esp32.c. */
#include <stdint.h>

#define HSK_BOARD_NAME "esp32"
#define HSK_CLOCK_HZ 40000000UL
#define HSK_COUNTER 2 /* Xtensa CCOUNT */
#define HSK_PREDICT_ATTR __attribute__((noinline))
#include "hsk_model.h"
#include "hsk_link.h"

static int hsk_simcall(int call, int a, int b, int c)
{
    register int a2 __asm__("a2") = call;
    register int a3 __asm__("a3") = a;
    register int a4 __asm__("a4") = b;
    register int a5 __asm__("a5") = c;
    __asm__ volatile(".byte 0x00, 0x51, 0x00" : "+r"(a2), "+r"(a3) : "r"(a4), "r"(a5) : "memory");
    return a2;
}

static inline uint32_t hsk_counter_read(void)
{
    uint32_t v;
    __asm__ volatile("rsr.ccount %0" : "=r"(v));
    return v;
}
#define HSK_COUNTER_MASK 0xFFFFFFFFu
#include "hsk_timed.h"

static uint8_t hsk_link_getc(void)
{
    uint8_t b = 0;
    while (hsk_simcall(3, 0, (int)(uintptr_t)&b, 1) != 1) { /* read(0, &b, 1) */
    }
    return b;
}

static void hsk_link_putc(uint8_t b)
{
    hsk_simcall(4, 1, (int)(uintptr_t)&b, 1); /* write(1, &b, 1) */
}

int main(void)
{
    hsk_timed_calibrate();
    hsk_link_serve();
    return 0;
}
