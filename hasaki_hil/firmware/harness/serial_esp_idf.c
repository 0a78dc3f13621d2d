/* Serial harness for real ESP32 (Xtensa LX6) and ESP32-C3 (RISC-V) boards under ESP-IDF:
 * answers the hasaki-hil wire protocol (docs/protocol.md, firmware/hsk/hsk_link.h) on UART0,
 * the port of the board's USB-serial bridge, timing hsk_predict with the CPU cycle counter
 * (esp_cpu_get_cycle_count: CCOUNT on the Xtensa core, the machine performance counter on
 * the C3).
 *
 * Built only by PlatformIO with framework = espidf (platformio.ini, envs esp32dev and
 * esp32-c3) on a machine where the espressif32 platform is installed: the system
 * (bare-metal) builds use serial_esp32.c and serial_esp32c3.c instead, so this file is not
 * compiled in this repository's CI. Needs ESP-IDF 5 or later.
 *
 * The code is C99; ESP-IDF's own headers need GNU C (asm, statement expressions), so
 * platformio.ini compiles it with -std=gnu99 (and -Wall -Wextra -Werror, like the rest).
 *
 * HSK_BAUD and HSK_BOARD_NAME may come from the build; the defaults are the board's
 * (115200 baud, and the IDF target's name, which is also the hasaki-hil board name). The
 * clock reported in the handshake is the configured CPU clock (sdkconfig: ESP-IDF 5 runs
 * the ESP32 at 160 MHz unless CONFIG_ESP_DEFAULT_CPU_FREQ_MHZ_240 is set); the host turns
 * cycles into time with the clock the board reports.
 */
#include <stdint.h>

#include "driver/uart.h"
#include "esp_cpu.h"
#include "esp_idf_version.h"
#include "esp_log.h"
#include "freertos/FreeRTOS.h"
#include "sdkconfig.h"

#if ESP_IDF_VERSION_MAJOR < 5
#error "serial_esp_idf.c needs ESP-IDF 5 or later (esp_cpu_get_cycle_count, CONFIG_ESP_DEFAULT_CPU_FREQ_MHZ)"
#endif

#ifndef HSK_BOARD_NAME
#define HSK_BOARD_NAME CONFIG_IDF_TARGET /* "esp32" or "esp32c3": the hasaki-hil board names */
#endif
#ifndef HSK_BAUD
#define HSK_BAUD 115200UL
#endif
#define HSK_CLOCK_HZ ((uint32_t)CONFIG_ESP_DEFAULT_CPU_FREQ_MHZ * 1000000UL)

#if defined(__XTENSA__)
#define HSK_COUNTER 2 /* Xtensa CCOUNT */
#elif defined(__riscv)
#define HSK_COUNTER 3 /* RISC-V cycle counter */
#else
#error "serial_esp_idf.c: neither Xtensa nor RISC-V"
#endif
#define HSK_PREDICT_ATTR __attribute__((noinline))
#include "hsk_model.h"
#include "hsk_link.h"

#define HSK_UART UART_NUM_0
#define HSK_UART_RX_BUFFER 1024 /* must exceed the hardware FIFO (128 bytes) */

/* The CPU cycle counter, 32 bits; interrupts stay enabled, so a tick may add to one
 * figure (the host reports the median). */
static inline uint32_t hsk_counter_read(void) { return (uint32_t)esp_cpu_get_cycle_count(); }
#define HSK_COUNTER_MASK 0xFFFFFFFFu
#include "hsk_timed.h"

/* Blocking read: the task sleeps on the driver's queue, so FreeRTOS runs its idle task and
 * no watchdog fires however long the host is silent. */
static uint8_t hsk_link_getc(void)
{
    uint8_t b = 0;
    while (uart_read_bytes(HSK_UART, &b, 1, portMAX_DELAY) != 1) {
    }
    return b;
}

static void hsk_link_putc(uint8_t b)
{
    uart_write_bytes(HSK_UART, (const char *)&b, 1);
}

void app_main(void)
{
    const uart_config_t config = {
        .baud_rate = (int)HSK_BAUD,
        .data_bits = UART_DATA_8_BITS,
        .parity = UART_PARITY_DISABLE,
        .stop_bits = UART_STOP_BITS_1,
        .flow_ctrl = UART_HW_FLOWCTRL_DISABLE,
        .source_clk = UART_SCLK_DEFAULT,
    };
    /* The console shares UART0: no log line may land inside a frame. */
    esp_log_level_set("*", ESP_LOG_NONE);
#if defined(__riscv) && defined(CSR_PCER_MACHINE)
    /* The C3's performance counter: count cycles, enabled (what ESP-IDF sets up too). */
    RV_WRITE_CSR(CSR_PCER_MACHINE, 1);
    RV_WRITE_CSR(CSR_PCMR_MACHINE, 1);
#endif
    ESP_ERROR_CHECK(uart_driver_install(HSK_UART, HSK_UART_RX_BUFFER, 0, 0, NULL, 0));
    ESP_ERROR_CHECK(uart_param_config(HSK_UART, &config));
    hsk_timed_calibrate();
    hsk_link_serve();
}
