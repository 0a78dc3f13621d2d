/* hasaki-hil C runtime: hsk_requantize and the int8x16 rows' hsk_dot16_mul for AVR cores with
 * a multiplier (the ATmega328P).
 *
 * Included by hsk_runtime.h; the generic C form (an int64 product and shift) costs the ATmega
 * libgcc's 64-bit multiply and shift, several hundred cycles per row; this is about 120.
 * Same function: (acc * m + 2^(s-1)) >> s with an arithmetic (floor) shift, 16 <= s <= 62,
 * m < 2^15 (hasaki_hil/quant/qmath.py), checked against Python's integers in simavr by
 * tests/test_avr_kernels.py.
 *
 * P = acc * m in 48 bits from eight 8x8 products (the top byte of acc signed, MULSU), then
 * floor(P / 2^(s-1)) by whole bytes and bits, then (that + 1) >> 1: the rounding half added
 * without forming 2^(s-1). |P| < 2^46 and s >= 16, so the result fits 32 bits.
 */
#ifndef HSK_AVR_MUL_H
#define HSK_AVR_MUL_H

static __attribute__((noinline)) HSK_UNUSED int32_t hsk_requantize(int32_t acc, uint16_t m, uint8_t s)
{
    register int32_t a __asm__("r22") = acc;
    register uint16_t mm __asm__("r20") = m;
    register uint8_t n __asm__("r18") = s;
    __asm__(
        /* P in r17 r16 r31 r30 r27 r26 (p5..p0); a3 in r19 (MULSU takes r16..r23), r25 zero */
        "mov  r19, %D[acc]           \n\t"
        "clr  %D[acc]                \n\t"
        "mul  %A[acc], %A[m]         \n\t" /* a0 m0: bytes 0-1 */
        "movw r26, r0                \n\t"
        "mul  %B[acc], %B[m]         \n\t" /* a1 m1: bytes 2-3 */
        "movw r30, r0                \n\t"
        "mulsu r19, %B[m]             \n\t" /* a3 m1, signed: bytes 4-5 */
        "movw r16, r0                \n\t"
        "mul  %A[acc], %B[m]         \n\t" /* a0 m1: bytes 1-2 */
        "add  r27, r0                \n\t"
        "adc  r30, r1                \n\t"
        "adc  r31, %D[acc]           \n\t"
        "adc  r16, %D[acc]           \n\t"
        "adc  r17, %D[acc]           \n\t"
        "mul  %B[acc], %A[m]         \n\t" /* a1 m0: bytes 1-2 */
        "add  r27, r0                \n\t"
        "adc  r30, r1                \n\t"
        "adc  r31, %D[acc]           \n\t"
        "adc  r16, %D[acc]           \n\t"
        "adc  r17, %D[acc]           \n\t"
        "mul  %C[acc], %A[m]         \n\t" /* a2 m0: bytes 2-3 */
        "add  r30, r0                \n\t"
        "adc  r31, r1                \n\t"
        "adc  r16, %D[acc]           \n\t"
        "adc  r17, %D[acc]           \n\t"
        "mul  %C[acc], %B[m]         \n\t" /* a2 m1: bytes 3-4 */
        "add  r31, r0                \n\t"
        "adc  r16, r1                \n\t"
        "adc  r17, %D[acc]           \n\t"
        "mulsu r19, %A[m]             \n\t" /* a3 m0, signed: bytes 3-4, its sign into byte 5 */
        "sbc  %A[m], %A[m]           \n\t"
        "add  r31, r0                \n\t"
        "adc  r16, r1                \n\t"
        "adc  r17, %A[m]             \n\t"
        "clr  __zero_reg__           \n\t"
        "dec  %[n]                   \n\t" /* floor(P / 2^(s-1)): whole bytes, */
        "1:                          \n\t"
        "cpi  %[n], 8                \n\t"
        "brlo 2f                     \n\t"
        "mov  r26, r27               \n\t"
        "mov  r27, r30               \n\t"
        "mov  r30, r31               \n\t"
        "mov  r31, r16               \n\t"
        "mov  r16, r17               \n\t"
        "lsl  r17                    \n\t"
        "sbc  r17, r17               \n\t"
        "subi %[n], 8                \n\t"
        "rjmp 1b                     \n\t"
        "2:                          \n\t" /* then bits */
        "tst  %[n]                   \n\t"
        "breq 4f                     \n\t"
        "3:                          \n\t"
        "asr  r17                    \n\t"
        "ror  r16                    \n\t"
        "ror  r31                    \n\t"
        "ror  r30                    \n\t"
        "ror  r27                    \n\t"
        "ror  r26                    \n\t"
        "dec  %[n]                   \n\t"
        "brne 3b                     \n\t"
        "4:                          \n\t" /* (+ 1) >> 1 */
        "subi r26, 0xFF              \n\t"
        "sbci r27, 0xFF              \n\t"
        "sbci r30, 0xFF              \n\t"
        "sbci r31, 0xFF              \n\t"
        "sbci r16, 0xFF              \n\t"
        "sbci r17, 0xFF              \n\t"
        "asr  r17                    \n\t"
        "ror  r16                    \n\t"
        "ror  r31                    \n\t"
        "ror  r30                    \n\t"
        "ror  r27                    \n\t"
        "ror  r26                    \n\t"
        "movw %A[acc], r26           \n\t"
        "movw %C[acc], r30           \n\t"
        : [acc] "+r"(a), [m] "+r"(mm), [n] "+d"(n)
        :
        : "r0", "r16", "r17", "r19", "r26", "r27", "r30", "r31");
    return a;
}

/* sum_i q_i (256 h_i + l_i) over n (1..255) interleaved planes: two MULS per input, each
 * product's sign (C) extended, the h product added a byte up. */
static __attribute__((noinline)) HSK_UNUSED int32_t hsk_dot16_mul(const int8_t *hl, const int8_t *q, uint8_t n)
{
    register int32_t s __asm__("r22");
    __asm__(
        "clr  %A[s]                  \n\t"
        "clr  %B[s]                  \n\t"
        "clr  %C[s]                  \n\t"
        "clr  %D[s]                  \n\t"
        "0:                          \n\t"
        "lpm  r20, Z+                \n\t" /* q_i */
        "ld   r21, X+                \n\t" /* h_i */
        "muls r20, r21               \n\t"
        "sbc  r19, r19               \n\t"
        "add  %B[s], r0              \n\t"
        "adc  %C[s], r1              \n\t"
        "adc  %D[s], r19             \n\t"
        "ld   r21, X+                \n\t" /* l_i */
        "muls r20, r21               \n\t"
        "sbc  r19, r19               \n\t"
        "add  %A[s], r0              \n\t"
        "adc  %B[s], r1              \n\t"
        "adc  %C[s], r19             \n\t"
        "adc  %D[s], r19             \n\t"
        "dec  %[n]                   \n\t"
        "brne 0b                     \n\t"
        "clr  __zero_reg__           \n\t"
        : [s] "=&r"(s), [n] "+r"(n), "+x"(hl), "+z"(q)
        :
        : "r19", "r20", "r21", "r0", "memory");
    return s;
}

#endif /* HSK_AVR_MUL_H */
