/* Serial harness for the Nucleo-F446RE (bare metal): the hasaki-hil wire protocol
 * (docs/protocol.md) on USART2, which the board routes to the ST-LINK's virtual COM port
 * (PA2 TX, PA3 RX, alternate function 7), timing hsk_predict with the DWT cycle counter.
 *
 * The core runs on the 16 MHz HSI it starts on: this firmware does not start the PLL, so
 * flash needs no wait states and the clock it reports is the clock it runs at. Register
 * addresses: STM32F446 reference manual RM0390 (RCC 6.3, GPIO 7.4, USART 25.6) and the
 * ARMv7-M ARM (DWT, DEMCR). HSK_BAUD and HSK_BOARD_NAME come from the build. */
#include <stdint.h>

#ifndef HSK_BOARD_NAME
#define HSK_BOARD_NAME "nucleo_f446re"
#endif
#ifndef HSK_BAUD
#define HSK_BAUD 115200UL
#endif
#define HSK_CLOCK_HZ 16000000UL
#define HSK_COUNTER 4 /* DWT CYCCNT */
#define HSK_PREDICT_ATTR __attribute__((noinline))
#include "hsk_model.h"
#include "hsk_link.h"

#define HSK_REG(a) (*(volatile uint32_t *)(a))
#define RCC_AHB1ENR HSK_REG(0x40023830u)
#define RCC_APB1ENR HSK_REG(0x40023840u)
#define GPIOA_MODER HSK_REG(0x40020000u)
#define GPIOA_AFRL HSK_REG(0x40020020u)
#define USART2_SR HSK_REG(0x40004400u)
#define USART2_DR HSK_REG(0x40004404u)
#define USART2_BRR HSK_REG(0x40004408u)
#define USART2_CR1 HSK_REG(0x4000440Cu)
#define DEMCR HSK_REG(0xE000EDFCu)
#define DWT_CTRL HSK_REG(0xE0001000u)
#define DWT_CYCCNT HSK_REG(0xE0001004u)

static inline uint32_t hsk_counter_read(void) { return DWT_CYCCNT; }
#define HSK_COUNTER_MASK 0xFFFFFFFFu
#include "hsk_timed.h"

static uint8_t hsk_link_getc(void)
{
    while (!(USART2_SR & (1u << 5))) { /* RXNE */
    }
    return (uint8_t)USART2_DR;
}

static void hsk_link_putc(uint8_t b)
{
    while (!(USART2_SR & (1u << 7))) { /* TXE */
    }
    USART2_DR = b;
}

int main(void)
{
    RCC_AHB1ENR |= 1u << 0;  /* GPIOA */
    RCC_APB1ENR |= 1u << 17; /* USART2 */
    GPIOA_MODER = (GPIOA_MODER & ~(0xFu << 4)) | (0xAu << 4);       /* PA2, PA3: alternate function */
    GPIOA_AFRL = (GPIOA_AFRL & ~(0xFFu << 8)) | (0x77u << 8);       /* AF7: USART2 */
    USART2_BRR = (uint32_t)((HSK_CLOCK_HZ + HSK_BAUD / 2) / HSK_BAUD); /* 16x oversampling */
    USART2_CR1 = (1u << 13) | (1u << 3) | (1u << 2);                /* UE, TE, RE */
    DEMCR |= 1u << 24;                                              /* TRCENA: the DWT on */
    DWT_CYCCNT = 0;
    DWT_CTRL |= 1u;                                                 /* CYCCNTENA */
    hsk_timed_calibrate();
    hsk_link_serve();
}
