/* hasaki-hil C runtime: the int8x16 first layer (int8 weights, int16 inputs, int32 accumulator).
 *
 * Included by hsk_runtime.h after the int8 kernels (it uses hsk_requantize). Mirrors
 * hasaki_hil/quant/int8x16.py bit for bit; change both together. Plain C on every target,
 * the ATtiny85 included (no assembly yet).
 */
#ifndef HSK_Q16_H
#define HSK_Q16_H

/* Raw float input to the layer's int16 grid: the device's normalisation with the int16
 * scale folded into the multiplier, clamp(roundf((x - off) * mul), -32767, 32767). */
static HSK_UNUSED int16_t hsk_quantize16(float x, float off, float mul)
{
    float d = x - off;
    float p = d * mul;
    float r = roundf(p);
    return r < -32767.0f ? (int16_t)-32767 : r > 32767.0f ? (int16_t)32767 : (int16_t)r;
}

/* acc = bias[o] + sum_i q[o][i] * x[i] (no input zero point: the int16 grid is symmetric),
 * each product exact in int32 (|q * x| < 2^22) and the sum kept below 2^31 by the quantiser;
 * then requantised, clamped (relu: at the output zero point) or looked up, as hsk_dense_q. */
static HSK_UNUSED void hsk_dense_q16(const int16_t *x, int8_t *y, const int8_t *q, const int32_t *bias,
                                     const uint16_t *m, const uint8_t *shift, uint16_t n_in, uint16_t n_out,
                                     int16_t zp, int16_t lo, const int8_t *lut)
{
    uint16_t o, i;
    for (o = 0; o < n_out; o++) {
        int32_t acc = HSK_RD_I32(&bias[o]);
        int32_t v;
        for (i = 0; i < n_in; i++) {
            acc += (int32_t)HSK_RD_I8(q) * x[i];
            q++;
        }
        v = hsk_requantize(acc, HSK_RD_U16(&m[o]), HSK_RD_U8(&shift[o])) + zp;
        if (v < lo)
            v = lo;
        if (v > 127)
            v = 127;
        y[o] = lut ? HSK_RD_I8(&lut[v + 128]) : (int8_t)v;
    }
}

#endif /* HSK_Q16_H */
