/* hasaki-hil C runtime: dense-layer kernels for f32, int8 weight-only and full-integer int8.
 *
 * C99, no malloc, no globals: the generated model code owns its constants (in flash) and
 * one static work buffer. Every kernel is `static` so one header serves both firmware
 * builds and the single-file export. The arithmetic mirrors hasaki_hil/reference.py and
 * hasaki_hil/qmath.py exactly; change both together.
 */
#ifndef HSK_RUNTIME_H
#define HSK_RUNTIME_H

#include <math.h>
#include <stdint.h>

typedef enum { HSK_OK = 0, HSK_ERR_ARG = 1 } hsk_status;

/* Constants live in flash everywhere. On AVR that needs PROGMEM and explicit reads
 * (plain `const` data would be copied into the 512-byte SRAM of an ATtiny85). */
#if defined(__AVR__)
#include <avr/pgmspace.h>
#define HSK_FLASH PROGMEM
#define HSK_RD_I8(p) ((int8_t)pgm_read_byte(p))
#define HSK_RD_U8(p) ((uint8_t)pgm_read_byte(p))
#define HSK_RD_U16(p) ((uint16_t)pgm_read_word(p))
#define HSK_RD_I32(p) ((int32_t)pgm_read_dword(p))
#define HSK_RD_F32(p) pgm_read_float(p)
#else
#define HSK_FLASH
#define HSK_RD_I8(p) (*(p))
#define HSK_RD_U8(p) (*(p))
#define HSK_RD_U16(p) (*(p))
#define HSK_RD_I32(p) (*(p))
#define HSK_RD_F32(p) (*(p))
#endif

#if defined(__GNUC__)
#define HSK_UNUSED __attribute__((unused))
#else
#define HSK_UNUSED
#endif

/* Harnesses that time PREFIX_predict define this as noinline, so every harness times the
 * same call and the same machine code. */
#ifndef HSK_PREDICT_ATTR
#define HSK_PREDICT_ATTR
#endif

/* ---- float activations (float32, the formulas of hasaki_hil/activations.py) ---------- */

enum { HSK_LINEAR = 0, HSK_RELU = 1, HSK_SIGMOID = 2, HSK_TANH = 3, HSK_LEAKY_RELU = 4, HSK_SOFTMAX = 5 };

static HSK_UNUSED void hsk_activate_f32(float *y, uint16_t n, uint8_t act)
{
    uint16_t o;
    if (act == HSK_SOFTMAX) {
        float m = y[0], sum = 0.0f;
        for (o = 1; o < n; o++)
            if (y[o] > m)
                m = y[o];
        for (o = 0; o < n; o++) {
            y[o] = expf(y[o] - m);
            sum = sum + y[o];
        }
        for (o = 0; o < n; o++)
            y[o] = y[o] / sum;
        return;
    }
    for (o = 0; o < n; o++) {
        float z = y[o];
        switch (act) {
        case HSK_RELU: y[o] = z > 0.0f ? z : 0.0f; break;
        case HSK_SIGMOID: y[o] = 1.0f / (1.0f + expf(-z)); break;
        case HSK_TANH: y[o] = tanhf(z); break;
        case HSK_LEAKY_RELU: y[o] = z > 0.0f ? z : z * 0.01f; break;
        default: break;
        }
    }
}

/* ---- dense f32: y[o] = b[o] + w[o][0]*x[0] + w[o][1]*x[1] + ... (no fused multiply-add) */

static HSK_UNUSED void hsk_dense_f32(const float *x, float *y, const float *w, const float *b, uint16_t n_in,
                                    uint16_t n_out)
{
    uint16_t o, i;
    for (o = 0; o < n_out; o++) {
        float acc = HSK_RD_F32(&b[o]);
        for (i = 0; i < n_in; i++) {
            float p = HSK_RD_F32(w) * x[i];
            acc = acc + p;
            w++;
        }
        y[o] = acc;
    }
}

/* ---- dense int8 weight-only (Hasaki-compatible): y[o] = (sum_i float(q) * x[i]) * s[o] + b[o] */

