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
    HSK_REC_TAIL_MUL("3")

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
    HSK_REC_TAIL_MUL("1")                                                                   \
    "movw r20, r8                \n\t"                                                      \
    "mov  r16, r10               \n\t"                                                      \
    HSK_REC_TAIL_MUL("2")

/* z = y - L from P = acc * m' (r25:r24:r23:r22:r3:r2) for byte shift k: rounding bit and
 * -L (nl = zp - lo, in r21:r20 when not zero, else the zero register r5) added in one carry
 * chain; leaves v = r23, hi = r24, sign = r25 for HSK_REC_INRANGE (k >= 6 has m' = 0). */
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
/* P = acc * m' (48 bits, r25:r24:r23:r22:r3:r2) from nine 8x8 products (the top byte of acc
 * signed, MULSU); then nl = zp - lo into r21:r20 when not zero. */
#define HSK_REC_PRODUCT                                                                     \
    "mul  r20, r17               \n\t" "movw r2, r0 \n\t"                                   \
    "mulsu r16, r19              \n\t" "movw r24, r0 \n\t"                                  \
    "mul  r21, r18               \n\t" "movw r22, r0 \n\t"                                  \
    "mul  r20, r18               \n\t"                                                      \
    "add r3, r0 \n\t adc r22, r1 \n\t adc r23, r5 \n\t adc r24, r5 \n\t adc r25, r5 \n\t"  \
    "mul  r21, r17               \n\t"                                                      \
    "add r3, r0 \n\t adc r22, r1 \n\t adc r23, r5 \n\t adc r24, r5 \n\t adc r25, r5 \n\t"  \
    "mul  r20, r19               \n\t"                                                      \
    "add r22, r0 \n\t adc r23, r1 \n\t adc r24, r5 \n\t adc r25, r5 \n\t"                  \
    "mul  r21, r19               \n\t"                                                      \
    "add r23, r0 \n\t adc r24, r1 \n\t adc r25, r5 \n\t"                                   \
    "mulsu r16, r17              \n\t"                                                      \
    "sbc r27, r27 \n\t add r22, r0 \n\t adc r23, r1 \n\t adc r24, r27 \n\t adc r25, r27 \n\t" \
    "mulsu r16, r18              \n\t"                                                      \
    "sbc r27, r27 \n\t add r23, r0 \n\t adc r24, r1 \n\t adc r25, r27 \n\t"                \
    ".if %[nl]                   \n\t"                                                      \
    "ldi  r20, lo8(%[nl])        \n\t"                                                      \
    "ldi  r21, hi8(%[nl])        \n\t"                                                      \
    ".endif                      \n\t"

/* The requantisation of acc (r16:r21:r20) and the store, after a row's products. A row with
 * acc >> 16 below t0 >> 16 stores the lowest output; else P = acc * m', then
 * z = ((P + 2^(8k-1)) >> 8k) + zp - lo, range-checked (HSK_REC_INRANGE). k is the layer's
 * immediate, or (k = 0) in the top two bits of m' (avr_rows.py K_FLAGS): 0 (k = 3) takes the
 * common path after one compare, the others HSK_REC_KBLOCK(id), placed where no row runs into
 * it (labels 3<id>1, 3<id>2: id tells the tails of a layer block apart). r5 is the zero
 * register (cleared once per layer), r1 is cleared once after the layer. */
