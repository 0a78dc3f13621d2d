/* The ATmega (MUL) part of hsk_avr_rows.h: one row, two rows at once, the layer body.
 * Included by hsk_avr_rows.h only. */
#ifndef HSK_AVR_ROWS_MUL_H
#define HSK_AVR_ROWS_MUL_H

/* acc (r16:r21:r20) += x * q: MULS, its sign (C) extended into the top byte. */
#define HSK_REC_MAC                   \
    "ld   r22, X+                \n\t" \
    "lpm  r23, Z+                \n\t" \
    "muls r22, r23               \n\t" \
    "sbc  r24, r24               \n\t" \
    "add  r20, r0                \n\t" \
    "adc  r21, r1                \n\t" \
    "adc  r16, r24               \n\t"

/* One row: acc = bias + sum q x (24 bits), then its tail. */
/* One row: acc = bias + sum q x (24 bits); with acc >> 8 below t0 the output is the lowest
 * one; else P = acc * m' (48 bits, r7..r2) from nine 8x8
 * products (the top byte of acc signed, MULSU); y = (P + 2^(8k-1)) >> 8k saturated to 16
 * bits (k = 2..5; k >= 6 gives 0 since |P| < 2^45). */
#define HSK_REC_ROW_MUL                                                                     \
    "lpm  r20, Z+                \n\t"                                                      \
    "lpm  r21, Z+                \n\t"                                                      \
    "lpm  r16, Z+                \n\t"                                                      \
    HSK_REC_LDX                                                                              \
    ".rept %[n]                  \n\t" HSK_REC_MAC ".endr                       \n\t"       \
    HSK_REC_TAIL_MUL

/* Two rows at once (their weights interleaved in the records): each input is loaded once
 * for both; the second accumulator waits in r10:r9:r8 while the first is requantised. */
#define HSK_REC_MAC2                  \
    "ld   r22, X+                \n\t" \
    "lpm  r23, Z+                \n\t" \
    "muls r22, r23               \n\t" \
    "sbc  r24, r24               \n\t" \
    "add  r20, r0                \n\t" \
    "adc  r21, r1                \n\t" \
    "adc  r16, r24               \n\t" \
    "lpm  r23, Z+                \n\t" \
    "muls r22, r23               \n\t" \
    "sbc  r24, r24               \n\t" \
    "add  r8, r0                 \n\t" \
    "adc  r9, r1                 \n\t" \
    "adc  r10, r24               \n\t"
#define HSK_REC_PAIR_MUL                                                                    \
    "lpm  r20, Z+                \n\t"                                                      \
    "lpm  r21, Z+                \n\t"                                                      \
    "lpm  r16, Z+                \n\t"                                                      \
    "lpm  r8, Z+                 \n\t"                                                      \
    "lpm  r9, Z+                 \n\t"                                                      \
    "lpm  r10, Z+                \n\t"                                                      \
    HSK_REC_LDX                                                                              \
    ".rept %[n]                  \n\t" HSK_REC_MAC2 ".endr                      \n\t"       \
    HSK_REC_TAIL_MUL                                                                        \
    "movw r20, r8                \n\t"                                                      \
    "mov  r16, r10               \n\t"                                                      \
    HSK_REC_TAIL_MUL

/* z = y - L from P = acc * m' (r25:r24:r23:r22:r3:r2) for byte shift k: rounding bit and
 * -L (nl = zp - lo, in r21:r20 when not zero, else the zero register r5) added in one carry
 * chain; leaves v = r23, hi = r24, sign = r25 for HSK_REC_INRANGE (k >= 6: y = 0). */
#define HSK_REC_K2                                                                          \
    "lsl  r3                     \n\t"                                                      \
    HSK_REC_ADC_NL("r22", "r20", "r5") HSK_REC_ADC_NL("r23", "r21", "r5")                 \
    HSK_REC_ADC_NL("r24", "r21", "r5") HSK_REC_ADC_NL("r25", "r21", "r5")                 \
    "or   r24, r23               \n\t"                                                      \
    "mov  r23, r22               \n\t"
