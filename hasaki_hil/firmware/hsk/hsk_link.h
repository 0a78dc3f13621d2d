/* The board side of the hasaki-hil wire protocol (docs/protocol.md), portable C99.
 *
 * Include after hsk_model.h. The harness defines HSK_CLOCK_HZ, HSK_COUNTER (the counter id
 * of the protocol) and HSK_BOARD_NAME, and supplies hsk_link_getc (blocking read of one
 * byte), hsk_link_putc, and hsk_link_run, which runs the model on hsk_in into hsk_out and
 * reports the cycles of the inference; hsk_link_serve() then announces the board and
 * answers HELLO and RUN forever (and a damaged frame with NAK).
 */
#ifndef HSK_LINK_H
#define HSK_LINK_H

#include <stdint.h>

#define HSK_PROTO_VERSION 2
#define HSK_MSG_HELLO 0x01
#define HSK_MSG_RUN 0x02
#define HSK_MSG_BOOT 0x80
#define HSK_MSG_HELLO_REPLY 0x81
#define HSK_MSG_RUN_REPLY 0x82
#define HSK_MSG_NAK 0x83 /* a frame arrived damaged: the host resends at once instead of waiting */
#define HSK_MSG_ERROR 0xFF
#define HSK_LINK_BAD 0xFFFF /* hsk_link_receive: a damaged or oversized frame */
#include "hsk_link_limits.h" /* HSK_LINK_MAX from the model, checked against the protocol's limit */

static uint8_t hsk_link_getc(void);
static void hsk_link_putc(uint8_t b);
static hsk_status hsk_link_run(uint32_t *cycles);

/* CRC-16/CCITT-FALSE: polynomial 0x1021, initial 0xFFFF. */
static uint16_t hsk_crc16(const uint8_t *p, uint16_t n)
{
    uint16_t crc = 0xFFFF;
    uint8_t k;
    while (n--) {
        crc ^= (uint16_t)(*p++) << 8;
        for (k = 0; k < 8; k++)
            crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
    }
    return crc;
}

static void hsk_cobs_block(const uint8_t *p, uint16_t len)
{
    hsk_link_putc((uint8_t)(len + 1));
    while (len--)
        hsk_link_putc(*p++);
}

/* Send 0x00, COBS(payload || crc16_le), 0x00; payload needs 2 spare bytes for the CRC. */
static void hsk_link_send(uint8_t *payload, uint16_t n)
{
    uint16_t crc = hsk_crc16(payload, n), start = 0, i;
    payload[n] = (uint8_t)crc;
    payload[n + 1] = (uint8_t)(crc >> 8);
    n += 2;
    hsk_link_putc(0);
    for (i = 0; i < n; i++) {
        if (payload[i] == 0) {
            hsk_cobs_block(payload + start, (uint16_t)(i - start));
            start = (uint16_t)(i + 1);
        } else if (i - start + 1 == 254) { /* a full block: code 255, no zero follows */
            hsk_cobs_block(payload + start, 254);
            start = (uint16_t)(i + 1);
        }
    }
    hsk_cobs_block(payload + start, (uint16_t)(n - start));
    hsk_link_putc(0);
}

/* Read one frame (until 0x00) and COBS-decode it into buf; returns its length, 0 if it
 * is empty (two delimiters in a row), HSK_LINK_BAD if it is malformed or too long. */
static uint16_t hsk_link_receive(uint8_t *buf)
{
    uint16_t n = 0;
    uint8_t code = 0, left = 0, bad = 0, b;
    for (;;) {
        b = hsk_link_getc();
        if (b == 0)
            break;
        if (left == 0) {
            if (code && code != 255) {
                if (n >= HSK_LINK_MAX + 2) bad = 1; else buf[n++] = 0;
            }
            code = left = b;
            left--;
            continue;
        }
        if (n >= HSK_LINK_MAX + 2) bad = 1; else buf[n++] = b;
        left--;
    }
    if (n == 0 && code == 0)
        return 0;
    if (bad || left != 0 || n < HSK_LINK_HEAD + 2)
        return HSK_LINK_BAD;
    return n;
}

/* Board name and banner live in flash, like the model: an ATtiny85 has 512 bytes of SRAM. */
#ifndef HSK_IN_INT16 /* defined (1) by headers whose first layer is int8x16 */
#define HSK_IN_INT16 0
#endif

static const char hsk_board_name[] HSK_FLASH = HSK_BOARD_NAME;
static const char hsk_banner[] HSK_FLASH = "hasaki-hil serial firmware\r\n";

static uint8_t hsk_frame[HSK_LINK_MAX + 2]; /* + the CRC */
static hsk_in_t hsk_in[HSK_N_IN];
static hsk_out_t hsk_out[HSK_N_OUT];

