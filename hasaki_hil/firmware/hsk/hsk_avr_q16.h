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

/* S = sum_i 256 (h_i - q_i)^2 + (l_i - q_i)^2 over n (1..255) inputs, q in flash. |x - q| <= 255
 * indexes the table: the h step adds its square at byte 1 starting on the low page, the l step
 * at byte 0 starting on the high one, so Z's page moves twice per input, not four times. */
static __attribute__((noinline)) HSK_UNUSED uint32_t hsk_sqdist16(const int8_t *hl, const int8_t *q, uint8_t n)
{
    register uint32_t s __asm__("r22");
    register const int8_t *w __asm__("r18") = q;
    __asm__(
        "clr  %A[s]                  \n\t"
        "clr  %B[s]                  \n\t"
        "clr  %C[s]                  \n\t"
        "clr  %D[s]                  \n\t"
        "0:                          \n\t"
        "movw r30, %[w]              \n\t"
        "lpm  r20, Z+                \n\t" /* q_i */
        "movw %[w], r30              \n\t"
        "ldi  r31, hi8(%[tab])       \n\t"
        "ld   r30, X+                \n\t" /* h_i - q_i: its sign from N xor V */
        "sub  r30, r20               \n\t"
        "brge 1f                     \n\t"
        "neg  r30                    \n\t"
        "1:                          \n\t"
        "lpm  __tmp_reg__, Z         \n\t"
        "inc  r31                    \n\t"
        "add  %B[s], __tmp_reg__     \n\t"
        "lpm  __tmp_reg__, Z         \n\t"
        "adc  %C[s], __tmp_reg__     \n\t"
        "adc  %D[s], __zero_reg__    \n\t"
        "ld   r30, X+                \n\t" /* l_i - q_i */
        "sub  r30, r20               \n\t"
        "brge 2f                     \n\t"
        "neg  r30                    \n\t"
        "2:                          \n\t"
        "lpm  r21, Z                 \n\t"
        "dec  r31                    \n\t"
        "lpm  __tmp_reg__, Z         \n\t"
        "add  %A[s], __tmp_reg__     \n\t"
        "adc  %B[s], r21             \n\t"
        "adc  %C[s], __zero_reg__    \n\t"
        "adc  %D[s], __zero_reg__    \n\t"
        "dec  %[n]                   \n\t"
        "brne 0b                     \n\t"
        : [s] "=&r"(s), [w] "+r"(w), [n] "+r"(n), "+x"(hl)
        : [tab] "i"(hsk_sq)
        : "r20", "r21", "r30", "r31", "memory");
    return s;
}

#endif /* HSK_AVR_Q16_H */
