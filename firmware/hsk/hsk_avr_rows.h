/* Whole-layer int8 kernels for AVR, over the row records of hasaki_hil/avr_rows.py.
 *
 * Included by hsk_runtime.h on AVR. hsk_dense_q becomes a macro: a layer whose records
 * exist (NAME_q_fast) runs one assembly block, unrolled over its inputs, that reads the
 * record stream with Z and never leaves registers between the accumulator and the stored
 * int8; other layers call the generic hsk_dense_q. The arithmetic is exactly that of
 * hsk_dense_q (hasaki_hil/reference.py), which tests/test_avr_rows.py checks in simavr.
 *
 * Registers: r2..r8 and r16..r25 hold the working values (the compiler saves the call-saved
 * ones around the block); r1 is the zero register except during MUL.
 */
#ifndef HSK_AVR_ROWS_H
#define HSK_AVR_ROWS_H

#define HSK_REC_MAX_IN 64 /* hasaki_hil/avr_rows.py MAX_IN */

/* y = clamp(r25:r24 + zp, lo, 127) into r24, looked up in the table when there is one,
 * stored at *y++ (X); the bounds are constants of the layer. */
#define HSK_REC_FINISH                                                        \
    "cpi  r24, lo8(127 - %[zp])     \n\t"                                     \
    "ldi  r23, hi8(127 - %[zp])     \n\t"                                     \
    "cpc  r25, r23                  \n\t"                                     \
    "brlt 1f                        \n\t"                                     \
    "ldi  r24, 127                  \n\t"                                     \
    "rjmp 3f                        \n\t"                                     \
    "1:                             \n\t"                                     \
    "cpi  r24, lo8(%[lo] - %[zp])   \n\t"                                     \
    "ldi  r23, hi8(%[lo] - %[zp])   \n\t"                                     \
    "cpc  r25, r23                  \n\t"                                     \
    "brge 2f                        \n\t"                                     \
    "ldi  r24, lo8(%[lo])           \n\t"                                     \
    "rjmp 3f                        \n\t"                                     \
    "2:                             \n\t"                                     \
    "subi r24, lo8(-(%[zp]))        \n\t"                                     \
    "3:                             \n\t"                                     \
    ".if %[haslut]                  \n\t" /* lut[v + 128], Z kept in r21:r20 */ \
    "movw r20, r30                  \n\t"                                     \
    "subi r24, 0x80                 \n\t"                                     \
    "ldi  r30, lo8(%[lut])          \n\t"                                     \
    "ldi  r31, hi8(%[lut])          \n\t"                                     \
    "add  r30, r24                  \n\t"                                     \
    "adc  r31, __zero_reg__         \n\t"                                     \
    "lpm  r24, Z                    \n\t"                                     \
    "movw r30, r20                  \n\t"                                     \
    ".endif                         \n\t"                                     \
    "movw r26, %[y]                 \n\t"                                     \
    "st   X+, r24                   \n\t"                                     \
    "movw %[y], r26                 \n\t"

#if defined(__AVR_HAVE_MUL__)

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

#else /* no multiplier: squares */

/* hsk_sq[i] = i^2 for i = 0..255, low bytes then high bytes a page on, page aligned. */
#define HSK_SQ(i, sh) (uint8_t)((((long)(i) * (long)(i)) >> (sh)) & 0xFF)
#define HSK_SQ2(i, sh) HSK_SQ(i, sh), HSK_SQ((i) + 1, sh)
#define HSK_SQ4(i, sh) HSK_SQ2(i, sh), HSK_SQ2((i) + 2, sh)
#define HSK_SQ8(i, sh) HSK_SQ4(i, sh), HSK_SQ4((i) + 4, sh)
#define HSK_SQ16(i, sh) HSK_SQ8(i, sh), HSK_SQ8((i) + 8, sh)
#define HSK_SQ32(i, sh) HSK_SQ16(i, sh), HSK_SQ16((i) + 16, sh)
#define HSK_SQ64(i, sh) HSK_SQ32(i, sh), HSK_SQ32((i) + 32, sh)
#define HSK_SQ128(i, sh) HSK_SQ64(i, sh), HSK_SQ64((i) + 64, sh)
#define HSK_SQ256(sh) HSK_SQ128(0, sh), HSK_SQ128(128, sh)
static const uint8_t hsk_sq[512] HSK_UNUSED __attribute__((section(".progmem.hsk_sq"), aligned(256))) = {
    HSK_SQ256(0), HSK_SQ256(8)
};

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

#endif

/* The layer: records at rec, n inputs at x, n_out int8 outputs at y. */
#define HSK_DENSE_REC(x_, y_, rec_, n_, n_out_, zp_, lo_, lut_)                                      \
    do {                                                                                             \
        const uint8_t *hsk_rp_ = (rec_);                                                             \
        int8_t *hsk_yp_ = (y_);                                                                      \
        uint8_t hsk_rows_ = HSK_REC_LOOPS(n_out_);                                                   \
        __asm__ volatile(HSK_REC_LAYER_START HSK_REC_BODY                                            \
                         : "+z"(hsk_rp_), [y] "+r"(hsk_yp_), [rows] "+r"(hsk_rows_)                  \
                         : [x] "r"(x_), [n] "i"(n_), [n_out] "i"(n_out_), [zp] "i"(zp_), [lo] "i"(lo_), \
                           [lut] "i"(lut_), [haslut] "i"(sizeof(lut_) > sizeof(int)),                \
                           HSK_REC_TABLE_OPERAND                                                     \
                         : "r0", HSK_REC_LOW_CLOBBERS, "r16", "r17", "r18", "r19", "r20", "r21", "r22", \
                           "r23", "r24", "r25", "r26", "r27", "memory");                              \
    } while (0)

/* Every int8 layer call of the generated code: the record kernel where the layer has
 * records and few enough inputs, else the generic function (the macro does not expand
 * inside itself). The arrays the kernel does not read are named so they count as used. */
#define hsk_dense_q(x, y, q, bias, m, shift, n_in, n_out, zp, lo, lut)                  \
    do {                                                                                \
        (void)(q);                                                                      \
        (void)(bias);                                                                   \
        (void)(m);                                                                      \
        (void)(shift);                                                                  \
        if (q##_fast && (n_in) <= HSK_REC_MAX_IN)                                       \
            HSK_DENSE_REC(x, y, q##_rec, (n_in) <= HSK_REC_MAX_IN ? (n_in) : 1, n_out, zp, lo, lut); \
        else                                                                            \
            hsk_dense_q(x, y, q, bias, m, shift, n_in, n_out, zp, lo, lut);             \
    } while (0)

#endif /* HSK_AVR_ROWS_H */