#define HSK_REC_TAIL_MUL(id)                                                                \
    "lpm  r22, Z+                \n\t" /* acc >> 16 < t0 >> 16: the lowest output */        \
    "cp   r16, r22               \n\t"                                                      \
    "brge 1f                     \n\t"                                                      \
    "adiw r30, 3                 \n\t"                                                      \
    "ldi  r23, lo8(%[lo])        \n\t"                                                      \
    "rjmp 3f                     \n\t"                                                      \
    ".if %[k] == 0               \n\t" /* k per row, not 3: HSK_REC_KBLOCK(id) */          \
    "15:                         \n\t"                                                      \
    "rjmp 3" id "1f              \n\t"                                                      \
    ".endif                      \n\t"                                                      \
    HSK_REC_OUT("r23", "r25")                                                               \
    "1:                          \n\t"                                                      \
    "lpm  r17, Z+                \n\t"                                                      \
    "lpm  r18, Z+                \n\t"                                                      \
    "lpm  r19, Z+                \n\t"                                                      \
    ".if %[k] == 0               \n\t"                                                      \
    "cpi  r19, 0x40              \n\t"                                                      \
    "brsh 15b                    \n\t"                                                      \
    ".endif                      \n\t"                                                      \
    HSK_REC_PRODUCT                                                                         \
    ".if %[k] == 0               \n\t" HSK_REC_K3 "3" id "2: \n\t"                          \
    ".elseif %[k] == 2           \n\t" HSK_REC_K2                                           \
    ".elseif %[k] == 3           \n\t" HSK_REC_K3                                           \
    ".elseif %[k] == 4           \n\t" HSK_REC_K4                                           \
    ".elseif %[k] == 5           \n\t" HSK_REC_K5                                           \
    ".else                       \n\t" ".error \"k: 0, 2..5 (avr_rows.py)\" \n\t"            \
    ".endif                      \n\t"                                                      \
    HSK_REC_INRANGE("r23", "r24", "r25", "0") HSK_REC_STORE("r23", "r5")

/* The rows of a per-row-k layer whose k is not 3: flags stripped from m', the product, then
 * z for k = 4 (flags 01), 2 (10) or 5 (11), back into the tail. */
#define HSK_REC_KBLOCK(id)                                                                  \
    ".if %[k] == 0               \n\t"                                                      \
    "3" id "1:                   \n\t"                                                      \
    "mov  r4, r19                \n\t"                                                      \
    "andi r19, 0x3f              \n\t"                                                      \
    HSK_REC_PRODUCT                                                                         \
    "sbrc r4, 7                  \n\t"                                                      \
    "rjmp 17f                    \n\t"                                                      \
    HSK_REC_K4 "rjmp 3" id "2b   \n\t"                                                      \
    "17:                         \n\t"                                                      \
    "sbrc r4, 6                  \n\t"                                                      \
    "rjmp 18f                    \n\t"                                                      \
    HSK_REC_K2 "rjmp 3" id "2b   \n\t"                                                      \
    "18:                         \n\t"                                                      \
    HSK_REC_K5 "rjmp 3" id "2b   \n\t"                                                      \
    ".endif                      \n\t"

/* Pairs of rows, then the odd one. */
#define HSK_REC_BODY                                                                \
    ".if %[n_out] / 2            \n\t"                                              \
    "0:                          \n\t" HSK_REC_PAIR_MUL                            \
    "dec  %[rows]                \n\t"                                              \
    "breq 9f                     \n\t"                                              \
    "rjmp 0b                     \n\t"                                              \
    "9:                          \n\t" /* the blocks only jumps enter */           \
    ".if %[k] == 0 \n\t rjmp 29f \n\t .endif \n\t" HSK_REC_KBLOCK("1") HSK_REC_KBLOCK("2") \
    "29:                         \n\t"                                              \
    ".endif                      \n\t"                                              \
    ".if %[n_out] - %[n_out] / 2 * 2 \n\t" HSK_REC_ROW_MUL                          \
    ".if %[k] == 0 \n\t rjmp 28f \n\t .endif \n\t" HSK_REC_KBLOCK("3") "28: \n\t"     \
    ".endif                      \n\t"                                              \
    "clr  r1                     \n\t" /* the zero register again */
#define HSK_REC_LOOPS(n_out) ((n_out) / 2)
#define HSK_REC_LOW_CLOBBERS "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10" /* product, k flags, zero, 2nd acc; r6, r7 unused: so x and y go to r11..r15, r28, r29 */
#define HSK_REC_LAYER_START "clr  r5 \n\t" /* the zero register of the tails (r1 is MUL's) */
#define HSK_REC_TABLE_OPERAND [tab] "i"(0)

#endif /* HSK_AVR_ROWS_MUL_H */