static HSK_UNUSED void hsk_dense_wo(const float *x, float *y, const int8_t *q, const float *s, const float *b,
                                   uint16_t n_in, uint16_t n_out)
{
    uint16_t o, i;
    for (o = 0; o < n_out; o++) {
        float acc = 0.0f;
        for (i = 0; i < n_in; i++) {
            float p = (float)HSK_RD_I8(q) * x[i];
            acc = acc + p;
            q++;
        }
        acc = acc * HSK_RD_F32(&s[o]);
        y[o] = acc + HSK_RD_F32(&b[o]);
    }
}

/* ---- full-integer int8 ------------------------------------------------------------------ */

/* Float to int8: clamp(roundf(x * inv_scale) + zp), the product rounded to float first. */
static HSK_UNUSED int8_t hsk_quantize(float x, float inv_scale, int16_t zp)
{
    float p = x * inv_scale;
    float r = roundf(p) + (float)zp;
    return r < -128.0f ? (int8_t)-128 : r > 127.0f ? (int8_t)127 : (int8_t)r;
}

static HSK_UNUSED float hsk_dequantize(int8_t q, float scale, int16_t zp)
{
    return (float)((int16_t)q - zp) * scale;
}

#if defined(__AVR__) && !defined(__AVR_HAVE_MUL__)
#include "hsk_avr.h" /* hsk_dot8 and hsk_requantize for cores without a multiplier */
#else
/* sum_i q[i] * x[i], int32 accumulation of 8x8 products. */
static HSK_UNUSED int32_t hsk_dot8(const int8_t *x, const int8_t *q, uint16_t n)
{
    int32_t acc = 0;
    uint16_t i;
    for (i = 0; i < n; i++)
        acc += (int16_t)HSK_RD_I8(&q[i]) * (int16_t)x[i];
    return acc;
}

#if defined(__AVR_HAVE_MUL__)
#include "hsk_avr_mul.h" /* hsk_requantize in 8x8 products, not libgcc's 64-bit arithmetic */
#else
/* (acc * m + 2^(s-1)) >> s, arithmetic (floor) shift, for 16 <= s <= 62 and m < 2^15:
 * acc * m fits 46 bits, so one int64 product is exact. */
static HSK_UNUSED int32_t hsk_requantize(int32_t acc, uint16_t m, uint8_t s)
{
    return (int32_t)(((int64_t)acc * m + ((int64_t)1 << (s - 1))) >> s);
}
#endif
#endif

#ifndef HSK_DENSE_Q_ATTR
#define HSK_DENSE_Q_ATTR /* hsk_avr.h: inline */
#endif

/* One int8 layer: acc = bias[o] + sum_i q[o][i] * x[i] (bias folded with the input zero point),
 * requantised, then clamped (relu: at the output zero point) or looked up in a table. */
static HSK_UNUSED HSK_DENSE_Q_ATTR void hsk_dense_q(const int8_t *x, int8_t *y, const int8_t *q, const int32_t *bias,
                                                   const uint16_t *m, const uint8_t *shift, uint16_t n_in,
                                                   uint16_t n_out, int16_t zp, int16_t lo, const int8_t *lut)
{
    uint16_t o;
    for (o = 0; o < n_out; o++) {
        int32_t acc = HSK_RD_I32(&bias[o]) + hsk_dot8(x, q, n_in);
        int32_t v;
        q += n_in;
        v = hsk_requantize(acc, HSK_RD_U16(&m[o]), HSK_RD_U8(&shift[o])) + zp;
        if (v < lo)
            v = lo;
        if (v > 127)
            v = 127;
        y[o] = lut ? HSK_RD_I8(&lut[v + 128]) : (int8_t)v;
    }
}

#include "hsk_q16.h" /* the int8x16 first layer */

/* HSK_NO_ROW_KERNELS keeps the per-call kernels above (benchmarks/avr_int8_cycles.py times both). */
#if defined(__AVR__) && !defined(HSK_NO_ROW_KERNELS)
#include "hsk_avr_rows.h" /* whole-layer kernels over row records: hsk_dense_q becomes a macro */
#endif

#endif /* HSK_RUNTIME_H */
