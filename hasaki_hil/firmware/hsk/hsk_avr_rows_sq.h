/* The ATtiny (no multiplier) part of hsk_avr_rows.h: the table of squares, X2 once per
 * layer, one row, the layer body. Included by hsk_avr_rows.h only. */
#ifndef HSK_AVR_ROWS_SQ_H
#define HSK_AVR_ROWS_SQ_H

#include "hsk_avr_sq.h" /* hsk_sq */

/* X2 (r4:r3:r2) += x^2, |x| indexing the table: A steps start on the low page and end on
 * the high one, B steps the other way round, so a pair switches pages twice, not four times. */
#define HSK_REC_X2_A                  \
    "ld   r30, X+                \n\t" \
    "sbrc r30, 7                 \n\t" \
    "neg  r30                    \n\t" \
    "lpm  __tmp_reg__, Z         \n\t" \
    "inc  r31                    \n\t" \
    "add  r2, __tmp_reg__        \n\t" \
    "lpm  __tmp_reg__, Z         \n\t" \
    "adc  r3, __tmp_reg__        \n\t" \
    "adc  r4, __zero_reg__       \n\t"
#define HSK_REC_X2_B                  \
    "ld   r30, X+                \n\t" \
    "sbrc r30, 7                 \n\t" \
    "neg  r30                    \n\t" \
    "lpm  r19, Z                 \n\t" \
    "dec  r31                    \n\t" \
    "lpm  __tmp_reg__, Z         \n\t" \
    "add  r2, __tmp_reg__        \n\t" \
    "adc  r3, r19                \n\t" \
    "adc  r4, __zero_reg__       \n\t"

/* Once per layer: X2 = sum x^2 over its inputs; Z keeps the records in r21:r20 meanwhile. */
#define HSK_REC_LAYER_START                                          \
    "clr  r2                     \n\t"                               \
    "clr  r3                     \n\t"                               \
    "clr  r4                     \n\t"                               \
    "movw r20, r30               \n\t"                               \
    "movw r26, %[x]              \n\t"                               \
    "ldi  r31, hi8(%[tab])       \n\t"                               \
    ".rept %[n] / 2              \n\t" HSK_REC_X2_A HSK_REC_X2_B     \
    ".endr                       \n\t"                               \
    ".rept %[n] - %[n] / 2 * 2   \n\t" HSK_REC_X2_A ".endr       \n\t" \
    "movw r30, r20               \n\t"

/* acc (r7:r6:r5) -= (x - q)^2, |x - q| (<= 255) indexing the table, q in the register
 * named; A and B steps switch pages as above. */
#define HSK_REC_SQ_A(w)               \
    "ld   r30, X+                \n\t" \
    "sub  r30, " w "             \n\t" \
    "brge 1f                     \n\t" \
    "neg  r30                    \n\t" \
    "1:                          \n\t" \
    "lpm  __tmp_reg__, Z         \n\t" \
    "inc  r31                    \n\t" \
    "sub  r5, __tmp_reg__       \n\t" \
    "lpm  __tmp_reg__, Z         \n\t" \
    "sbc  r6, __tmp_reg__       \n\t" \
    "sbc  r7, __zero_reg__      \n\t"
#define HSK_REC_SQ_B(w)               \
    "ld   r30, X+                \n\t" \
    "sub  r30, " w "             \n\t" \
    "brge 1f                     \n\t" \
    "neg  r30                    \n\t" \
    "1:                          \n\t" \
    "lpm  r19, Z                 \n\t" \
    "dec  r31                    \n\t" \
    "lpm  __tmp_reg__, Z         \n\t" \
    "sub  r5, __tmp_reg__       \n\t" \
    "sbc  r6, r19               \n\t" \
    "sbc  r7, __zero_reg__      \n\t"
/* Eight or four weights per trip of Z to the records (kept in r21:r20 meanwhile), then one
 * at a time. */
#define HSK_REC_SQ8                                                                  \
    "lpm  r22, Z+                \n\t"                                               \
    "lpm  r23, Z+                \n\t"                                               \
    "lpm  r24, Z+                \n\t"                                               \
    "lpm  r25, Z+                \n\t"                                               \
    "lpm  r16, Z+                \n\t"                                               \
    "lpm  r17, Z+                \n\t"                                               \
    "lpm  r18, Z+                \n\t"                                               \
    "lpm  r8, Z+                 \n\t"                                               \
    "movw r20, r30               \n\t"                                               \
    "ldi  r31, hi8(%[tab])       \n\t"                                               \
    HSK_REC_SQ_A("r22") HSK_REC_SQ_B("r23") HSK_REC_SQ_A("r24") HSK_REC_SQ_B("r25") \
    HSK_REC_SQ_A("r16") HSK_REC_SQ_B("r17") HSK_REC_SQ_A("r18") HSK_REC_SQ_B("r8")  \
    "movw r30, r20               \n\t"
