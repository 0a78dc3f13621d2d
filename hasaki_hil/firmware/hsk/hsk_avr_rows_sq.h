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
    HSK_REC_LDX                                                       \
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

/* z = y - L from Q (r24:r23:r22) for byte shift l: y = (Q >> 8l + 1) >> 1, its rounding
 * carry and -L (nl = zp - lo, in r17:r16 when not zero, else the zero register) added in one
 * carry chain; leaves v = r22, hi = r23, sign = r24 for HSK_REC_INRANGE (l = 3: y = 0). */
#define HSK_REC_L0                                                                       \
    "asr  r24                    \n\t"                                                   \
    "ror  r23                    \n\t"                                                   \
    "ror  r22                    \n\t"                                                   \
    HSK_REC_ADC_NL("r22", "r16", "__zero_reg__") HSK_REC_ADC_NL("r23", "r17", "__zero_reg__") \
    HSK_REC_ADC_NL("r24", "r17", "__zero_reg__")
#define HSK_REC_L1                                                                       \
    "asr  r24                    \n\t"                                                   \
    "ror  r23                    \n\t"                                                   \
    HSK_REC_ADC_NL("r23", "r16", "__zero_reg__") HSK_REC_ADC_NL("r24", "r17", "__zero_reg__") \
    "mov  r22, r23               \n\t"                                                   \
    "clr  r23                    \n\t"
#define HSK_REC_L2                    /* y = (V + 1) >> 1 of 8-bit V fits 8 bits */      \
    "asr  r24                    \n\t"                                                   \
    "adc  r24, __zero_reg__      \n\t"                                                   \
    "mov  r22, r24               \n\t"                                                   \
    "lsl  r24                    \n\t"                                                   \
    "sbc  r24, r24               \n\t"                                                   \
    ".if %[nl]                   \n\t"                                                   \
    "add  r22, r16               \n\t"                                                   \
    "adc  r24, r17               \n\t"                                                   \
    ".endif                      \n\t"                                                   \
    "clr  r23                    \n\t"
#define HSK_REC_L3                                                                       \
    ".if %[nl]                   \n\t"                                                   \
    "movw r22, r16               \n\t"                                                   \
    "mov  r24, r23               \n\t"                                                   \
    "clr  r23                    \n\t"                                                   \
    ".else                       \n\t"                                                   \
    "clr  r22                    \n\t"                                                   \
    "clr  r23                    \n\t"                                                   \
    "clr  r24                    \n\t"                                                   \
    ".endif                      \n\t"

/* One row: a2 = d + X2 - sum (x - q)^2 = 2 acc; with a2 >> 16 below t0 >> 16 the output is
 * the lowest one; else Q = floor(a2 m / 2^(15+r)), V = Q >> 8l, y = (V + 1) >> 1, range
 * checked as z = y + zp - lo. r and l are the layer's immediates, or (-1) the bytes after m in
 * the record: r shifts entered by a computed jump, l dispatched. */