static uint8_t hsk_hex_nibble(char c) { return (uint8_t)(c <= '9' ? c - '0' : c - 'a' + 10); }

/* HELLO_REPLY / BOOT body: name, clock, counter, model hash (raw), n_in, n_out, flags. */
static uint16_t hsk_hello_body(uint8_t *p)
{
    const uint8_t n = (uint8_t)(sizeof hsk_board_name - 1);
    uint32_t clock = HSK_CLOCK_HZ;
    uint8_t i;
    p[0] = n;
    for (i = 0; i < n; i++)
        p[1 + i] = HSK_RD_U8((const uint8_t *)&hsk_board_name[i]);
    p += 1 + n;
    for (i = 0; i < 4; i++)
        p[i] = (uint8_t)(clock >> (8 * i));
    p[4] = HSK_COUNTER;
    for (i = 0; i < 32; i++)
        p[5 + i] = (uint8_t)(hsk_hex_nibble((char)HSK_RD_U8((const uint8_t *)&hsk_model_hash[2 * i])) << 4 |
                             hsk_hex_nibble((char)HSK_RD_U8((const uint8_t *)&hsk_model_hash[2 * i + 1])));
    p[37] = (uint8_t)HSK_N_IN;
    p[38] = (uint8_t)(HSK_N_IN >> 8);
    p[39] = (uint8_t)HSK_N_OUT;
    p[40] = (uint8_t)(HSK_N_OUT >> 8);
    p[41] = (uint8_t)(HSK_IN_INT8 | (HSK_OUT_INT8 << 1) | (HSK_IN_INT16 << 3));
    return (uint16_t)(1 + n + 42);
}

/* The reply keeps the request's sequence number, which still sits in hsk_frame[2..3]. */
static void hsk_reply(uint8_t type, uint16_t body_len)
{
    hsk_frame[0] = HSK_PROTO_VERSION;
    hsk_frame[1] = type;
    hsk_link_send(hsk_frame, (uint16_t)(HSK_LINK_HEAD + body_len));
}

static void hsk_link_serve(void)
{
    uint8_t i;
    for (i = 0; i < sizeof hsk_banner - 1; i++)
        hsk_link_putc(HSK_RD_U8((const uint8_t *)&hsk_banner[i]));
    hsk_frame[2] = hsk_frame[3] = 0; /* BOOT: sequence 0 */
    hsk_reply(HSK_MSG_BOOT, hsk_hello_body(hsk_frame + HSK_LINK_HEAD));
    for (;;) {
        uint16_t n = hsk_link_receive(hsk_frame), crc = 0, k, digest, out_len = 0;
        uint8_t status;
        uint32_t cycles = 0;
        if (n == 0)
            continue;
        if (n != HSK_LINK_BAD) {
            crc = (uint16_t)(hsk_frame[n - 2] | (uint16_t)hsk_frame[n - 1] << 8);
            n -= 2;
        }
        if (n == HSK_LINK_BAD || hsk_crc16(hsk_frame, n) != crc || hsk_frame[0] != HSK_PROTO_VERSION) {
            hsk_frame[2] = hsk_frame[3] = 0; /* whose frame it was is unknown */
            hsk_reply(HSK_MSG_NAK, 0);
            continue;
        }
        if (hsk_frame[1] == HSK_MSG_HELLO) {
            hsk_reply(HSK_MSG_HELLO_REPLY, hsk_hello_body(hsk_frame + HSK_LINK_HEAD));
        } else if (hsk_frame[1] == HSK_MSG_RUN) {
            /* the reply names the input it answers: the CRC-16 of the request's body */
            digest = hsk_crc16(hsk_frame + HSK_LINK_HEAD, (uint16_t)(n - HSK_LINK_HEAD));
            if (n - HSK_LINK_HEAD != sizeof hsk_in) {
                status = 1;
            } else {
                uint8_t *dst = (uint8_t *)hsk_in;
                for (k = 0; k < sizeof hsk_in; k++)
                    dst[k] = hsk_frame[HSK_LINK_HEAD + k];
                status = hsk_link_run(&cycles) == HSK_OK ? 0 : 4;
                out_len = sizeof hsk_out;
            }
            hsk_frame[4] = status;
            hsk_frame[5] = (uint8_t)digest;
            hsk_frame[6] = (uint8_t)(digest >> 8);
            for (k = 0; k < 4; k++)
                hsk_frame[7 + k] = (uint8_t)(cycles >> (8 * k));
            for (k = 0; k < out_len; k++)
                hsk_frame[11 + k] = ((const uint8_t *)hsk_out)[k];
            hsk_reply(HSK_MSG_RUN_REPLY, (uint16_t)(7 + out_len));
        } else {
            hsk_frame[4] = 3;
            hsk_reply(HSK_MSG_ERROR, 1);
        }
    }
}

#endif /* HSK_LINK_H */