#define HSK_REC_SQ4                                                                  \
    "lpm  r22, Z+                \n\t"                                               \
    "lpm  r23, Z+                \n\t"                                               \
    "lpm  r24, Z+                \n\t"                                               \
    "lpm  r25, Z+                \n\t"                                               \
    "movw r20, r30               \n\t"                                               \
    "ldi  r31, hi8(%[tab])       \n\t"                                               \
    HSK_REC_SQ_A("r22") HSK_REC_SQ_B("r23") HSK_REC_SQ_A("r24") HSK_REC_SQ_B("r25") \
    "movw r30, r20               \n\t"
#define HSK_REC_SQ1                   \
    "lpm  r22, Z+                \n\t" \
    "movw r20, r30               \n\t" \
    "ldi  r31, hi8(%[tab])       \n\t" \
    HSK_REC_SQ_A("r22")               \
    "movw r30, r20               \n\t"

/* One signed shift-and-add step: t (r24:r23:r22) = floor((t + bit * a2) / 2), a2 in
 * r7:r6:r5 (|a2| < 2^22, so no sum leaves 24 bits), the bit shifted out of reg. */
#define HSK_REC_BIT(reg)              \
    "lsr  " reg "                \n\t" \
    "brcc .+6                    \n\t" \
    "add  r22, r5               \n\t" \
    "adc  r23, r6               \n\t" \
    "adc  r24, r7               \n\t" \
    "asr  r24                    \n\t" \
    "ror  r23                    \n\t" \
    "ror  r22                    \n\t"
#define HSK_REC_BIT4(reg) HSK_REC_BIT(reg) HSK_REC_BIT(reg) HSK_REC_BIT(reg) HSK_REC_BIT(reg)
#define HSK_REC_SHR "asr r24 \n\t ror r23 \n\t ror r22 \n\t"

/* One row: a2 = d + X2 - sum (x - q)^2 = 2 acc; with a2 >> 8 below t0 the output is the lowest one;
 * else Q = floor(a2 m / 2^(15+r)) (the r shifts entered by a computed jump), V = Q >> 8l,
 * y = (V + 1) >> 1, saturated to 16 bits. */
