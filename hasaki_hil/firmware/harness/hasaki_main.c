/* Harness for a Hasaki-exported header, built as Hasaki lays it out, so the fit check
 * sees what that header costs on the board. HSK_HEADER, HSK_N_IN and HSK_N_OUT come
 * from the build (hasaki_hil/build.py); the header provides predict(const float*, float*). */
#include <stdint.h>

#include HSK_HEADER

float hsk_emu_input[HSK_N_IN] __attribute__((section(".noinit")));
volatile float hsk_emu_output[HSK_N_OUT];

int main(void)
{
    predict(hsk_emu_input, (float *)hsk_emu_output);
    __asm__ volatile("" ::: "memory"); /* the outputs are observed: keep the inference */
    for (;;) {
    }
}
