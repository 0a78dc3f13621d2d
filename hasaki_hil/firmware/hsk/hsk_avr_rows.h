/* Whole-layer int8 kernels for AVR, over the row records of hasaki_hil/avr_rows.py.
 *
 * Included by hsk_runtime.h on AVR. hsk_dense_q becomes a macro: a layer whose records
 * exist (NAME_q_fast) runs one assembly block, unrolled over its inputs, that reads the
 * record stream with Z and never leaves registers between the accumulator and the stored
 * int8; other layers call the generic hsk_dense_q. The arithmetic is exactly that of
 * hsk_dense_q (hasaki_hil/reference.py), which tests/test_avr_rows.py checks in simavr.
 *
 * The chip's part (hsk_avr_rows_mul.h or hsk_avr_rows_sq.h) defines the rows and the layer
 * body; this file the end of a row (range check, table, store), the layer block and the
 * macro. Registers: r2..r10 and r16..r27 hold the working values (the compiler saves the
 * call-saved ones once in the function); x, y and the row count are in the pairs the
 * compiler picks among the rest; r1 is the zero register except during MUL (the ATmega's
 * block clears it once at its end).
 */
#ifndef HSK_AVR_ROWS_H
#define HSK_AVR_ROWS_H

#define HSK_REC_MAX_IN 64   /* hasaki_hil/codegen/avr_rows.py MAX_IN */
#define HSK_REC_MAX_OUT 255 /* MAX_OUT there: the rows are counted in one 8-bit register */

/* The end of a row. The chip's part leaves z = y + zp - lo (24 bits, y the requantised
 * value) as its low byte v, a register that is zero exactly when z's middle byte is (hi, or'ed
 * with the top byte here) and the top byte (sign): z in [0, 127 - lo] gives z + lo, the clamp
 * of the C code in one range check. HSK_REC_OUT (placed before the row's live code, so that
 * the common path jumps nowhere) sets v for z out of range (4: by its sign, 5: above);
 * HSK_REC_STORE (label 3) looks the output up in the table when there is one and stores it at
 * *y++. z0 is a zero register. */
#define HSK_REC_OUT(v, sign)                                                  \
    "4:                             \n\t"                                     \
    "ldi  " v ", 127                \n\t"                                     \
    "sbrc " sign ", 7               \n\t"                                     \
    "ldi  " v ", lo8(%[lo])         \n\t"                                     \
    "rjmp 3f                        \n\t"                                     \
    "5:                             \n\t"                                     \
    "ldi  " v ", 127                \n\t"                                     \
    "rjmp 3f                        \n\t"
#define HSK_REC_INRANGE(v, hi, sign, far) /* far: 4 and 5 beyond a branch's reach */ \
    "or   " hi ", " sign "          \n\t"                                     \
    ".if " far "                    \n\t"                                     \
    "breq 2f                        \n\t"                                     \
    "rjmp 4b                        \n\t"                                     \
    "2:                             \n\t"                                     \
    ".else                          \n\t"                                     \
    "brne 4b                        \n\t"                                     \
    ".endif                         \n\t"                                     \
    ".if 127 - %[lo] < 255          \n\t"                                     \
    "cpi  " v ", 127 - %[lo] + 1    \n\t"                                     \
    ".if " far "                    \n\t"                                     \
    "brlo 2f                        \n\t"                                     \
    "rjmp 5b                        \n\t"                                     \
    "2:                             \n\t"                                     \
    ".else                          \n\t"                                     \
    "brsh 5b                        \n\t"                                     \
    ".endif                         \n\t"                                     \
    ".endif                         \n\t"                                     \
    "subi " v ", lo8(-(%[lo]))      \n\t"
#define HSK_REC_STORE(v, z0)                                                  \
    "3:                             \n\t"                                     \
    ".if %[haslut]                  \n\t" /* lut[v + 128], Z kept in r21:r20 */ \
    "movw r20, r30                  \n\t"                                     \
    "subi " v ", 0x80               \n\t"                                     \
    "ldi  r30, lo8(%[lut])          \n\t"                                     \
    "ldi  r31, hi8(%[lut])          \n\t"                                     \
    "add  r30, " v "                \n\t"                                     \
    "adc  r31, " z0 "               \n\t"                                     \
    "lpm  " v ", Z                  \n\t"                                     \
    "movw r30, r20                  \n\t"                                     \
    ".endif                         \n\t"                                     \
    ".if hsk_rec_y_in_Y             \n\t"                                     \
    "st   Y+, " v "                 \n\t"                                     \
    ".else                          \n\t" /* X is free at this point */       \
    "movw r26, %[y]                 \n\t"                                     \
    "st   X+, " v "                 \n\t"                                     \
    "movw %[y], r26                 \n\t"                                     \
    ".endif                         \n\t"