#define HSK_REC_ROW_SQ                                                                   \
    "lpm  r5, Z+                \n\t"                                                   \
    "lpm  r6, Z+                \n\t"                                                   \
    "lpm  r7, Z+                \n\t"                                                   \
    "add  r5, r2                \n\t"                                                   \
    "adc  r6, r3                \n\t"                                                   \
    "adc  r7, r4                \n\t"                                                   \
    HSK_REC_LDX                                                                           \
    ".rept %[n] / 8              \n\t" HSK_REC_SQ8 ".endr                    \n\t"       \
    ".rept %[n] / 4 - %[n] / 8 * 2 \n\t" HSK_REC_SQ4 ".endr                  \n\t"       \
    ".rept %[n] - %[n] / 4 * 4   \n\t" HSK_REC_SQ1 ".endr                    \n\t"       \
    "lpm  r19, Z+                \n\t" /* a2 >> 16 < t0 >> 16: the lowest output */      \
    "cp   r7, r19               \n\t"                                                   \
    "brge 1f                     \n\t"                                                   \
    "adiw r30, 2 - (%[r] < 0) - (%[l] < 0) \n\t" /* as: true is -1 */                                         \
    "ldi  r22, lo8(%[lo])        \n\t"                                                   \
    "rjmp 3f                     \n\t"                                                   \
    HSK_REC_OUT("r22", "r24")                                                            \
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
    ".if %[r] < 0                \n\t"                                                   \
    "lpm  r19, Z+                \n\t" /* 3r: words of shifts to run */                  \
    ".if %[l] < 0                \n\t"                                                   \
    "lpm  r25, Z+                \n\t" /* l */                                           \
    ".endif                      \n\t"                                                   \
    "movw r20, r30               \n\t"                                                   \
    "ldi  r30, pm_lo8(7f)        \n\t"                                                   \
    "ldi  r31, pm_hi8(7f)        \n\t"                                                   \
    "sub  r30, r19               \n\t"                                                   \
    "sbc  r31, __zero_reg__      \n\t"                                                   \
    "ijmp                        \n\t" /* r <= 15 (avr_rows.py MAX_R) */                \
    ".rept 15                    \n\t" HSK_REC_SHR ".endr \n\t"                          \
    "7:                          \n\t"                                                   \
    "movw r30, r20               \n\t"                                                   \
    ".else                       \n\t"                                                   \
    ".if %[l] < 0                \n\t"                                                   \
    "lpm  r25, Z+                \n\t" /* l */                                           \
    ".endif                      \n\t"                                                   \
    ".rept %[r]                  \n\t" HSK_REC_SHR ".endr \n\t"                          \
    ".endif                      \n\t"                                                   \
    ".if %[nl]                   \n\t"                                                   \
    "ldi  r16, lo8(%[nl])        \n\t"                                                   \
    "ldi  r17, hi8(%[nl])        \n\t"                                                   \
    ".endif                      \n\t"                                                   \
    ".if %[l] < 0                \n\t" /* l per row */                                   \
    "cpi  r25, 1                 \n\t"                                                   \
    "breq 11f                    \n\t"                                                   \
    "brsh 12f                    \n\t"                                                   \
    HSK_REC_L0                                                                           \
    "rjmp 10f                    \n\t"                                                   \
    "11:                         \n\t"                                                   \
    HSK_REC_L1                                                                           \
    "rjmp 10f                    \n\t"                                                   \
    "12:                         \n\t"                                                   \
    "cpi  r25, 3                 \n\t"                                                   \
    "brsh 13f                    \n\t"                                                   \
    HSK_REC_L2                                                                           \
    "rjmp 10f                    \n\t"                                                   \
    "13:                         \n\t"                                                   \
    HSK_REC_L3                                                                           \
    "10:                         \n\t"                                                   \
    ".elseif %[l] == 0           \n\t" HSK_REC_L0                                        \
    ".elseif %[l] == 1           \n\t" HSK_REC_L1                                        \
    ".elseif %[l] == 2           \n\t" HSK_REC_L2                                        \
    ".else                       \n\t" HSK_REC_L3                                        \
    ".endif                      \n\t"                                                   \
    HSK_REC_INRANGE("r22", "r23", "r24", "1") HSK_REC_STORE("r22", "__zero_reg__")

#define HSK_REC_BODY                                                                \
    "0:                          \n\t" HSK_REC_ROW_SQ                              \
    "dec  %[rows]                \n\t"                                              \
    "breq 9f                     \n\t"                                              \
    "rjmp 0b                     \n\t"                                              \
    "9:                          \n\t"
#define HSK_REC_LOOPS(n_out) (n_out)
#define HSK_REC_LOW_CLOBBERS "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10" /* X2, acc, a weight; r9, r10 unused: as on the ATmega */
#define HSK_REC_TABLE_OPERAND [tab] "i"(hsk_sq)

#endif /* HSK_AVR_ROWS_SQ_H */
