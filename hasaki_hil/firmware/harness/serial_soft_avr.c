/* Serial harness for the ATtiny85, which has no UART: answers the hasaki-hil wire protocol
 * (docs/protocol.md) over a bit-banged UART, 8N1, TX on PB1 and RX on PB2, idle high, to a
 * USB-serial adapter. Bits are timed by counting cycles, so interrupts stay off throughout
 * (no ISR may stretch a bit).
 *
 * No cycle count: the ATtiny85's timers are 8-bit, and the emulated core has none, so a
 * count here could not be checked against the emulator's exact one. HELLO reports counter 0
 * (none) and RUN_REPLY cycles 0; `hasaki-hil test --emulate` gives the exact figure.
 * F_CPU, HSK_BAUD and HSK_BOARD_NAME come from the build. */
#include <avr/io.h>
#include <avr/pgmspace.h>
#include <util/delay_basic.h>

#ifndef HSK_BOARD_NAME
#define HSK_BOARD_NAME "attiny85"
#endif
#ifndef HSK_BAUD
#define HSK_BAUD 9600UL
#endif
#define HSK_CLOCK_HZ F_CPU
#define HSK_COUNTER 0 /* none */

#include "hsk_model.h"
#include "hsk_link.h"

#define HSK_TX PB1
#define HSK_RX PB2

/* _delay_loop_2 spends 4 cycles an iteration. A bit lasts F_CPU / HSK_BAUD cycles (833 at
 * 8 MHz and 9600 baud); the loops below spend the rest of it on their own instructions,
 * counted on the emulated core (avr-gcc -Os): 9 or 12 cycles per transmitted bit (by its
 * value), 5 per received one. That puts TX bits at 829 or 832 cycles and RX samples within
 * a few cycles of each bit's middle, far inside 8N1's tolerance. */
#define HSK_BIT_CYCLES ((F_CPU + HSK_BAUD / 2) / HSK_BAUD)
#define HSK_TX_OVERHEAD 11
#define HSK_RX_OVERHEAD 5
#define HSK_TX_LOOPS ((uint16_t)((HSK_BIT_CYCLES - HSK_TX_OVERHEAD) / 4))
#define HSK_RX_LOOPS ((uint16_t)((HSK_BIT_CYCLES - HSK_RX_OVERHEAD) / 4))
#define HSK_HALF_LOOPS ((uint16_t)(HSK_BIT_CYCLES / 2 / 4))

/* Start bit 0, 8 data bits LSB first, stop bit 1. */
static void hsk_link_putc(uint8_t b)
{
    uint16_t frame = (uint16_t)((uint16_t)b << 1 | 0x200);
    uint8_t i;
    for (i = 0; i < 10; i++) {
        if (frame & 1)
            PORTB |= _BV(HSK_TX);
        else
            PORTB &= (uint8_t)~_BV(HSK_TX);
        frame >>= 1;
        _delay_loop_2(HSK_TX_LOOPS);
    }
}

/* Wait for a start bit's falling edge, check the line is still low half a bit later (a
 * glitch is not a start bit), then sample each data bit in its middle. Returns in the middle
 * of the stop bit: early enough for a byte sent right behind it, late enough that the stop
 * bit's high level is not mistaken for the next start bit's edge. */
static uint8_t hsk_link_getc(void)
{
    uint8_t i, b;
    for (;;) {
        while (PINB & _BV(HSK_RX)) {
        }
        _delay_loop_2(HSK_HALF_LOOPS);
        if (!(PINB & _BV(HSK_RX)))
            break;
    }
    b = 0;
    for (i = 0; i < 8; i++) {
        _delay_loop_2(HSK_RX_LOOPS);
        b >>= 1;
        if (PINB & _BV(HSK_RX))
            b |= 0x80;
    }
    _delay_loop_2(HSK_RX_LOOPS);
    return b;
}

static hsk_status hsk_link_run(uint32_t *cycles)
{
    *cycles = 0; /* no counter: see the top of this file */
    return hsk_predict(hsk_in, hsk_out);
}

int main(void)
{
    PORTB = _BV(HSK_TX) | _BV(HSK_RX); /* TX idles high; RX pulled up while nothing drives it */
    DDRB = _BV(HSK_TX);
    hsk_link_serve();
}
