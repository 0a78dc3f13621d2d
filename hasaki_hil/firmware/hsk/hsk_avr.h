/* Integer kernels for AVR cores without a hardware multiplier (ATtiny85, avr25).
 *
 * Included by hsk_runtime.h; provides hsk_dot8 and hsk_requantize with exactly the
 * semantics of the generic versions there (and of hasaki_hil/qmath.py), in assembly:
 * compiled C spends most of its cycles moving 16- and 32-bit values between registers.
 * Both take their operands where the calling convention puts them and use only registers
 * a caller need not preserve, so a call costs no pushes. tests/test_avr_kernels.py checks
 * them against Python's integers in simavr.
 */
#ifndef HSK_AVR_H
#define HSK_AVR_H

/* Quarter squares: for integers a, b, 2ab = 2 floor((a+b)^2/4) - 2 floor((a-b)^2/4).
 * hsk_qsq holds 2 floor((i-256)^2/4) for i = 0..511 (at most 2^15), low bytes in [0, 512)
 * and high bytes in [512, 1024), page aligned: with a' = a+128 and b' = b+128 the sum term
 * sits at index a'+b' and the difference term at b'-a'+256, so an index is one 8-bit add
 * or subtract whose carry moves the high address byte, and the high byte is two pages on.
 * Doubled so that an input of -128 adds -256 q: a subtract at byte 1, no table. In a
 * section of its own (still flash), so its alignment pads only itself. */
#define HSK_QSQ(i) (2 * ((((long)(i)-256) * ((long)(i)-256)) / 4))
#define HSK_QSQ1(i, sh) (uint8_t)((HSK_QSQ(i) >> (sh)) & 0xFF)
#define HSK_QSQ2(i, sh) HSK_QSQ1(i, sh), HSK_QSQ1((i) + 1, sh)
#define HSK_QSQ4(i, sh) HSK_QSQ2(i, sh), HSK_QSQ2((i) + 2, sh)
#define HSK_QSQ8(i, sh) HSK_QSQ4(i, sh), HSK_QSQ4((i) + 4, sh)
#define HSK_QSQ16(i, sh) HSK_QSQ8(i, sh), HSK_QSQ8((i) + 8, sh)
#define HSK_QSQ32(i, sh) HSK_QSQ16(i, sh), HSK_QSQ16((i) + 16, sh)
#define HSK_QSQ64(i, sh) HSK_QSQ32(i, sh), HSK_QSQ32((i) + 32, sh)
#define HSK_QSQ128(i, sh) HSK_QSQ64(i, sh), HSK_QSQ64((i) + 64, sh)
#define HSK_QSQ256(i, sh) HSK_QSQ128(i, sh), HSK_QSQ128((i) + 128, sh)
static const uint8_t hsk_qsq[1024] HSK_UNUSED __attribute__((section(".progmem.hsk_qsq"), aligned(256))) = {
    HSK_QSQ256(0, 0), HSK_QSQ256(256, 0), HSK_QSQ256(0, 8), HSK_QSQ256(256, 8)
};

/* 2 q x for an input other than -128, added to r22..r24: a' in r21, the weight pointer in
 * r18:r19, b' in r25. */
#define HSK_DOT_TERM                                                   \
    "movw r30, r18               \n\t"                                 \
    "lpm  r25, Z+                \n\t"                                 \
    "movw r18, r30               \n\t"                                 \
    "subi r25, 0x80              \n\t"                                 \
    "mov  r30, r21               \n\t" /* + 2 floor((a+b)^2/4) */      \
    "ldi  r31, hi8(%[tab])       \n\t"                                 \
    "add  r30, r25               \n\t"                                 \
    "adc  r31, __zero_reg__      \n\t"                                 \
    "lpm  __tmp_reg__, Z         \n\t"                                 \
    "subi r31, -2                \n\t" /* before the add: it sets C */ \
    "add  r22, __tmp_reg__       \n\t"                                 \
    "lpm  __tmp_reg__, Z         \n\t"                                 \
    "adc  r23, __tmp_reg__       \n\t"                                 \
    "adc  r24, __zero_reg__      \n\t"                                 \
    "mov  r30, r25               \n\t" /* - 2 floor((a-b)^2/4) */      \
    "ldi  r31, hi8(%[tab] + 256) \n\t"                                 \
    "sub  r30, r21               \n\t"                                 \
    "sbci r31, 0                 \n\t"                                 \
    "lpm  __tmp_reg__, Z         \n\t"                                 \
    "subi r31, -2                \n\t"                                 \
    "sub  r22, __tmp_reg__       \n\t"                                 \
    "lpm  __tmp_reg__, Z         \n\t"                                 \
    "sbc  r23, __tmp_reg__       \n\t"                                 \
    "sbc  r24, __zero_reg__      \n\t"
/* 2 q x = -256 q for an input of -128 (the zero point after relu, and of inputs that
 * are never negative: common), subtracted at byte 1. */
