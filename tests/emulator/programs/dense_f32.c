/* A float32 dense layer with a sigmoid, in soft-float (the AVR has no FPU). */
#include <math.h>
#include <avr/pgmspace.h>
#include "harness.h"

#define N_IN 8
#define N_OUT 4

struct hsk_input { float x[N_IN]; };
struct hsk_output { float y[N_OUT]; };
HSK_INPUT;
HSK_OUTPUT;

static const float W[N_OUT][N_IN] PROGMEM = {
    {0.082121f, -0.632552f, 0.536189f, -0.033727f, -0.943953f, 0.281790f, 1.494983f, -1.212055f},
    {-0.176240f, 0.916995f, -1.232829f, 0.309544f, 1.111425f, -0.161663f, 0.851725f, -0.359944f},
    {-1.270588f, -0.220738f, -0.589615f, 0.949597f, 1.322175f, -0.923564f, 0.540539f, -0.145925f},
    {0.667882f, 1.395222f, -1.444377f, 0.113827f, -0.746587f, 0.905334f, -0.937323f, 0.008210f}
};
static const float B[N_OUT] PROGMEM = {-0.170560f, 0.016873f, 0.481561f, 0.426930f};

void infer(void)
{
    for (uint8_t o = 0; o < N_OUT; o++) {
        float acc = pgm_read_float(&B[o]);
        for (uint8_t i = 0; i < N_IN; i++)
            acc += pgm_read_float(&W[o][i]) * hsk_emu_input.x[i];
        hsk_emu_output.y[o] = 1.0f / (1.0f + expf(-acc));
    }
}
