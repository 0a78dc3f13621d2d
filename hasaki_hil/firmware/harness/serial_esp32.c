/* Serial harness for the ESP32 (Xtensa LX6), bare metal: the hasaki-hil wire protocol
 * (docs/protocol.md, hsk_link.h) on UART0's registers, timing hsk_predict with CCOUNT.
 *
 * Built by the system driver (hasaki_hil/build/xtensa_toolchain.py) with the start-up and
 * layout of firmware/system/esp32_startup.S and esp32.ld; esptool turns the ELF into the
 * image the ROM bootloader loads from flash offset 0x1000 (docs/esp32.md). PlatformIO
 * builds serial_esp_idf.c for the ESP32 instead (an ESP-IDF application).
 *
 * Clock: the ROM leaves the CPU and the APB on the 40 MHz crystal (no PLL), the clock this
 * firmware reports; boards with a 26 MHz crystal are not supported by this image. CCOUNT
 * counts CPU cycles, 32 bits (107 s at 40 MHz). No interrupts are enabled, so nothing else
 * runs inside the timed window.
 *
 * UART0 (ESP32 TRM, chapter UART; base 0x3FF40000): received bytes are read from the FIFO
 * register on the peripheral bus (0x3FF40000), bytes to send are written to its AHB alias
 * (0x60000000), as ESP-IDF does: the ESP32 errata (3.17) warn that back-to-back writes to
 * the same address through 0x3FF40000-0x3FF7FFFF can be lost. STATUS (0x1C): RXFIFO_CNT in
 * bits 7:0, TXFIFO_CNT in bits 23:16, the transmitter's state (ST_UTX_OUT) in bits 27:24.
 * CLKDIV (0x14): APB clock / baud, integer in bits 19:0 and sixteenths in bits 23:20.
 */
#include <stdint.h>

#ifndef HSK_BOARD_NAME
#define HSK_BOARD_NAME "esp32"
#endif
#ifndef HSK_BAUD
#define HSK_BAUD 115200UL
#endif
#define HSK_CLOCK_HZ 40000000UL
#define HSK_APB_HZ 40000000UL
#define HSK_COUNTER 2 /* Xtensa CCOUNT */
#define HSK_PREDICT_ATTR __attribute__((noinline))
#include "hsk_model.h"
#include "hsk_link.h"

#define HSK_REG(a) (*(volatile uint32_t *)(a))
#define UART0_FIFO HSK_REG(0x3FF40000u)
#define UART0_FIFO_AHB HSK_REG(0x60000000u)
#define UART0_CLKDIV HSK_REG(0x3FF40014u)
#define UART0_STATUS HSK_REG(0x3FF4001Cu)
#define UART_TXFIFO_SIZE 128u

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
    while ((UART0_STATUS & 0xFFu) == 0) { /* RXFIFO_CNT */
    }
    return (uint8_t)UART0_FIFO;
}

static void hsk_link_putc(uint8_t b)
{
    while (((UART0_STATUS >> 16) & 0xFFu) >= UART_TXFIFO_SIZE - 2u) { /* TXFIFO_CNT */
    }
    UART0_FIFO_AHB = b;
}

/* The baud rate from HSK_BAUD, once the ROM's last boot message has left the FIFO and the
 * shift register (a divider change mid-byte garbles it). */
static void hsk_uart_init(void)
{
    const uint32_t div16 = (uint32_t)((HSK_APB_HZ * 16u + HSK_BAUD / 2u) / HSK_BAUD);
    while ((UART0_STATUS & 0x0FFF0000u) != 0) { /* TXFIFO_CNT and ST_UTX_OUT both idle */
    }
    UART0_CLKDIV = (div16 >> 4) | ((div16 & 0xFu) << 20);
}

int main(void)
{
    hsk_uart_init();
    hsk_timed_calibrate();
    hsk_link_serve();
    return 0;
}
