/* Serial harness for AVR boards with a USART (the uno): answers the hasaki-hil wire
 * protocol (docs/protocol.md) on USART0, timing hsk_predict with Timer1 at clk/1 and an
 * overflow interrupt. F_CPU, HSK_BAUD and HSK_BOARD_NAME come from the build. */
#include <avr/interrupt.h>
#include <avr/io.h>

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

/* Cycles since Timer1 started: overflow count and TCNT1, read consistently. */
static uint32_t hsk_cycles(void)
{
    uint8_t sreg = SREG;
    uint16_t hi, lo;
    cli();
    lo = TCNT1;
    hi = hsk_t1_overflows;
    if ((TIFR1 & _BV(TOV1)) && lo < 0x8000) /* overflowed after cli, before the ISR ran */
        hi++;
    SREG = sreg;
    return ((uint32_t)hi << 16) | lo;
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
    uint32_t overhead, t0, t1;
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
    t0 = hsk_cycles(); /* what two back-to-back reads cost, subtracted from every measurement */
    t1 = hsk_cycles();
    overhead = t1 - t0;
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
                t0 = hsk_cycles();
                status = hsk_predict(hsk_in, hsk_out) == HSK_OK ? 0 : 4;
                t1 = hsk_cycles();
                cycles = t1 - t0 - overhead;
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
