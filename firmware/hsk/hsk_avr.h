/* Integer kernels for AVR cores without a hardware multiplier (ATtiny85, avr25).
 *
 * Included by hsk_runtime.h; provides hsk_dot8 and hsk_requantize with exactly the
 * semantics of the generic versions there (and of hasaki_hil/qmath.py).
 */
#ifndef HSK_AVR_H
#define HSK_AVR_H

/* No hardware multiplier (ATtiny85): quarter squares. For integers a, b:
 * a*b = floor((a+b)^2/4) - floor((a-b)^2/4), so one 8x8 product costs two table reads.
 * hsk_qsq[k] = floor(k*k/4) for k = 0..510 (|a+b| <= 255 here; 510 for the requantiser). */
#include "hsk_qsq.h"
static inline int16_t hsk_mul8(int8_t a, int8_t b)
{
    int16_t s = (int16_t)a + b, d = (int16_t)a - b;
    if (s < 0)
        s = -s;
    if (d < 0)
        d = -d;
    return (int16_t)(HSK_RD_U16(&hsk_qsq[s]) - HSK_RD_U16(&hsk_qsq[d]));
}
/* Unsigned 8x8 -> 16 by the same table (a + b <= 510). */
static inline uint16_t hsk_mulu8(uint8_t a, uint8_t b)
{
    uint16_t s = (uint16_t)a + b;
    uint8_t d = a > b ? (uint8_t)(a - b) : (uint8_t)(b - a);
    return (uint16_t)(HSK_RD_U16(&hsk_qsq[s]) - HSK_RD_U16(&hsk_qsq[d]));
}
/* Unsigned 16x16 -> 32 from four 8x8 products. */
static inline uint32_t hsk_mulu16(uint16_t a, uint16_t b)
{
    uint8_t al = (uint8_t)a, ah = (uint8_t)(a >> 8), bl = (uint8_t)b, bh = (uint8_t)(b >> 8);
    uint32_t r = hsk_mulu8(al, bl);
    r += (uint32_t)((uint32_t)hsk_mulu8(ah, bl) + hsk_mulu8(al, bh)) << 8;
    r += (uint32_t)hsk_mulu8(ah, bh) << 16;
    return r;
}

/* (acc * m + 2^(s-1)) >> s with an arithmetic (floor) shift, for 16 <= s <= 62 and
 * m < 2^15, in 32-bit pieces: acc = hi * 2^16 + lo with lo unsigned. */
static int32_t hsk_requantize(int32_t acc, uint16_t m, uint8_t s)
{
    int16_t hi = (int16_t)(acc >> 16);
    uint16_t mag = hi < 0 ? (uint16_t)(0u - (uint16_t)hi) : (uint16_t)hi;
    uint32_t lm = hsk_mulu16((uint16_t)acc, m);
    int32_t hm = hi < 0 ? -(int32_t)hsk_mulu16(mag, m) : (int32_t)hsk_mulu16(mag, m);
    int32_t p;
    if (s == 16)
        return hm + (int32_t)((lm + 0x8000UL) >> 16);
    if (s >= 48) /* |p| < 2^30 <= 2^(s-17): the result is 0 */
        return 0;
    p = hm + (int32_t)(lm >> 16); /* floor(acc * m / 2^16), exactly */
    return (p + ((int32_t)1 << (s - 17))) >> (s - 16);
}

/* sum_i q[i] * x[i] without a multiplier, bit-serially over the weights: with p_b the sum
 * of the x[i] whose weight has bit b set, the dot product is sum_b p_b * 2^b, where bit 7
 * of a two's-complement int8 weighs -128. Eight 16-bit sums stay in registers (|p_b| <=
 * 255 * 128 for up to 255 inputs), so each weight bit costs a test and a 16-bit add. */
static int32_t hsk_dot8(const int8_t *x, const int8_t *q, uint16_t n)
{
    int16_t p0 = 0, p1 = 0, p2 = 0, p3 = 0, p4 = 0, p5 = 0, p6 = 0, p7 = 0;
    int32_t acc;
    do {
        int16_t xv = *x++;
        uint8_t w = HSK_RD_U8((const uint8_t *)q);
        q++;
        if (w & 0x01) p0 += xv;
        if (w & 0x02) p1 += xv;
        if (w & 0x04) p2 += xv;
        if (w & 0x08) p3 += xv;
        if (w & 0x10) p4 += xv;
        if (w & 0x20) p5 += xv;
        if (w & 0x40) p6 += xv;
        if (w & 0x80) p7 += xv;
    } while (--n);
    acc = -(int32_t)p7;
    acc = acc * 2 + p6;
    acc = acc * 2 + p5;
    acc = acc * 2 + p4;
    acc = acc * 2 + p3;
    acc = acc * 2 + p2;
    acc = acc * 2 + p1;
    return acc * 2 + p0;
}

#endif /* HSK_AVR_H */
