/* An int8 dense layer with int32 accumulation and requantisation, like the generated
 * full-integer kernels: y = relu(clamp(round((W x + b) * M / 2^S) + zero point)). */
#include <avr/pgmspace.h>
#include "harness.h"

#define N_IN 16
#define N_OUT 8

struct hsk_input { int8_t x[N_IN]; };
struct hsk_output { int8_t y[N_OUT]; int32_t acc[N_OUT]; };
HSK_INPUT;
HSK_OUTPUT;

static const int8_t W[N_OUT][N_IN] PROGMEM = {
    {76, 19, 83, -107, -3, 68, -61, -118, -127, -90, 42, 23, -7, 120, 67, 61},
    {-32, -46, 70, -122, -58, -2, 78, -77, 59, 96, -22, 106, 10, 11, 47, -103},
    {-78, 17, 14, 52, 79, 59, -60, 42, 78, 29, 48, -105, 89, -19, -42, 126},
    {-104, -35, 77, -23, 79, -63, -14, 52, -103, 66, -77, 52, 35, 76, -53, -103},
    {116, -116, 23, 104, -76, 84, 40, 106, -35, -3, 111, 86, 105, -78, 4, 20},
    {38, 121, 51, 101, 79, 1, 122, 107, -120, 35, -35, -65, 27, -17, -50, -36},
    {23, -97, -105, 1, 98, 46, 7, -77, -98, 28, 42, -59, -48, 57, -77, -30},
    {-4, -70, -92, 25, -74, 86, 94, 97, 51, 6, -124, -79, 72, -84, -123, 38}
};
static const int32_t B[N_OUT] PROGMEM = {-273, 1569, 2499, 2081, 2067, -493, 68, 91};
static const int32_t MULTIPLIER = 1395864371; /* 0.65 in Q31 */
static const int8_t SHIFT = 9;
static const int8_t ZERO_POINT = -3;

static int8_t requantize(int32_t acc)
{
    int64_t scaled = ((int64_t)acc * MULTIPLIER + (1LL << 30)) >> 31;
    int32_t v = (int32_t)((scaled + (1L << (SHIFT - 1))) >> SHIFT) + ZERO_POINT;
    if (v < ZERO_POINT)
        v = ZERO_POINT; /* relu at the zero point */
    return v > 127 ? 127 : (int8_t)v;
}

void infer(void)
{
    for (uint8_t o = 0; o < N_OUT; o++) {
        int32_t acc = (int32_t)pgm_read_dword(&B[o]);
        for (uint8_t i = 0; i < N_IN; i++)
            acc += (int16_t)(int8_t)pgm_read_byte(&W[o][i]) * hsk_emu_input.x[i];
        hsk_emu_output.acc[o] = acc;
        hsk_emu_output.y[o] = requantize(acc);
    }
}