/* The output pointer y wants Y (st Y+). The compiler places x and y in any free pairs: when
 * it gives Y to x, the block swaps them once (HSK_REC_XSWAP: x then lives in y's pair); when
 * neither got Y (the function keeps its frame there), y is stored through X. */
#define HSK_REC_XSWAP                                                         \
    ".set hsk_rec_y_in_Y, 0         \n\t"                                     \
    ".ifc %[y],r28                  \n\t"                                     \
    ".set hsk_rec_y_in_Y, 1         \n\t"                                     \
    ".endif                         \n\t"                                     \
    ".ifc %[x],r28                  \n\t"                                     \
    "movw r26, %[y]                 \n\t"                                     \
    "movw %[y], r28                 \n\t"                                     \
    "movw r28, r26                  \n\t"                                     \
    ".set hsk_rec_y_in_Y, 1         \n\t"                                     \
    ".endif                         \n\t"
#define HSK_REC_LDX                                                           \
    ".ifc %[x],r28                  \n\t"                                     \
    "movw r26, %[y]                 \n\t"                                     \
    ".else                          \n\t"                                     \
    "movw r26, %[x]                 \n\t"                                     \
    ".endif                         \n\t"

/* adc of one byte of nl = zp - lo (-255..255) into dst: from byte_reg, which the chip's part
 * loads with it when nl is not zero, else from the zero register z0 (relu: nl = 0). */
#define HSK_REC_ADC_NL(dst, byte_reg, z0)                                     \
    ".if %[nl]                      \n\t"                                     \
    "adc  " dst ", " byte_reg "     \n\t"                                     \
    ".else                          \n\t"                                     \
    "adc  " dst ", " z0 "           \n\t"                                     \
    ".endif                         \n\t"

#if defined(__AVR_HAVE_MUL__)
#include "hsk_avr_rows_mul.h" /* MULS rows, in pairs */
#else
#include "hsk_avr_rows_sq.h" /* squares rows */
#endif

/* The layer: records at rec, n inputs at x, n_out int8 outputs at y (st Y+ when the compiler
 * puts the pointer in Y, as it does unless the function needs Y for its frame: a "+y"
 * constraint would not compile there);
 * k, r, l the layer's immediates of avr_rows.py (NAME_q_k, _q_r, _q_l). */
#define HSK_DENSE_REC(x_, y_, rec_, n_, n_out_, zp_, lo_, lut_, k_, r_, l_)                          \
    do {                                                                                             \
        const uint8_t *hsk_rp_ = (rec_);                                                             \
        int8_t *hsk_yp_ = (y_);                                                                      \
        const int8_t *hsk_xp_ = (x_); /* "+r": the block may swap it into y's pair */               \
        uint8_t hsk_rows_ = HSK_REC_LOOPS(n_out_);                                                   \
        __asm__ volatile(HSK_REC_XSWAP HSK_REC_LAYER_START HSK_REC_BODY                                            \
                         : "+z"(hsk_rp_), [y] "+r"(hsk_yp_), [rows] "+r"(hsk_rows_),                 \
                           [x] "+r"(hsk_xp_)                                                         \
                         : [n] "i"(n_), [n_out] "i"(n_out_), [lo] "i"(lo_),             \
                           [nl] "i"((zp_) - (lo_)), [k] "i"(k_), [r] "i"(r_), [l] "i"(l_),           \
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
        if (q##_fast && (n_in) <= HSK_REC_MAX_IN && (n_out) <= HSK_REC_MAX_OUT)         \
            HSK_DENSE_REC(x, y, q##_rec, (n_in) <= HSK_REC_MAX_IN ? (n_in) : 1,                 \
                          (n_out) <= HSK_REC_MAX_OUT ? (n_out) : 1, zp, lo, lut, q##_k, q##_r,  \
                          q##_l);                                                               \
        else                                                                            \
            hsk_dense_q(x, y, q, bias, m, shift, n_in, n_out, zp, lo, lut);             \
    } while (0)

#endif /* HSK_AVR_ROWS_H */