#define HSK_REC_K3                                                                          \
    "lsl  r22                    \n\t"                                                      \
    HSK_REC_ADC_NL("r23", "r20", "r5") HSK_REC_ADC_NL("r24", "r21", "r5")                 \
    HSK_REC_ADC_NL("r25", "r21", "r5")
#define HSK_REC_K4                                                                          \
    "lsl  r23                    \n\t"                                                      \
    HSK_REC_ADC_NL("r24", "r20", "r5") HSK_REC_ADC_NL("r25", "r21", "r5")                 \
    "mov  r23, r24               \n\t"                                                      \
    "clr  r24                    \n\t"
#define HSK_REC_K5                    /* |P| < 2^45: the top byte is y, and y + 1 fits */   \
    "mov  r23, r25               \n\t"                                                      \
    "lsl  r25                    \n\t"                                                      \
    "sbc  r25, r25               \n\t"                                                      \
    "lsl  r24                    \n\t"                                                      \
    HSK_REC_ADC_NL("r23", "r20", "r5") HSK_REC_ADC_NL("r25", "r21", "r5")                 \
    "clr  r24                    \n\t"
#define HSK_REC_K6                                                                          \
    ".if %[nl]                   \n\t"                                                      \
    "movw r24, r20               \n\t"                                                      \
    "mov  r23, r24               \n\t"                                                      \
    "mov  r24, r5               \n\t"                                                      \
    ".else                       \n\t"                                                      \
    "clr  r23                    \n\t"                                                      \
    "clr  r24                    \n\t"                                                      \
    "clr  r25                    \n\t"                                                      \
    ".endif                      \n\t"

/* The requantisation of acc (r16:r21:r20) and the store, after a row's products. A row with
 * acc >> 16 below t0 >> 16 stores the lowest output; else P = acc * m' (48 bits,
 * r25:r24:r23:r22:r3:r2) from nine 8x8 products (the top byte of acc signed, MULSU), then
 * z = ((P + 2^(8k-1)) >> 8k) + zp - lo, range-checked (HSK_REC_INRANGE). k is the layer's
 * immediate, or (k = 0) k - 3 is the byte after m' in the record: 3 falls through, the other
 * cases sit before the live code. r5 is the zero register (cleared once per layer), r1 is
 * cleared once after the layer. */
