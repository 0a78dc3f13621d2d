/* The ATtiny (no multiplier) part of hsk_q16.h: an int8x16 row as one table walk.
 *
 * With the inputs split into planes, v - 128 = 256 h + l (hsk_q16.h), and
 * 2 q x = x^2 + q^2 - (x - q)^2 for each plane:
 *   2 sum_i q_i (v_i - 128) = X2 + E - S,
 *   S  = sum_i 256 (h_i - q_i)^2 + (l_i - q_i)^2   (hsk_sqdist16: one pass over the row),
 *   X2 = sum_i 256 h_i^2 + l_i^2                    (the same pass with q = 0, once per layer),
 *   E  = 257 sum_i q_i^2                            (a constant per row, generated: NAME_sq).
 * So a 16x8 product costs two lookups in the table of squares (hsk_avr_sq.h) and no
 * multiply; S < 2^32 and |X2 + E - S| < 2^31 for up to HSK_Q16_SQ_MAX_IN inputs, and
 * X2 + E - S is even, so halving it is exact. Included by hsk_q16.h only.
 */
#ifndef HSK_AVR_Q16_H
#define HSK_AVR_Q16_H

#include "hsk_avr_sq.h"

#define HSK_Q16_SQ_MAX_IN 64 /* hasaki_hil/codegen/q16.py SQ_MAX_IN: S and the zero row below */
static const int8_t hsk_q16_zero[HSK_Q16_SQ_MAX_IN] HSK_FLASH HSK_UNUSED = {0};

/* One input's two lookups, its weight in register w: the h step adds (h - q)^2 at byte 1,
 * starting on the table's low page and ending on the high one; the l step adds (l - q)^2 at
 * byte 0 the other way round, so Z's page moves twice per input, not four times. The sign of
 * x - q comes from N xor V (brge), and |x - q| <= 255 indexes the table. */
#define HSK_SQ16_HI(w)                       \
    "ld   r30, X+                \n\t"      \
    "sub  r30, " w "             \n\t"      \
    "brge 1f                     \n\t"      \
    "neg  r30                    \n\t"      \
    "1:                          \n\t"      \
    "lpm  __tmp_reg__, Z         \n\t"      \
    "inc  r31                    \n\t"      \
    "add  %B[s], __tmp_reg__     \n\t"      \
    "lpm  __tmp_reg__, Z         \n\t"      \
    "adc  %C[s], __tmp_reg__     \n\t"      \
    "adc  %D[s], __zero_reg__    \n\t"
#define HSK_SQ16_LO(w)                       \
    "ld   r30, X+                \n\t"      \
    "sub  r30, " w "             \n\t"      \
    "brge 1f                     \n\t"      \
    "neg  r30                    \n\t"      \
    "1:                          \n\t"      \
    "lpm  r21, Z                 \n\t"      \
    "dec  r31                    \n\t"      \
    "lpm  __tmp_reg__, Z         \n\t"      \
    "add  %A[s], __tmp_reg__     \n\t"      \
    "adc  %B[s], r21             \n\t"      \
    "adc  %C[s], __zero_reg__    \n\t"      \
    "adc  %D[s], __zero_reg__    \n\t"

/* S = sum_i 256 (h_i - q_i)^2 + (l_i - q_i)^2 over n (1..255) inputs, q in flash: an odd input
 * first, then two per pass (both weights fetched in one visit of Z to the row). */
static __attribute__((noinline)) HSK_UNUSED uint32_t hsk_sqdist16(const int8_t *hl, const int8_t *q, uint8_t n)
{
    register uint32_t s __asm__("r22");
    register const int8_t *w __asm__("r18") = q;
    uint8_t qb;
    __asm__(
        "clr  %A[s]                  \n\t"
        "clr  %B[s]                  \n\t"
        "clr  %C[s]                  \n\t"
        "clr  %D[s]                  \n\t"
        "lsr  %[n]                   \n\t" /* pairs; C: an odd input */
        "brcc 2f                     \n\t"
        "movw r30, %[w]              \n\t"
        "lpm  r20, Z+                \n\t"
        "movw %[w], r30              \n\t"
        "ldi  r31, hi8(%[tab])       \n\t"
        HSK_SQ16_HI("r20") HSK_SQ16_LO("r20")
        "2:                          \n\t"
        "tst  %[n]                   \n\t"
        "breq 4f                     \n\t"
        "3:                          \n\t"
        "movw r30, %[w]              \n\t"
        "lpm  r20, Z+                \n\t"
        "lpm  %[qb], Z+              \n\t"
        "movw %[w], r30              \n\t"
        "ldi  r31, hi8(%[tab])       \n\t"
        HSK_SQ16_HI("r20") HSK_SQ16_LO("r20") HSK_SQ16_HI("%[qb]") HSK_SQ16_LO("%[qb]")
        "dec  %[n]                   \n\t"
        "brne 3b                     \n\t"
        "4:                          \n\t"
        : [s] "=&r"(s), [w] "+r"(w), [n] "+r"(n), "+x"(hl), [qb] "=&r"(qb)
        : [tab] "i"(hsk_sq)
        : "r20", "r21", "r30", "r31", "memory");
    return s;
}

#endif /* HSK_AVR_Q16_H */
