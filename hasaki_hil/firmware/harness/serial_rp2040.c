/* Serial harness for the Raspberry Pi Pico (RP2040, bare metal): the hasaki-hil wire
 * protocol (docs/protocol.md) on UART0 (GP0 TX, GP1 RX), timing hsk_predict with SysTick.
 *
 * The system clock runs from the 12 MHz crystal (no PLL), so the baud rate is exact and
 * the reported clock is the clock the core runs at. SysTick counts processor cycles in 24
 * bits (16.7 M cycles, 1.4 s at 12 MHz: far above an inference). Register addresses and
 * sequences: RP2040 datasheet 2.14 (resets), 2.15 (clocks), 2.16 (XOSC), 2.19 (IO_BANK0),
 * 4.2 (UART, PL011) and the ARMv6-M ARM (SysTick). HSK_BAUD and HSK_BOARD_NAME come from
 * the build. The link adds the boot2 stage the boot ROM runs first
 * (firmware/system/rp2040_boot2.S), so the same image boots a Pico and the emulated RP2040. */
#include <stdint.h>

#ifndef HSK_BOARD_NAME
#define HSK_BOARD_NAME "pico"
#endif
#ifndef HSK_BAUD
#define HSK_BAUD 115200UL
#endif
#define HSK_CLOCK_HZ 12000000UL
#define HSK_COUNTER 5 /* SysTick */
#define HSK_PREDICT_ATTR __attribute__((noinline))
#include "hsk_model.h"
#include "hsk_link.h"

#define HSK_REG(a) (*(volatile uint32_t *)(a))
#define HSK_CLR(a) HSK_REG((a) + 0x3000u) /* atomic clear alias */
#define RESETS_RESET 0x4000C000u
#define RESETS_DONE HSK_REG(0x4000C008u)
#define XOSC_CTRL HSK_REG(0x40024000u)
#define XOSC_STATUS HSK_REG(0x40024004u)
#define XOSC_STARTUP HSK_REG(0x4002400Cu)
#define CLK_REF_CTRL HSK_REG(0x40008030u)
#define CLK_REF_SELECTED HSK_REG(0x40008038u)
#define CLK_SYS_CTRL HSK_REG(0x4000803Cu)
#define CLK_SYS_SELECTED HSK_REG(0x40008044u)
#define CLK_PERI_CTRL HSK_REG(0x40008048u)
#define GPIO0_CTRL HSK_REG(0x40014004u)
#define GPIO1_CTRL HSK_REG(0x4001400Cu)
#define UART0_DR HSK_REG(0x40034000u)
#define UART0_FR HSK_REG(0x40034018u)
#define UART0_IBRD HSK_REG(0x40034024u)
#define UART0_FBRD HSK_REG(0x40034028u)
#define UART0_LCR_H HSK_REG(0x4003402Cu)
#define UART0_CR HSK_REG(0x40034030u)
#define SYST_CSR HSK_REG(0xE000E010u)
#define SYST_RVR HSK_REG(0xE000E014u)
#define SYST_CVR HSK_REG(0xE000E018u)

#define RESET_IO_BANK0 (1u << 5)
#define RESET_PADS_BANK0 (1u << 8)
#define RESET_UART0 (1u << 22)

static inline uint32_t hsk_counter_read(void) { return SYST_CVR; }
#define HSK_COUNTER_MASK 0xFFFFFFu
#define HSK_COUNTER_DOWN
#include "hsk_timed.h"

static uint8_t hsk_link_getc(void)
{
    while (UART0_FR & (1u << 4)) { /* RXFE */
    }
    return (uint8_t)UART0_DR;
}

static void hsk_link_putc(uint8_t b)
{
    while (UART0_FR & (1u << 5)) { /* TXFF */
    }
    UART0_DR = b;
}

static void hsk_clocks_from_xosc(void)
{
    const uint32_t baud_x64 = (uint32_t)((8 * HSK_CLOCK_HZ + HSK_BAUD / 2) / HSK_BAUD); /* 64 * clk / (16 * baud) */
    XOSC_CTRL = 0xAA0u;                                      /* FREQ_RANGE 1-15 MHz */
    XOSC_STARTUP = ((HSK_CLOCK_HZ / 1000u) + 128u) / 256u; /* about 1 ms */
    XOSC_CTRL = 0xAA0u | (0xFABu << 12);                     /* ENABLE */
    while (!(XOSC_STATUS & (1u << 31))) { /* STABLE */
    }
    CLK_REF_CTRL = 2u; /* clk_ref from the crystal */
    while (CLK_REF_SELECTED != (1u << 2)) {
    }
    CLK_SYS_CTRL = 0u; /* clk_sys from clk_ref */
    while (CLK_SYS_SELECTED != 1u) {
    }
    CLK_PERI_CTRL = 1u << 11; /* ENABLE, from clk_sys */
    HSK_CLR(RESETS_RESET) = RESET_IO_BANK0 | RESET_PADS_BANK0 | RESET_UART0;
    while ((RESETS_DONE & (RESET_IO_BANK0 | RESET_PADS_BANK0 | RESET_UART0)) !=
           (RESET_IO_BANK0 | RESET_PADS_BANK0 | RESET_UART0)) {
    }
    GPIO0_CTRL = 2u; /* FUNCSEL: UART0 TX */
    GPIO1_CTRL = 2u; /* UART0 RX */
    UART0_IBRD = baud_x64 >> 6;
    UART0_FBRD = baud_x64 & 63u;
    UART0_LCR_H = (3u << 5) | (1u << 4);     /* 8 bits, FIFOs on; also latches the divisors */
    UART0_CR = (1u << 0) | (1u << 8) | (1u << 9); /* UARTEN, TXE, RXE */
}

int main(void)
{
    hsk_clocks_from_xosc();
    SYST_RVR = 0xFFFFFFu;
    SYST_CVR = 0u;
    SYST_CSR = (1u << 2) | 1u; /* processor clock, enabled, no interrupt */
    hsk_timed_calibrate();
    hsk_link_serve();
}
