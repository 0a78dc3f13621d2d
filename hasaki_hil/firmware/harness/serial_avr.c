/* Serial harness for AVR boards with a USART (the uno): answers the hasaki-hil wire
 * protocol (docs/protocol.md) on USART0, timing hsk_predict with Timer1 at clk/1 and an
 * overflow interrupt. It writes the emulator harness's GPIOR0 markers around the call
 * (harmless on a board; on the emulated core they tie the timer count to the exact count).
 * F_CPU, HSK_BAUD and HSK_BOARD_NAME come from the build. */
#include <avr/interrupt.h>
#include <avr/io.h>

#ifndef HSK_BOARD_NAME
#define HSK_BOARD_NAME "uno"
#endif
#ifndef HSK_BAUD
#define HSK_BAUD 115200UL
#endif
#define HSK_CLOCK_HZ F_CPU
#define HSK_COUNTER 1 /* AVR timer */
#define HSK_PREDICT_ATTR __attribute__((noinline))
#include "hsk_model.h"
#include "hsk_link.h"

static volatile uint16_t hsk_t1_overflows;
ISR(TIMER1_OVF_vect) { hsk_t1_overflows++; }

/* Restart Timer1 at 0, so an inference shorter than 65,536 cycles sees no overflow (and
 * no interrupt inside the window); longer ones count overflows, whose handler adds its
 * own few dozen cycles per 65,536 to the figure. */
static void hsk_timer_restart(void)
{
    uint8_t sreg = SREG;
    cli();
    TCNT1 = 0;
    TIFR1 = _BV(TOV1);
    hsk_t1_overflows = 0;
    SREG = sreg;
}

/* Fixed instruction sequences around the markers, so the timer reads sit at known
 * distances from them: the start reads TCNT1 (LDS TCNT1L latches TCNT1H, then LDS TCNT1H:
 * 4 cycles) and then writes marker 1; the end writes marker 2 (OUT: 1 cycle) and then reads.
 * A count is the value when its LDS begins, so end - start = (cycles from marker 1 to
 * marker 2) + 4 + 1: exactly the emulator harness's window once HSK_READ_SPAN is taken off. */
#define HSK_READ_SPAN 5
#define HSK_READ_MARK(t, v)                                                                         \
    __asm__ volatile("lds %A[cnt], %[lo]\n\tlds %B[cnt], %[hi]\n\tout %[gp], %[val]"               \
                     : [cnt] "=&r"(t)                                                                \
                     : [gp] "I"(_SFR_IO_ADDR(GPIOR0)), [val] "r"(v),                      \
                       [lo] "n"(_SFR_MEM_ADDR(TCNT1L)), [hi] "n"(_SFR_MEM_ADDR(TCNT1H))              \
                     : "memory")
#define HSK_MARK_READ(v, t)                                                                         \
    __asm__ volatile("out %[gp], %[val]\n\tlds %A[cnt], %[lo]\n\tlds %B[cnt], %[hi]"               \
                     : [cnt] "=r"(t)                                                                 \
                     : [gp] "I"(_SFR_IO_ADDR(GPIOR0)), [val] "r"(v),                      \
                       [lo] "n"(_SFR_MEM_ADDR(TCNT1L)), [hi] "n"(_SFR_MEM_ADDR(TCNT1H))              \
                     : "memory")

/* Overflows since the restart, for a count ``lo`` just read: an overflow whose interrupt
 * has not run yet (TOV1 still set) and that happened before the read counts too. */
static uint32_t hsk_overflows(uint16_t lo)
{
    uint8_t sreg = SREG;
    uint16_t hi;
    cli();
    hi = hsk_t1_overflows;
    if ((TIFR1 & _BV(TOV1)) && lo < 0x8000)
        hi++;
    SREG = sreg;
    return (uint32_t)hi << 16;
}

static uint8_t hsk_link_getc(void)
{
    while (!(UCSR0A & _BV(RXC0))) {
    }
    return UDR0;
}

static void hsk_link_putc(uint8_t b)
{
    while (!(UCSR0A & _BV(UDRE0))) {
    }
    UDR0 = b;
}

/* The inference, timed: Timer1 restarted, then the fixed read/mark sequences around the call. */
static hsk_status hsk_link_run(uint32_t *cycles)
{
    hsk_status st;
    uint16_t t0, t1;
    uint8_t start = 1, end = 2;
    __asm__ volatile("" : "+r"(start), "+r"(end)); /* as in emu_main.c */
    hsk_timer_restart();
    HSK_READ_MARK(t0, start);
    st = hsk_predict(hsk_in, hsk_out);
    HSK_MARK_READ(end, t1);
    *cycles = (hsk_overflows(t1) | t1) - t0 - HSK_READ_SPAN;
    return st;
}

int main(void)
{
    uint16_t ubrr = (uint16_t)((F_CPU + 4 * HSK_BAUD) / (8 * HSK_BAUD) - 1); /* U2X: 8 samples a bit */
    UBRR0H = (uint8_t)(ubrr >> 8);
    UBRR0L = (uint8_t)ubrr;
    UCSR0A = _BV(U2X0);
    UCSR0B = _BV(RXEN0) | _BV(TXEN0);
    UCSR0C = _BV(UCSZ01) | _BV(UCSZ00);
    TCCR1A = 0;
    TCCR1B = _BV(CS10); /* clk/1: one count per CPU cycle */
    TIMSK1 = _BV(TOIE1);
    sei();
    hsk_link_serve();
}
