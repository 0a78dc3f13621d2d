/* hasaki-hil C runtime: the int8x16 first layer (int8 weights, int16 inputs, int32 accumulator).
 *
 * Included by hsk_runtime.h after the int8 kernels: it reuses hsk_dot8 and hsk_requantize,
 * so the ATtiny85 gets their quarter-square assembly without new assembly. Mirrors
 * hasaki_hil/quant/int8x16.py bit for bit; change both together.
 *
 * Each int16 input v is kept as two int8 planes, v = 256 hi + lo + 128 (hi, lo in -128..127),
 * so sum_i q[i] v[i] = 256 dot8(hi, q) + dot8(lo, q) + 128 sum_i q[i]; the generated bias
 * holds qbias + 128 sum(q_row), and every term is exact in int32 (checked at quantisation).
 */
#ifndef HSK_Q16_H
#define HSK_Q16_H

/* Raw float input to the layer's int16 grid, clamp(roundf((x - off) * mul), -32767, 32767)
 * (the device's normalisation with the int16 step folded into mul), split into the planes. */
static HSK_UNUSED void hsk_quantize16(float x, float off, float mul, int8_t *hi, int8_t *lo)
{
    float d = x - off;
    float p = d * mul;
    float r = roundf(p);
    int16_t v = r < -32767.0f ? (int16_t)-32767 : r > 32767.0f ? (int16_t)32767 : (int16_t)r;
    uint16_t u = (uint16_t)((int32_t)v + 32768); /* v + 32768 in 1..65535: no signed shifts */
    *hi = (int8_t)((int16_t)(u >> 8) - 128);
    *lo = (int8_t)((int16_t)(u & 0xFFu) - 128);
}

/* acc = bias[o] + 256 dot8(hi, q_row) + dot8(lo, q_row), then requantised, clamped (relu: at
 * the output zero point) or looked up, exactly as hsk_dense_q. */
static HSK_UNUSED void hsk_dense_q16(const int8_t *hi, const int8_t *lo, int8_t *y, const int8_t *q,
                                     const int32_t *bias, const uint16_t *m, const uint8_t *shift, uint16_t n_in,
                                     uint16_t n_out, int16_t zp, int16_t lo_clamp, const int8_t *lut)
{
    uint16_t o;
    for (o = 0; o < n_out; o++) {
        int32_t acc = HSK_RD_I32(&bias[o]) + hsk_dot8(hi, q, n_in) * 256 + hsk_dot8(lo, q, n_in);
        int32_t v;
        q += n_in;
        v = hsk_requantize(acc, HSK_RD_U16(&m[o]), HSK_RD_U8(&shift[o])) + zp;
        if (v < lo_clamp)
            v = lo_clamp;
        if (v > 127)
            v = 127;
        y[o] = lut ? HSK_RD_I8(&lut[v + 128]) : (int8_t)v;
    }
}

#endif /* HSK_Q16_H */
