/* A dense int8 layer with the emulator-harness convention (emulator/harness.py): the host
 * writes hsk_emu_input after reset, markers 1 and 2 bracket the inference, hsk_emu_done halts. */
#include <stdint.h>

#define N_IN 16
#define N_OUT 4

volatile uint32_t hsk_emu_marker;
int8_t hsk_emu_input[N_IN];
int32_t hsk_emu_output[N_OUT];
const int8_t weights[N_OUT][N_IN] = {
    {1, -2, 3, -4, 5, -6, 7, -8, 9, -10, 11, -12, 13, -14, 15, -16},
    {-128, 127, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13},
    {3, 3, 3, 3, 3, 3, 3, 3, -3, -3, -3, -3, -3, -3, -3, -3},
    {100, -100, 50, -50, 25, -25, 12, -12, 6, -6, 3, -3, 1, -1, 0, 0},
};
const int32_t bias[N_OUT] = {1000, -1000, 7, 0};

void __attribute__((noinline)) hsk_emu_done(void)
{
    for (;;)
        __asm__ volatile("" ::: "memory");
}

/* the compiler may not move the inference across a marker write */
#define BARRIER() __asm__ volatile("" ::: "memory")

int main(void)
{
    hsk_emu_marker = 1;
    BARRIER();
    for (int o = 0; o < N_OUT; o++) {
        int32_t acc = bias[o];
        for (int i = 0; i < N_IN; i++)
            acc += (int32_t)weights[o][i] * hsk_emu_input[i];
        hsk_emu_output[o] = acc > 0 ? acc : 0; /* ReLU */
    }
    BARRIER();
    hsk_emu_marker = 2;
    hsk_emu_done();
    return 0;
}
