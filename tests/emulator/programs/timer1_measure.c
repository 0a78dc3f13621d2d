/* Times a computation with Timer1 at clk/1 and an overflow interrupt that counts the
 * overflows, the way the uno's serial harness times hsk_predict: the measured count, the
 * raw readings and the interrupts' marker cycles must agree with simavr to the cycle. */
#include <avr/interrupt.h>
#include "harness.h"

#define MARK_OVERFLOW 3

struct hsk_input { uint16_t rounds; uint8_t delay; uint32_t seed; };
struct hsk_output { uint32_t measured, t0, t1, result; uint16_t overflows; };
HSK_INPUT;
HSK_OUTPUT;

static volatile uint16_t overflows;

ISR(TIMER1_OVF_vect)
{
    overflows++;
    GPIOR0 = MARK_OVERFLOW; /* its cycle shows when the interrupt was taken */
}

/* Overflow count and TCNT1 as one 32-bit count, read with interrupts off (serial_avr.c). */
static uint32_t cycles_now(void)
{
    uint8_t sreg = SREG;
    uint16_t hi, lo;
    cli();
    lo = TCNT1;
    hi = overflows;
    if ((TIFR1 & _BV(TOV1)) && lo < 0x8000) /* overflowed after cli, before the interrupt ran */
        hi++;
    SREG = sreg;
    return ((uint32_t)hi << 16) | lo;
}

/* xorshift32 with a division: data-dependent time, several hundred cycles a round */
static uint32_t work(uint16_t rounds, uint32_t x)
{
    for (uint16_t i = 0; i < rounds; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        x += x % 1000u;
    }
    return x;
}

void infer(void)
{
    TCCR1A = 0;
    TCCR1B = _BV(CS10);
    TIMSK1 = _BV(TOIE1);
    sei();
    for (uint8_t i = hsk_emu_input.delay; i; i--) /* moves the readings across the overflows */
        __asm__ volatile("");
    uint32_t t0 = cycles_now();
    uint32_t result = work(hsk_emu_input.rounds, hsk_emu_input.seed);
    uint32_t t1 = cycles_now();
    cli();
    hsk_emu_output.measured = t1 - t0;
    hsk_emu_output.t0 = t0;
    hsk_emu_output.t1 = t1;
    hsk_emu_output.result = result;
    hsk_emu_output.overflows = overflows;
}
