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

/* One row: acc = bias + sum q x (24 bits); with acc >> 8 below t0 the output is the lowest
 * one; else P = acc * m' (48 bits, r7..r2) from nine 8x8
 * products (the top byte of acc signed, MULSU); y = (P + 2^(8k-1)) >> 8k saturated to 16
 * bits (k = 2..5; k >= 6 gives 0 since |P| < 2^45). */
#define HSK_REC_ROW_MUL                                                                     \
    "lpm  r20, Z+                \n\t"                                                      \
    "lpm  r21, Z+                \n\t"                                                      \
    "lpm  r16, Z+                \n\t"                                                      \
    "movw r26, %[x]              \n\t"                                                      \
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
    "movw r26, %[x]              \n\t"                                                      \
    ".rept %[n]                  \n\t" HSK_REC_MAC2 ".endr                      \n\t"       \
    HSK_REC_TAIL_MUL                                                                        \
    "movw r20, r8                \n\t"                                                      \
    "mov  r16, r10               \n\t"                                                      \
    HSK_REC_TAIL_MUL

/* The requantisation of acc (r16:r21:r20) and the store, after a row's products. */
#define HSK_REC_TAIL_MUL                                                                    \
    "lpm  r22, Z+                \n\t" /* acc >> 8 < t0: the lowest output */               \
    "cp   r21, r22               \n\t"                                                      \
    "lpm  r22, Z+                \n\t"                                                      \
    "cpc  r16, r22               \n\t"                                                      \
    "brge 1f                     \n\t"                                                      \
    "adiw r30, 4                 \n\t"                                                      \
    "clr  r1                     \n\t" /* the MACs used it */                               \
    "ldi  r24, lo8(%[lo])        \n\t"                                                      \
    "rjmp 3f                     \n\t"                                                      \
    "1:                          \n\t"                                                      \
    "lpm  r17, Z+                \n\t"                                                      \
    "lpm  r18, Z+                \n\t"                                                      \
    "lpm  r19, Z+                \n\t"                                                      \
    "lpm  r22, Z+                \n\t"                                                      \
    "clr  r25                    \n\t"                                                      \
    "mul  r20, r17               \n\t" "movw r2, r0 \n\t"                                   \
    "mulsu r16, r19              \n\t" "movw r6, r0 \n\t"                                   \
    "mul  r21, r18               \n\t" "movw r4, r0 \n\t"                                   \
    "mul  r20, r18               \n\t"                                                      \
    "add r3, r0 \n\t adc r4, r1 \n\t adc r5, r25 \n\t adc r6, r25 \n\t adc r7, r25 \n\t"   \
    "mul  r21, r17               \n\t"                                                      \
    "add r3, r0 \n\t adc r4, r1 \n\t adc r5, r25 \n\t adc r6, r25 \n\t adc r7, r25 \n\t"   \
    "mul  r20, r19               \n\t"                                                      \
    "add r4, r0 \n\t adc r5, r1 \n\t adc r6, r25 \n\t adc r7, r25 \n\t"                    \
    "mul  r21, r19               \n\t"                                                      \
    "add r5, r0 \n\t adc r6, r1 \n\t adc r7, r25 \n\t"                                     \
    "mulsu r16, r17              \n\t"                                                      \
    "sbc r24, r24 \n\t add r4, r0 \n\t adc r5, r1 \n\t adc r6, r24 \n\t adc r7, r24 \n\t"  \
    "mulsu r16, r18              \n\t"                                                      \
    "sbc r24, r24 \n\t add r5, r0 \n\t adc r6, r1 \n\t adc r7, r24 \n\t"                   \
    "clr  r1                     \n\t"                                                      \
    "cpi  r22, 3                 \n\t" /* the common case first */                       \
    "breq 6f                     \n\t"                                                      \
    "brsh 1f                     \n\t"                                                      \
    "lsl  r3                     \n\t" /* k = 2: y = r7..r4 + bit 15, r5:r4 if it fits */ \
    "adc  r4, r1 \n\t adc r5, r1 \n\t adc r6, r1 \n\t adc r7, r1 \n\t"                     \
    "movw r24, r4                \n\t"                                                      \
    "mov  r23, r5                \n\t"                                                      \
    "lsl  r23                    \n\t"                                                      \
    "sbc  r23, r23               \n\t"                                                      \
    "cp   r6, r23                \n\t"                                                      \
    "cpc  r7, r23                \n\t"                                                      \
    "breq 8f                     \n\t"                                                      \
    "rjmp 7f                     \n\t"                                                      \
    "6:                          \n\t" /* k = 3 */                                          \
    "lsl  r4                     \n\t"                                                      \
    "adc  r5, r1 \n\t adc r6, r1 \n\t adc r7, r1 \n\t"                                     \
    "mov  r24, r5                \n\t"                                                      \
    "mov  r25, r6                \n\t"                                                      \
    "mov  r23, r6                \n\t"                                                      \
    "lsl  r23                    \n\t"                                                      \
    "sbc  r23, r23               \n\t"                                                      \
    "cp   r7, r23                \n\t"                                                      \
    "breq 8f                     \n\t"                                                      \
    "7:                          \n\t" /* saturate by the sign of P */                     \
    "ldi  r24, 0xff              \n\t"                                                      \
    "ldi  r25, 0x7f              \n\t"                                                      \
    "sbrs r7, 7                  \n\t"                                                      \
    "rjmp 8f                     \n\t"                                                      \
    "ldi  r24, 0x00              \n\t"                                                      \
    "ldi  r25, 0x80              \n\t"                                                      \
    "rjmp 8f                     \n\t"                                                      \
    "1:                          \n\t"                                                      \
    "cpi  r22, 4                 \n\t"                                                      \
    "brne 5f                     \n\t"                                                      \
    "4:                          \n\t" /* k = 4 */                                          \
    "lsl  r5                     \n\t"                                                      \
    "adc  r6, r1 \n\t adc r7, r1 \n\t"                                                     \
    "movw r24, r6                \n\t"                                                      \
    "rjmp 8f                     \n\t"                                                      \
    "5:                          \n\t"                                                      \
    "clr  r24                    \n\t"                                                      \
    "clr  r25                    \n\t"                                                      \
    "cpi  r22, 6                 \n\t"                                                      \
    "brsh 8f                     \n\t"                                                      \
    "lsl  r6                     \n\t" /* k = 5 */                                          \
    "mov  r24, r7                \n\t"                                                      \
    "adc  r24, r1                \n\t"                                                      \
    "mov  r25, r24               \n\t"                                                      \
    "lsl  r25                    \n\t"                                                      \
    "sbc  r25, r25               \n\t"                                                      \
    "8:                          \n\t" HSK_REC_FINISH

/* Pairs of rows, then the odd one. */
#define HSK_REC_BODY                                                                \
    ".if %[n_out] / 2            \n\t"                                              \
    "0:                          \n\t" HSK_REC_PAIR_MUL                            \
    "dec  %[rows]                \n\t"                                              \
    "breq 9f                     \n\t"                                              \
    "rjmp 0b                     \n\t"                                              \
    "9:                          \n\t"                                              \
    ".endif                      \n\t"                                              \
    ".if %[n_out] - %[n_out] / 2 * 2 \n\t" HSK_REC_ROW_MUL ".endif                   \n\t"
#define HSK_REC_LOOPS(n_out) ((n_out) / 2)
#define HSK_REC_LOW_CLOBBERS "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10" /* product, 2nd acc */
#define HSK_REC_LAYER_START ""
#define HSK_REC_TABLE_OPERAND [tab] "i"(0)

#endif /* HSK_AVR_ROWS_MUL_H */