#define HSK_DOT_ZP_TERM                 \
    "movw r30, r18               \n\t"  \
    "lpm  __tmp_reg__, Z+        \n\t"  \
    "movw r18, r30               \n\t"  \
    "sub  r23, __tmp_reg__       \n\t"  \
    "sbc  r24, __zero_reg__      \n\t"  \
    "sbrc __tmp_reg__, 7         \n\t"  \
    "inc  r24                    \n\t"

static __attribute__((noinline)) int32_t hsk_dot8_long(const int8_t *x, const int8_t *q, uint16_t n);

/* sum_i q[i] * x[i], doubled in 24 bits (r22..r24) over up to 255 terms (|2 dot| <= 510 *
 * 2^14), two terms per pass (r20 counts the passes); longer sums go in pieces. */
static __attribute__((noinline)) HSK_UNUSED int32_t hsk_dot8(const int8_t *x, const int8_t *q, uint16_t n)
{
    register int32_t acc __asm__("r22");
    register const int8_t *w __asm__("r18") = q;
    register uint8_t passes __asm__("r20") = (uint8_t)n;
    if (n > 255)
        return hsk_dot8_long(x, q, n);
    __asm__(
        "clr  r22                    \n\t"
        "clr  r23                    \n\t"
        "clr  r24                    \n\t"
        "dec  %[n]                   \n\t" /* (n - 1) / 2 passes after the first, */
        "lsr  %[n]                   \n\t" /* which starts at its second term if n is odd */
        "brcc 2f                     \n\t"
        "rjmp 1f                     \n\t"
        "3:                          \n\t"
        HSK_DOT_ZP_TERM
        "rjmp 2f                     \n\t"
        "4:                          \n\t"
        HSK_DOT_ZP_TERM
        "dec  %[n]                   \n\t"
        "brpl 1f                     \n\t"
        "rjmp 5f                     \n\t"
        "1:                          \n\t"
        "ld   r21, X+                \n\t"
        "subi r21, 0x80              \n\t"
        "breq 3b                     \n\t"
        HSK_DOT_TERM
        "2:                          \n\t"
        "ld   r21, X+                \n\t"
        "subi r21, 0x80              \n\t"
        "breq 4b                     \n\t"
        HSK_DOT_TERM
        "dec  %[n]                   \n\t"
        "brpl 1b                     \n\t"
        "5:                          \n\t" /* halve, sign-extend */
        "mov  r25, r24               \n\t"
        "lsl  r25                    \n\t"
        "sbc  r25, r25               \n\t"
        "asr  r24                    \n\t"
        "ror  r23                    \n\t"
        "ror  r22                    \n\t"
        : "=&r"(acc), "+r"(w), [n] "+r"(passes), "+x"(x)
        : [tab] "i"(hsk_qsq)
        : "r21", "r30", "r31", "memory");
    return acc;
}

static int32_t hsk_dot8_long(const int8_t *x, const int8_t *q, uint16_t n)
{
    int32_t acc = 0;
    do {
        acc += hsk_dot8(x, q, 255);
        x += 255;
        q += 255;
        n -= 255;
    } while (n > 255);
    return acc + hsk_dot8(x, q, n);
}

/* (acc * m + 2^(s-1)) >> s with an arithmetic (floor) shift, for 16 <= s <= 62 and
 * m < 2^15. Shift-and-add over the 15 bits of m (a copy in r19:r0), the sum t shifted right
 * after each bit, on u = acc + 2^23 when acc fits 24 bits (most do; unrolled) and on
 * u = acc + 2^31 otherwise (rolled). u is unsigned, so t stays as wide as u, the carry of
 * each add going back in at the top, and ends as floor(u m / 2^15). Then q = floor(acc m /
 * 2^15) = t - 2^8 m (or t - 2^16 m), and the result is q shifted right by s - 15 plus the
 * last bit shifted out. t and q live in r26 r27 r30 r31. */
#define HSK_RQ_BIT(r)                  \
    "lsr  " r "                  \n\t" \
    "brcc .+6                    \n\t" \
    "add  r26, %A[acc]           \n\t" \
    "adc  r27, %B[acc]           \n\t" \
    "adc  r30, %C[acc]           \n\t" \
    "ror  r30                    \n\t" \
    "ror  r27                    \n\t" \
    "ror  r26                    \n\t"
#define HSK_RQ_BIT4(r) HSK_RQ_BIT(r) HSK_RQ_BIT(r) HSK_RQ_BIT(r) HSK_RQ_BIT(r)