#define HSK_REC_TAIL_MUL                                                                    \
    "lpm  r22, Z+                \n\t" /* acc >> 16 < t0 >> 16: the lowest output */        \
    "cp   r16, r22               \n\t"                                                      \
    "brge 1f                     \n\t"                                                      \
    ".if %[k]                    \n\t"                                                      \
    "adiw r30, 3                 \n\t"                                                      \
    ".else                       \n\t"                                                      \
    "adiw r30, 4                 \n\t"                                                      \
    ".endif                      \n\t"                                                      \
    "ldi  r23, lo8(%[lo])        \n\t"                                                      \
    "rjmp 3f                     \n\t"                                                      \
    ".if %[k] == 0               \n\t" /* k per row, not 3 (r4 = k - 3): out of the way */ \
    "15:                         \n\t"                                                      \
    "mov  r27, r4                \n\t"                                                      \
    "cpi  r27, 1                 \n\t"                                                      \
    "breq 12f                    \n\t"                                                      \
    "cpi  r27, 2                 \n\t"                                                      \
    "breq 13f                    \n\t"                                                      \
    "cpi  r27, 0xff              \n\t"                                                      \
    "breq 11f                    \n\t"                                                      \
    HSK_REC_K6                                                                              \
    "rjmp 10f                    \n\t"                                                      \
    "11:                         \n\t" HSK_REC_K2 "rjmp 10f \n\t"                         \
    "12:                         \n\t" HSK_REC_K4 "rjmp 10f \n\t"                         \
    "13:                         \n\t" HSK_REC_K5 "rjmp 10f \n\t"                         \
    ".endif                      \n\t"                                                      \
    HSK_REC_OUT("r23", "r25")                                                               \
    "1:                          \n\t"                                                      \
    "lpm  r17, Z+                \n\t"                                                      \
    "lpm  r18, Z+                \n\t"                                                      \
    "lpm  r19, Z+                \n\t"                                                      \
    ".if %[k] == 0               \n\t"                                                      \
    "lpm  r4, Z+                 \n\t"                                                      \
    ".endif                      \n\t"                                                      \
    "mul  r20, r17               \n\t" "movw r2, r0 \n\t"                                   \
    "mulsu r16, r19              \n\t" "movw r24, r0 \n\t"                                  \
    "mul  r21, r18               \n\t" "movw r22, r0 \n\t"                                  \
    "mul  r20, r18               \n\t"                                                      \
    "add r3, r0 \n\t adc r22, r1 \n\t adc r23, r5 \n\t adc r24, r5 \n\t adc r25, r5 \n\t" \
    "mul  r21, r17               \n\t"                                                      \
    "add r3, r0 \n\t adc r22, r1 \n\t adc r23, r5 \n\t adc r24, r5 \n\t adc r25, r5 \n\t" \
    "mul  r20, r19               \n\t"                                                      \
    "add r22, r0 \n\t adc r23, r1 \n\t adc r24, r5 \n\t adc r25, r5 \n\t"                \
    "mul  r21, r19               \n\t"                                                      \
    "add r23, r0 \n\t adc r24, r1 \n\t adc r25, r5 \n\t"                                  \
    "mulsu r16, r17              \n\t"                                                      \
    "sbc r27, r27 \n\t add r22, r0 \n\t adc r23, r1 \n\t adc r24, r27 \n\t adc r25, r27 \n\t" \
    "mulsu r16, r18              \n\t"                                                      \
    "sbc r27, r27 \n\t add r23, r0 \n\t adc r24, r1 \n\t adc r25, r27 \n\t"                \
    ".if %[nl]                   \n\t"                                                      \
    "ldi  r20, lo8(%[nl])        \n\t"                                                      \
    "ldi  r21, hi8(%[nl])        \n\t"                                                      \
    ".endif                      \n\t"                                                      \
    ".if %[k] == 0               \n\t" /* k per row: 3 falls through */                  \
    "cpse r4, r5                \n\t"                                                      \
    "rjmp 15b                    \n\t"                                                      \
    HSK_REC_K3                                                                              \
    "10:                         \n\t"                                                      \
    ".elseif %[k] == 2           \n\t" HSK_REC_K2                                           \
    ".elseif %[k] == 3           \n\t" HSK_REC_K3                                           \
    ".elseif %[k] == 4           \n\t" HSK_REC_K4                                           \
    ".elseif %[k] == 5           \n\t" HSK_REC_K5                                           \
    ".else                       \n\t" HSK_REC_K6                                           \
    ".endif                      \n\t"                                                      \
    HSK_REC_INRANGE("r23", "r24", "r25", "0") HSK_REC_STORE("r23", "r5")

/* Pairs of rows, then the odd one. */
#define HSK_REC_BODY                                                                \
    ".if %[n_out] / 2            \n\t"                                              \
    "0:                          \n\t" HSK_REC_PAIR_MUL                            \
    "dec  %[rows]                \n\t"                                              \
    "breq 9f                     \n\t"                                              \
    "rjmp 0b                     \n\t"                                              \
    "9:                          \n\t"                                              \
    ".endif                      \n\t"                                              \
    ".if %[n_out] - %[n_out] / 2 * 2 \n\t" HSK_REC_ROW_MUL ".endif                   \n\t" \
    "clr  r1                     \n\t" /* the zero register again */
#define HSK_REC_LOOPS(n_out) ((n_out) / 2)
#define HSK_REC_LOW_CLOBBERS "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10" /* product, k, zero, 2nd acc; r6, r7 unused: so x and y go to r11..r15, r28, r29 */
#define HSK_REC_LAYER_START "clr  r5 \n\t" /* the zero register of the tails (r1 is MUL's) */
#define HSK_REC_TABLE_OPERAND [tab] "i"(0)

#endif /* HSK_AVR_ROWS_MUL_H */
