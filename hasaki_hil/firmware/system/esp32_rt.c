/* The freestanding runtime of the system-driver ESP32 builds (clang --target=xtensa): what
 * the generated C and the compiler need and no Debian package provides for Xtensa (no
 * newlib, no compiler-rt builtins for it): memcpy/memset/memmove, __muldi3, __divsf3 (the ESP32's
 * FPU adds and multiplies but has no single-instruction divide, so the compiler calls it),
 * and the three libm functions the runtime uses: expf, tanhf, roundf.
 *
 * PlatformIO's xtensa-esp32-elf-gcc builds link newlib and libgcc instead and never see
 * this file. Written for this project from the IEEE 754 definitions:
 * - __divsf3 is correctly rounded (round to nearest, ties to even; subnormals, zeros,
 *   infinities and NaNs as IEEE 754 says), so it equals any correct division bit for bit;
 *   tests/esp32/test_rt.py proves it against the host's division on the host compiler.
 * - roundf is exact (halfway cases away from zero, as C99 says).
 * - expf (Cody-Waite reduction by ln 2, a degree-7 polynomial) and tanhf (sinh/cosh series
 *   near zero, 1 - 2/(e^2x + 1) beyond) stay within 2 float steps of the correctly rounded
 *   value (measured in tests/esp32/test_rt.py); the float comparisons' bound is 8.
 * Float arithmetic only, no double: the FPU is single precision and soft double is slow.
 */
#include <stddef.h>
#include <stdint.h>

#include "math.h"

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
float __divsf3(float a, float b);
long long __muldi3(long long a, long long b);

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    while (n--)
        *d++ = *s++;
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d < s) {
        while (n--)
            *d++ = *s++;
    } else {
        while (n--)
            d[n] = s[n];
    }
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    while (n--)
        *d++ = (unsigned char)c;
    return dst;
}

/* The low 64 bits of a 64 x 64-bit product (hsk_requantize's int64 product), from 32-bit
 * MULL and 16 x 16-bit partial products for the high word: the builds leave out the
 * MUL32_HIGH option (MULUH/MULSH), which the ESP32 has but QEMU's de233_fpu oracle core
 * lacks, so that the oracle runs the very instructions the chip runs. No 64-bit multiply
 * in here: that would call this function. */
static uint32_t hsk_mulhu(uint32_t a, uint32_t b)
{
    uint32_t al = a & 0xFFFFu, ah = a >> 16, bl = b & 0xFFFFu, bh = b >> 16;
    /* opaque halves: clang recognises the textbook multiply-high and turns it back into a
     * 64-bit multiply, that is, a call of __muldi3 from inside __muldi3 */
    __asm__("" : "+r"(ah), "+r"(bh));
    uint32_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
    uint32_t mid = (ll >> 16) + (lh & 0xFFFFu) + (hl & 0xFFFFu);
    return hh + (lh >> 16) + (hl >> 16) + (mid >> 16);
}

typedef union {
    long long s;
    struct {
        uint32_t lo, hi; /* little-endian */
    } w;
} hsk_dbits;

long long __muldi3(long long a, long long b)
{
    hsk_dbits x, y, r;
    x.s = a;
    y.s = b;
    r.w.lo = x.w.lo * y.w.lo;
    r.w.hi = hsk_mulhu(x.w.lo, y.w.lo) + x.w.lo * y.w.hi + x.w.hi * y.w.lo;
    return r.s;
}

typedef union {
    float f;
    uint32_t u;
} hsk_fbits;

static float hsk_from_bits(uint32_t u)
{
    hsk_fbits b;
    b.u = u;
    return b.f;
}

static uint32_t hsk_bits(float f)
{
    hsk_fbits b;
    b.f = f;
    return b.u;
}

#define HSK_QNAN 0x7FC00000u
#define HSK_INF 0x7F800000u
#define HSK_SIGN 0x80000000u

/* A finite nonzero operand as significand m in [2^23, 2^24) and unbiased-by-127 exponent e
 * (value = m * 2^(e - 127 - 23)); subnormals are normalised. */
static uint32_t hsk_unpack(uint32_t x, int *e)
{
    uint32_t m = x & 0x7FFFFFu;
    int exp = (int)((x >> 23) & 0xFFu);
    if (exp == 0) {
        exp = 1;
        while (!(m & 0x800000u)) {
            m <<= 1;
            exp--;
        }
    } else {
        m |= 0x800000u;
    }
    *e = exp;
    return m;
}

