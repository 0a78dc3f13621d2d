/* hasaki-hil C runtime: int8x16 layers (int8 weights, int16 inputs, int32 accumulator).
 *
 * Included by hsk_runtime.h after the int8 kernels: on AVR it reuses hsk_dot8 and
 * hsk_requantize, so the ATtiny85 gets their quarter-square assembly and the ATmega328P
 * its MULS products without new assembly. Mirrors hasaki_hil/quant/int8x16.py bit for bit;
 * change both together.
 *
 * The generated bias holds qbias + 128 sum(q_row), so acc = bias + sum_i q[i] (v[i] - 128).
 * On AVR each int16 input v is split once per layer into two int8 planes,
 * v - 128 = 256 hi + lo (hi, lo in -128..127), and acc = bias + 256 dot8(hi, q) + dot8(lo, q):
 * two 8x8 dot products instead of 16x8 products in 32 bits, which an 8-bit core pays for
 * dearly. Every term is exact in int32 (checked at quantisation).
 */
#ifndef HSK_Q16_H
#define HSK_Q16_H

#define HSK_Q16_MAX 32767

/* Raw float input to the first layer's int16 grid, clamp(roundf((x - off) * mul), +-32767)
 * (the normalisation with the int16 step folded into mul): PREFIX_quantize_input. */
static HSK_UNUSED int16_t hsk_quantize16(float x, float off, float mul)
{
    float d = x - off;
    float p = d * mul;
    float r = roundf(p);
    return r < -32767.0f ? (int16_t)-32767 : r > 32767.0f ? (int16_t)32767 : (int16_t)r;
}


#if defined(__AVR__) && !defined(__AVR_HAVE_MUL__)
#include "hsk_avr_q16.h" /* the ATtiny's row walk over the table of squares */
#define HSK_Q16_SQ(a) (a) /* the per-row constants it needs (generated only for it) */
#else
#define HSK_Q16_SQ(a) ((const uint32_t *)0)
#endif


#if defined(__AVR__)
/* v - 128 = 256 hi + lo for v in -32767..32767: with u = v + 32768 (1..65535, no signed
 * shifts), hi = floor(v / 256) = (u >> 8) - 128 and lo = (v mod 256) - 128 = (u & 255) - 128.
 * Written step bytes apart: interleaved (hi = planes, lo = planes + 1, step 2) for the row walks
 * of hsk_avr_q16.h and hsk_dot16_mul, as two planes (lo = planes + n, step 1) for hsk_dot8. */
static HSK_UNUSED void hsk_q16_split(const int16_t *v, int8_t *hi, int8_t *lo, uint16_t n, uint8_t step)
{
    uint16_t i;
    for (i = 0; i < n; i++, hi += step, lo += step) {
        uint16_t u = (uint16_t)((uint16_t)v[i] + 32768u);
        *hi = (int8_t)((int16_t)(u >> 8) - 128);
        *lo = (int8_t)((int16_t)(u & 0xFFu) - 128);
    }
}
#endif

/* One int8x16 layer: acc = bias[o] + sum_i q[o][i] (v[i] - 128), requantised; then
 * - int16 output (y16, the next layer is int8x16): clamp(y, lo, 32767) into ((int16_t *)y)[o];
 * - int8 output: + zp, clamp(lo, 127) or table lookup, as hsk_dense_q, into ((int8_t *)y)[o].
 * planes is scratch of 2 n_in bytes (AVR only); sq the ATtiny's per-row constants E (null elsewhere). */
#if defined(__AVR__)
/* Inlined at each layer on AVR: with its arguments constant the branches on y16, the table and
 * the kernel choice fold away and the loop state stays in registers (without it the ATmega's
 * all-int8x16 smoke model costs 7,887 cycles instead of 5,951). */
#define HSK_Q16_ATTR inline __attribute__((always_inline))
#else
#define HSK_Q16_ATTR
#endif

static HSK_UNUSED HSK_Q16_ATTR void hsk_dense_q16(const int16_t *v, int8_t *planes, void *y, uint8_t y16, const int8_t *q,
                                     const int32_t *bias, const uint16_t *m, const uint8_t *shift, const uint32_t *sq,
                                     uint16_t n_in, uint16_t n_out, int16_t zp, int16_t lo_clamp, const int8_t *lut)
{
    uint16_t o;
#if defined(__AVR__) && !defined(__AVR_HAVE_MUL__)
    uint32_t x2 = 0;
    uint8_t table = sq && n_in <= HSK_Q16_SQ_MAX_IN;
    if (table) {
        hsk_q16_split(v, planes, planes + 1, n_in, 2);
        x2 = hsk_sqdist16(planes, hsk_q16_zero, (uint8_t)n_in);
    } else
        hsk_q16_split(v, planes, planes + n_in, n_in, 1);
#elif defined(__AVR__)
    (void)sq;
    if (n_in <= 255)
        hsk_q16_split(v, planes, planes + 1, n_in, 2);
    else
        hsk_q16_split(v, planes, planes + n_in, n_in, 1);
#else
    (void)planes;
    (void)sq;
#endif
    for (o = 0; o < n_out; o++) {
        int32_t acc = HSK_RD_I32(&bias[o]);
        int32_t r;
#if defined(__AVR__) && !defined(__AVR_HAVE_MUL__)
        if (table) /* X2 + E - S = 2 sum q (v - 128), even: the shift is exact */
            acc += (int32_t)(x2 + HSK_RD_I32((const int32_t *)&sq[o]) - hsk_sqdist16(planes, q, (uint8_t)n_in)) >> 1;
        else
            acc += hsk_dot8(planes, q, n_in) * 256 + hsk_dot8(planes + n_in, q, n_in);
#elif defined(__AVR__)
        if (n_in <= 255)
            acc += hsk_dot16_mul(planes, q, (uint8_t)n_in);
        else
            acc += hsk_dot8(planes, q, n_in) * 256 + hsk_dot8(planes + n_in, q, n_in);
#else
        uint16_t i;
        for (i = 0; i < n_in; i++)
            acc += (int32_t)HSK_RD_I8(&q[i]) * (int32_t)(v[i] - 128);
#endif
        q += n_in;
        /* acc <= 0 gives a requantised value <= 0 (M >= 0, the rounding adds less than one):
         * when that clamps to lo anyway (relu), skip the requantisation. */
        if (acc <= 0 && lo_clamp >= zp)
            r = lo_clamp - zp;
        else
            r = hsk_requantize(acc, HSK_RD_U16(&m[o]), HSK_RD_U8(&shift[o]));
        if (y16) {
            if (r < lo_clamp)
                r = lo_clamp;
            if (r > HSK_Q16_MAX)
                r = HSK_Q16_MAX;
            ((int16_t *)y)[o] = (int16_t)r;
        } else {
            r += zp;
            if (r < lo_clamp)
                r = lo_clamp;
            if (r > 127)
                r = 127;
            ((int8_t *)y)[o] = lut ? HSK_RD_I8(&lut[r + 128]) : (int8_t)r;
        }
    }
}

#endif /* HSK_Q16_H */