#define HSK_REC_ROW_SQ                                                                   \
    "lpm  r5, Z+                \n\t"                                                   \
    "lpm  r6, Z+                \n\t"                                                   \
    "lpm  r7, Z+                \n\t"                                                   \
    "add  r5, r2                \n\t"                                                   \
    "adc  r6, r3                \n\t"                                                   \
    "adc  r7, r4                \n\t"                                                   \
    "movw r26, %[x]              \n\t"                                                   \
    ".rept %[n] / 8              \n\t" HSK_REC_SQ8 ".endr                    \n\t"       \
    ".rept %[n] / 4 - %[n] / 8 * 2 \n\t" HSK_REC_SQ4 ".endr                  \n\t"       \
    ".rept %[n] - %[n] / 4 * 4   \n\t" HSK_REC_SQ1 ".endr                    \n\t"       \
    "lpm  r19, Z+                \n\t" /* a2 >> 8 < t0: the lowest output */             \
    "cp   r6, r19               \n\t"                                                   \
    "lpm  r19, Z+                \n\t"                                                   \
    "cpc  r7, r19               \n\t"                                                   \
    "brge 1f                     \n\t"                                                   \
    "adiw r30, 4                 \n\t"                                                   \
    "ldi  r24, lo8(%[lo])        \n\t"                                                   \
    "rjmp 3f                     \n\t"                                                   \
    "1:                          \n\t"                                                   \
    "lpm  r19, Z+                \n\t" /* m */                                           \
    "lpm  r25, Z+                \n\t"                                                   \
    "clr  r22                    \n\t"                                                   \
    "clr  r23                    \n\t"                                                   \
    "clr  r24                    \n\t"                                                   \
    HSK_REC_BIT4("r19") HSK_REC_BIT4("r19")                                               \
    HSK_REC_BIT4("r25") HSK_REC_BIT("r25") HSK_REC_BIT("r25")                           \
    "add  r22, r5               \n\t" /* bit 14 of m: 1 (m = 0 takes l = 3) */          \
    "adc  r23, r6               \n\t"                                                   \
    "adc  r24, r7               \n\t"                                                   \
    HSK_REC_SHR                                                                          \
    "lpm  r19, Z+                \n\t" /* 3r: words of shifts to run */                  \
    "lpm  r25, Z+                \n\t" /* l */                                           \
    "movw r20, r30               \n\t"                                                   \
    "ldi  r30, pm_lo8(7f)        \n\t"                                                   \
    "ldi  r31, pm_hi8(7f)        \n\t"                                                   \
    "sub  r30, r19               \n\t"                                                   \
    "sbc  r31, __zero_reg__      \n\t"                                                   \
    "ijmp                        \n\t"                                                   \
    HSK_REC_SHR HSK_REC_SHR HSK_REC_SHR HSK_REC_SHR HSK_REC_SHR HSK_REC_SHR HSK_REC_SHR  \
    "7:                          \n\t"                                                   \
    "movw r30, r20               \n\t"                                                   \
    "cpi  r25, 1                 \n\t"                                                   \
    "breq 4f                     \n\t"                                                   \
    "brsh 5f                     \n\t"                                                   \
    "asr  r24                    \n\t" /* l = 0: y = (Q + 1) >> 1, 24 bits */            \
    "ror  r23                    \n\t"                                                   \
    "ror  r22                    \n\t"                                                   \
    "adc  r22, __zero_reg__      \n\t"                                                   \
    "adc  r23, __zero_reg__      \n\t"                                                   \
    "adc  r24, __zero_reg__      \n\t"                                                   \
    "mov  r25, r23               \n\t" /* fits 16 bits? */                               \
    "lsl  r25                    \n\t"                                                   \
    "sbc  r25, r25               \n\t"                                                   \
    "cp   r24, r25               \n\t"                                                   \
    "mov  r25, r23               \n\t"                                                   \
    "mov  r23, r24               \n\t"                                                   \
    "mov  r24, r22               \n\t"                                                   \
    "breq 8f                     \n\t"                                                   \
    "ldi  r24, 0xff              \n\t" /* saturate by the sign */                        \
    "ldi  r25, 0x7f              \n\t"                                                   \
    "sbrs r23, 7                 \n\t"                                                   \
    "rjmp 8f                     \n\t"                                                   \
    "ldi  r24, 0x00              \n\t"                                                   \
    "ldi  r25, 0x80              \n\t"                                                   \
    "rjmp 8f                     \n\t"                                                   \
    "4:                          \n\t" /* l = 1: V = Q >> 8 (16 bits) */                 \
    "asr  r24                    \n\t"                                                   \
    "ror  r23                    \n\t"                                                   \
    "adc  r23, __zero_reg__      \n\t"                                                   \
    "adc  r24, __zero_reg__      \n\t"                                                   \
    "mov  r25, r24               \n\t"                                                   \
    "mov  r24, r23               \n\t"                                                   \
    "rjmp 8f                     \n\t"                                                   \
    "5:                          \n\t"                                                   \
    "cpi  r25, 3                 \n\t"                                                   \
    "brsh 6f                     \n\t"                                                   \
    "clr  r25                    \n\t"                                                   \
    "asr  r24                    \n\t" /* l = 2: V = Q >> 16 (8 bits) */                 \
    "adc  r24, __zero_reg__      \n\t"                                                   \
    "sbrc r24, 7                 \n\t"                                                   \
    "com  r25                    \n\t"                                                   \
    "rjmp 8f                     \n\t"                                                   \
    "6:                          \n\t"                                                   \
    "clr  r24                    \n\t"                                                   \
    "clr  r25                    \n\t"                                                   \
    "8:                          \n\t" HSK_REC_FINISH

#define HSK_REC_BODY                                                                \
    "0:                          \n\t" HSK_REC_ROW_SQ                              \
    "dec  %[rows]                \n\t"                                              \
    "breq 9f                     \n\t"                                              \
    "rjmp 0b                     \n\t"                                              \
    "9:                          \n\t"
#define HSK_REC_LOOPS(n_out) (n_out)
#define HSK_REC_LOW_CLOBBERS "r2", "r3", "r4", "r5", "r6", "r7", "r8" /* X2, acc, a weight */
#define HSK_REC_TABLE_OPERAND [tab] "i"(hsk_sq)

#endif /* HSK_AVR_ROWS_SQ_H */