float __divsf3(float a, float b)
{
    uint32_t ua = hsk_bits(a), ub = hsk_bits(b), sign = (ua ^ ub) & HSK_SIGN;
    uint32_t xa = ua & ~HSK_SIGN, xb = ub & ~HSK_SIGN, ma, mb, q = 0, r, half, rest, m, out;
    int ea, eb, e, sh, i;
    if (xa > HSK_INF || xb > HSK_INF) /* NaN in, quiet NaN out */
        return hsk_from_bits((xa > HSK_INF ? ua : ub) | 0x400000u);
    if (xa == HSK_INF)
        return hsk_from_bits(xb == HSK_INF ? HSK_QNAN : sign | HSK_INF);
    if (xb == HSK_INF)
        return hsk_from_bits(sign);
    if (xb == 0)
        return hsk_from_bits(xa == 0 ? HSK_QNAN : sign | HSK_INF);
    if (xa == 0)
        return hsk_from_bits(sign);
    ma = hsk_unpack(xa, &ea);
    mb = hsk_unpack(xb, &eb);
    e = ea - eb + 127; /* biased exponent of the quotient when ma >= mb */
    if (ma < mb) {
        ma <<= 1;
        e--;
    }
    /* 26 quotient bits of ma/mb in [1, 2): q in [2^25, 2^26), the remainder is the sticky bit */
    r = ma;
    for (i = 0; i < 26; i++) {
        q <<= 1;
        if (r >= mb) {
            r -= mb;
            q |= 1;
        }
        r <<= 1;
    }
    if (e >= 255)
        return hsk_from_bits(sign | HSK_INF);
    /* value = q * 2^(e - 152); the result's unit is 2^(e - 150) when normal, 2^-149 below */
    sh = e >= 1 ? 2 : 3 - e;
    if (sh > 27)
        sh = 27; /* below half the smallest subnormal: rounds to zero */
    m = q >> sh;
    rest = q & ((1u << sh) - 1u);
    half = 1u << (sh - 1);
    if (rest > half || (rest == half && (r != 0 || (m & 1u))))
        m++;
    /* a carry out of the significand steps the exponent, up to infinity if need be */
    out = e >= 1 ? ((uint32_t)(e - 1) << 23) + m : m;
    return hsk_from_bits(sign | (out >= HSK_INF ? HSK_INF : out));
}

float roundf(float x)
{
    uint32_t u = hsk_bits(x), frac;
    int e = (int)((u >> 23) & 0xFFu) - 127;
    if (e >= 23) /* already integral, or inf/NaN */
        return x;
    if (e < 0) /* |x| < 1: +-1 from one half up, +-0 below */
        return hsk_from_bits((u & HSK_SIGN) | (e == -1 ? 0x3F800000u : 0u));
    frac = 0x7FFFFFu >> e;
    if ((u & frac) == 0)
        return x;
    u += 0x400000u >> e; /* add one half; a carry rounds up into the exponent */
    return hsk_from_bits(u & ~frac);
}

float expf(float x)
{
    /* ln 2 = LN2_HI + LN2_LO; LN2_HI has 15 significant bits, so k * LN2_HI is exact */
    const float LN2_HI = 6.93145751953125e-01f, LN2_LO = 1.42860682e-06f, LOG2E = 1.44269504f;
    uint32_t ax = hsk_bits(x) & ~HSK_SIGN;
    float kf, r, p, y;
    int k;
    if (ax > HSK_INF)
        return x + x;
    if (x > 88.7228317f)
        return hsk_from_bits(HSK_INF);
    if (x < -103.972084f)
        return 0.0f;
    if (ax < 0x31800000u) /* |x| < 2^-28: 1 + x rounds to the answer */
        return 1.0f + x;
    kf = x * LOG2E;
    /* round half away from zero, the half's sign taken from kf's bits: clang 22's Xtensa
     * back end cannot select a choice between two float constants (kf < 0 ? -0.5 : 0.5) */
    k = (int)(kf + hsk_from_bits(0x3F000000u | (hsk_bits(kf) & HSK_SIGN)));
    r = (x - (float)k * LN2_HI) - (float)k * LN2_LO; /* |r| <= ln2/2 (and a little) */
    p = r * r *
        (0.5f + r * (1.66666672e-01f + r * (4.16666679e-02f + r * (8.33333377e-03f +
                                                                   r * (1.38888892e-03f + r * 1.98412701e-04f)))));
    y = 1.0f + (r + p);
    /* y * 2^k in two exact steps where 2^k alone is not a normal float */
    if (k > 127)
        return y * 2.0f * hsk_from_bits(254u << 23);
    if (k < -125)
        return y * hsk_from_bits((uint32_t)(k + 64 + 127) << 23) * hsk_from_bits((127u - 64u) << 23);
    return y * hsk_from_bits((uint32_t)(k + 127) << 23);
}

float tanhf(float x)
{
    uint32_t u = hsk_bits(x), ax = u & ~HSK_SIGN;
    float a = hsk_from_bits(ax), t;
    if (ax > HSK_INF)
        return x + x;
    if (ax < 0x39800000u) /* |x| < 2^-12: x^3/3 is below half a step of x */
        return x;
    if (ax >= 0x41200000u) { /* |x| >= 10: 1 - tanh|x| < 2^-28 */
        t = 1.0f;
    } else if (ax >= 0x3F200000u) { /* |x| >= 0.625: no cancellation in 1 - q, q <= 0.45 */
        t = 1.0f - 2.0f / (expf(2.0f * a) + 1.0f);
    } else { /* sinh/cosh by their series: both converge fast for |x| < 0.625 */
        float a2 = a * a;
        float s = a + a * a2 *
                          (1.66666672e-01f +
                           a2 * (8.33333377e-03f + a2 * (1.98412701e-04f + a2 * (2.75573188e-06f + a2 * 2.50521079e-08f))));
        float c = 1.0f + a2 * (0.5f + a2 * (4.16666679e-02f +
                                           a2 * (1.38888892e-03f + a2 * (2.48015876e-05f + a2 * 2.75573188e-07f))));
        t = s / c;
    }
    return (u & HSK_SIGN) ? -t : t;
}
