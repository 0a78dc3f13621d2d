/* Whole-layer int8 kernels for AVR, over the row records of hasaki_hil/avr_rows.py.
 *
 * Included by hsk_runtime.h on AVR. hsk_dense_q becomes a macro: a layer whose records
 * exist (NAME_q_fast) runs one assembly block, unrolled over its inputs, that reads the
 * record stream with Z and never leaves registers between the accumulator and the stored
 * int8; other layers call the generic hsk_dense_q. The arithmetic is exactly that of
 * hsk_dense_q (hasaki_hil/reference.py), which tests/test_avr_rows.py checks in simavr.
 *
 * The chip's part (hsk_avr_rows_mul.h or hsk_avr_rows_sq.h) defines the rows and the layer
 * body; this file the store, the layer block and the macro. Registers: r2..r10 and r16..r25
 * hold the working values (the compiler saves the call-saved ones around the block); r1 is
 * the zero register except during MUL.
 */
#ifndef HSK_AVR_ROWS_H
#define HSK_AVR_ROWS_H

#define HSK_REC_MAX_IN 64   /* hasaki_hil/codegen/avr_rows.py MAX_IN */
#define HSK_REC_MAX_OUT 255 /* MAX_OUT there: the rows are counted in one 8-bit register */

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
#include "hsk_avr_rows_mul.h" /* MULS rows, in pairs */
#else
#include "hsk_avr_rows_sq.h" /* squares rows */
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
        if (q##_fast && (n_in) <= HSK_REC_MAX_IN && (n_out) <= HSK_REC_MAX_OUT)         \
            HSK_DENSE_REC(x, y, q##_rec, (n_in) <= HSK_REC_MAX_IN ? (n_in) : 1,                 \
                          (n_out) <= HSK_REC_MAX_OUT ? (n_out) : 1, zp, lo, lut);               \
        else                                                                            \
            hsk_dense_q(x, y, q, bias, m, shift, n_in, n_out, zp, lo, lut);             \
    } while (0)

#endif /* HSK_AVR_ROWS_H */