static __attribute__((noinline)) HSK_UNUSED int32_t hsk_requantize(int32_t acc, uint16_t m, uint8_t s)
{
    register int32_t a __asm__("r22") = acc;
    register uint16_t mm __asm__("r20") = m;
    register uint8_t n __asm__("r18") = s;
    __asm__(
        "clr  r26                    \n\t"
        "clr  r27                    \n\t"
        "clr  r30                    \n\t"
        "mov  r19, %A[m]             \n\t"
        "mov  __tmp_reg__, %B[m]     \n\t"
        "mov  r31, %C[acc]           \n\t" /* does acc fit 24 bits? */
        "lsl  r31                    \n\t"
        "sbc  r31, r31               \n\t"
        "cp   r31, %D[acc]           \n\t"
        "breq 2f                     \n\t"
        "subi %D[acc], 0x80          \n\t" /* no: 32 bits, rolled; r19:r0 is 1 after bit 14 */
        "clr  r31                    \n\t"
        "set                         \n\t"
        "bld  __tmp_reg__, 7         \n\t"
        "1:                          \n\t"
        "lsr  __tmp_reg__            \n\t"
        "ror  r19                    \n\t"
        "brcc .+8                    \n\t"
        "add  r26, %A[acc]           \n\t"
        "adc  r27, %B[acc]           \n\t"
        "adc  r30, %C[acc]           \n\t"
        "adc  r31, %D[acc]           \n\t"
        "ror  r31                    \n\t"
        "ror  r30                    \n\t"
        "ror  r27                    \n\t"
        "ror  r26                    \n\t"
        "cpi  r19, 1                 \n\t"
        "cpc  __tmp_reg__, __zero_reg__ \n\t"
        "brne 1b                     \n\t"
        "sub  r30, %A[m]             \n\t"
        "sbc  r31, %B[m]             \n\t"
        "rjmp 3f                     \n\t"
        "2:                          \n\t"
        "subi %C[acc], 0x80          \n\t"
        HSK_RQ_BIT4("r19") HSK_RQ_BIT4("r19")
        HSK_RQ_BIT4("__tmp_reg__") HSK_RQ_BIT("__tmp_reg__") HSK_RQ_BIT("__tmp_reg__")
        HSK_RQ_BIT("__tmp_reg__")
        "sub  r27, %A[m]             \n\t"
        "sbc  r30, %B[m]             \n\t"
        "mov  r31, r30               \n\t"
        "lsl  r31                    \n\t"
        "sbc  r31, r31               \n\t"
        "3:                          \n\t" /* n = s - 15 */
        "subi %[n], 15               \n\t"
        "rjmp 5f                     \n\t"
        "4:                          \n\t" /* whole bytes while n > 8 */
        "mov  r26, r27               \n\t"
        "mov  r27, r30               \n\t"
        "mov  r30, r31               \n\t"
        "lsl  r31                    \n\t"
        "sbc  r31, r31               \n\t"
        "subi %[n], 8                \n\t"
        "5:                          \n\t"
        "cpi  %[n], 9                \n\t"
        "brsh 4b                     \n\t"
        "cpi  %[n], 5                \n\t"
        "brsh 7f                     \n\t"
        "6:                          \n\t" /* n <= 4: n shifts right */
        "asr  r31                    \n\t"
        "ror  r30                    \n\t"
        "ror  r27                    \n\t"
        "ror  r26                    \n\t"
        "dec  %[n]                   \n\t"
        "brne 6b                     \n\t"
        "adc  r26, __zero_reg__      \n\t"
        "adc  r27, __zero_reg__      \n\t"
        "adc  r30, __zero_reg__      \n\t"
        "adc  r31, __zero_reg__      \n\t"
        "movw %A[acc], r26           \n\t"
        "movw %C[acc], r30           \n\t"
        "rjmp 10f                    \n\t"
        "7:                          \n\t" /* n >= 5: 8 - n shifts left into r0, drop r26 */
        "mov  __tmp_reg__, r31       \n\t"
        "lsl  __tmp_reg__            \n\t"
        "sbc  __tmp_reg__, __tmp_reg__ \n\t"
        "subi %[n], 8                \n\t"
        "breq 9f                     \n\t"
        "8:                          \n\t"
        "lsl  r26                    \n\t"
        "rol  r27                    \n\t"
        "rol  r30                    \n\t"
        "rol  r31                    \n\t"
        "rol  __tmp_reg__            \n\t"
        "inc  %[n]                   \n\t"
        "brne 8b                     \n\t"
        "9:                          \n\t"
        "lsl  r26                    \n\t" /* C: the highest bit dropped */
        "mov  %A[acc], r27           \n\t"
        "mov  %B[acc], r30           \n\t"
        "mov  %C[acc], r31           \n\t"
        "mov  %D[acc], __tmp_reg__   \n\t"
        "adc  %A[acc], __zero_reg__  \n\t"
        "adc  %B[acc], __zero_reg__  \n\t"
        "adc  %C[acc], __zero_reg__  \n\t"
        "adc  %D[acc], __zero_reg__  \n\t"
        "10:                         \n\t"
        : [acc] "+r"(a), [n] "+d"(n)
        : [m] "r"(mm)
        : "r19", "r26", "r27", "r30", "r31");
    return a;
}

/* hsk_dense_q inlined at each layer: with its arguments constant the loop keeps its state
 * in the registers the kernel calls leave alone, instead of spilling it around them. */
#define HSK_DENSE_Q_ATTR inline __attribute__((always_inline))

#endif /* HSK_AVR_H */
