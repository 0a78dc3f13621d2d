/* The board side of the hasaki-hil wire protocol (docs/protocol.md), portable C99.
 *
 * The harness supplies two functions, hsk_link_getc (blocking read of one byte) and
 * hsk_link_putc, and a cycle counter; hsk_link_serve() then answers HELLO and RUN forever.
 */
#ifndef HSK_LINK_H
#define HSK_LINK_H

#include <stdint.h>

#define HSK_PROTO_VERSION 1
#define HSK_MSG_HELLO 0x01
#define HSK_MSG_RUN 0x02
#define HSK_MSG_BOOT 0x80
#define HSK_MSG_HELLO_REPLY 0x81
#define HSK_MSG_RUN_REPLY 0x82
#define HSK_MSG_ERROR 0xFF
#define HSK_LINK_MAX 160 /* payload bytes: version, type, seq, body, CRC */

static uint8_t hsk_link_getc(void);
static void hsk_link_putc(uint8_t b);

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
 * is empty or malformed (the caller then simply reads the next one). */
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
                if (n >= HSK_LINK_MAX) bad = 1; else buf[n++] = 0;
            }
            code = left = b;
            left--;
            continue;
        }
        if (n >= HSK_LINK_MAX) bad = 1; else buf[n++] = b;
        left--;
    }
    if (bad || left != 0 || n < 5)
        return 0;
    return n;
}

#endif /* HSK_LINK_H */
