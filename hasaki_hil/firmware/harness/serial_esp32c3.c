/* Serial harness for the ESP32-C3 on the emulated core (bare metal): the hasaki-hil wire
 * protocol (docs/protocol.md) on UART0's FIFO registers, timing hsk_predict with the
 * chip's machine performance counter (mpcer/mpcmr/mpccr, CSRs 0x7E0-0x7E2, counting
 * cycles). A real ESP32-C3 boots an ESP-IDF image: PlatformIO builds serial_esp_idf.c for
 * it; this file is the same protocol on the registers the emulator models (ESP32-C3 TRM:
 * UART FIFO 0x60000000, STATUS 0x6000001C; performance counters 1.14). The ROM leaves
 * UART0 at 115200 baud on the 40 MHz crystal, the clock this firmware reports. */
#include <stdint.h>

#ifndef HSK_BOARD_NAME
#define HSK_BOARD_NAME "esp32c3"
#endif
#define HSK_CLOCK_HZ 40000000UL
#define HSK_COUNTER 3 /* RISC-V cycle counter */
#define HSK_PREDICT_ATTR __attribute__((noinline))
#include "hsk_model.h"
#include "hsk_link.h"

#define HSK_REG(a) (*(volatile uint32_t *)(a))
#define UART0_FIFO HSK_REG(0x60000000u)
#define UART0_STATUS HSK_REG(0x6000001Cu)

/* CSR accesses spelt as .insn: the build's -march=rv32imc names no Zicsr. */
static inline uint32_t hsk_counter_read(void)
{
    uint32_t v;
    __asm__ volatile(".insn i SYSTEM, 2, %0, x0, 0x7E2" : "=r"(v)); /* csrr v, mpccr */
    return v;
}
#define HSK_COUNTER_MASK 0xFFFFFFFFu
#include "hsk_timed.h"

static uint8_t hsk_link_getc(void)
{
    while ((UART0_STATUS & 0x3FFu) == 0) { /* RXFIFO_CNT */
    }
    return (uint8_t)UART0_FIFO;
}

static void hsk_link_putc(uint8_t b)
{
    while (((UART0_STATUS >> 16) & 0x3FFu) >= 126u) { /* TXFIFO_CNT: 128-byte FIFO */
    }
    UART0_FIFO = b;
}

int main(void)
{
    /* csrwi: the immediate 1 sits in the rs1 field, which .insn spells as register x1 */
    __asm__ volatile(".insn i SYSTEM, 5, x0, x1, 0x7E0" ::: "memory"); /* csrwi mpcer, 1: count cycles */
    __asm__ volatile(".insn i SYSTEM, 5, x0, x1, 0x7E1" ::: "memory"); /* csrwi mpcmr, 1: counting on */
    hsk_timed_calibrate();
    hsk_link_serve();
}
