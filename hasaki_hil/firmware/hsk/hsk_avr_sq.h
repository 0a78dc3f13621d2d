/* The table of squares of the ATtiny (no multiplier) kernels: hsk_avr_rows_sq.h (int8 rows)
 * and hsk_avr_q16.h (int8x16 rows) look up (x - q)^2 in it. */
#ifndef HSK_AVR_SQ_H
#define HSK_AVR_SQ_H

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

#endif /* HSK_AVR_SQ_H */
