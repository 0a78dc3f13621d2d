/* Serial harness for AVR boards with a USART (the uno): answers the hasaki-hil wire
 * protocol (docs/protocol.md) on USART0, timing hsk_predict with Timer1 at clk/1 and an
 * overflow interrupt. It writes the emulator harness's GPIOR0 markers around the call
 * (harmless on a board; on the emulated core they tie the timer count to the exact count).
 * F_CPU, HSK_BAUD and HSK_BOARD_NAME come from the build. */
#include <avr/interrupt.h>
#include <avr/io.h>

#define HSK_PREDICT_ATTR __attribute__((noinline))
#include "hsk_model.h"
#include "hsk_link.h"


#ifndef HSK_BOARD_NAME
#define HSK_BOARD_NAME "uno"
#endif
#ifndef HSK_BAUD
#define HSK_BAUD 115200UL
#endif

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

static uint8_t hsk_frame[HSK_LINK_MAX + 2];
static hsk_in_t hsk_in[HSK_N_IN];
static hsk_out_t hsk_out[HSK_N_OUT];

static uint8_t hex_nibble(char c) { return (uint8_t)(c <= '9' ? c - '0' : c - 'a' + 10); }

static uint16_t hello_body(uint8_t *p)
{
    const char *name = HSK_BOARD_NAME;
    uint8_t n = 0, i;
    uint32_t clock = F_CPU;
    while (name[n])
        n++;
    p[0] = n;
    for (i = 0; i < n; i++)
        p[1 + i] = (uint8_t)name[i];
    p += 1 + n;
    for (i = 0; i < 4; i++)
        p[i] = (uint8_t)(clock >> (8 * i));
    p[4] = 1; /* counter: AVR timer */
    for (i = 0; i < 32; i++)
        p[5 + i] = (uint8_t)(hex_nibble((char)pgm_read_byte(&hsk_model_hash[2 * i])) << 4 |
                             hex_nibble((char)pgm_read_byte(&hsk_model_hash[2 * i + 1])));
    p[37] = (uint8_t)HSK_N_IN;
    p[38] = (uint8_t)(HSK_N_IN >> 8);
    p[39] = (uint8_t)HSK_N_OUT;
    p[40] = (uint8_t)(HSK_N_OUT >> 8);
    p[41] = (uint8_t)(HSK_IN_INT8 | (HSK_OUT_INT8 << 1));
    return (uint16_t)(1 + n + 42);
}

static void reply(uint8_t type, uint8_t seq, uint16_t body_len)
{
    hsk_frame[0] = HSK_PROTO_VERSION;
    hsk_frame[1] = type;
    hsk_frame[2] = seq;
    hsk_link_send(hsk_frame, (uint16_t)(3 + body_len));
}

int main(void)
{
    const char *banner = "hasaki-hil serial firmware\r\n";
    uint16_t t0, t1;
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
    while (*banner)
        hsk_link_putc((uint8_t)*banner++);
    reply(HSK_MSG_BOOT, 0, hello_body(hsk_frame + 3));
    for (;;) {
        uint16_t n = hsk_link_receive(hsk_frame), crc;
        uint8_t seq, status;
        if (n == 0)
            continue;
        crc = (uint16_t)(hsk_frame[n - 2] | (uint16_t)hsk_frame[n - 1] << 8);
        n -= 2;
        if (hsk_crc16(hsk_frame, n) != crc || hsk_frame[0] != HSK_PROTO_VERSION)
            continue;
        seq = hsk_frame[2];
        if (hsk_frame[1] == HSK_MSG_HELLO) {
            reply(HSK_MSG_HELLO_REPLY, seq, hello_body(hsk_frame + 3));
        } else if (hsk_frame[1] == HSK_MSG_RUN) {
            uint32_t cycles = 0;
            uint16_t i, out_len = 0;
            if (n - 3 != sizeof hsk_in) {
                status = 1;
            } else {
                uint8_t *dst = (uint8_t *)hsk_in;
                for (i = 0; i < sizeof hsk_in; i++)
                    dst[i] = hsk_frame[3 + i];
                hsk_status st;
                uint8_t start = 1, end = 2;
                __asm__ volatile("" : "+r"(start), "+r"(end)); /* as in emu_main.c */
                hsk_timer_restart();
                HSK_READ_MARK(t0, start);
                st = hsk_predict(hsk_in, hsk_out);
                HSK_MARK_READ(end, t1);
                status = st == HSK_OK ? 0 : 4;
                cycles = (hsk_overflows(t1) | t1) - t0 - HSK_READ_SPAN;
                out_len = sizeof hsk_out;
            }
            hsk_frame[3] = status;
            for (i = 0; i < 4; i++)
                hsk_frame[4 + i] = (uint8_t)(cycles >> (8 * i));
            for (i = 0; i < out_len; i++)
                hsk_frame[8 + i] = ((const uint8_t *)hsk_out)[i];
            reply(HSK_MSG_RUN_REPLY, seq, (uint16_t)(5 + out_len));
        } else {
            hsk_frame[3] = 3;
            reply(HSK_MSG_ERROR, seq, 1);
        }
    }
}
