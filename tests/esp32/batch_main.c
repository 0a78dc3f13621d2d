/* The QEMU oracle's batch harness: hsk_predict on every vector of a batch in one run (QEMU's
 * start-up costs more than a thousand inferences). The test writes the count and the
 * vectors into .oracle (esp32_qemu.ld: QEMU RAM beyond the chip's DRAM) with QEMU's loader
 * device; the outputs go back through one semihosting write, then the exit status is 0, or
 * 1 when a prediction returned an error. Same model code, flags and start-up as the
 * firmware; only the loop around hsk_predict differs from emu_main.c. */
#include <stdint.h>

#define HSK_PREDICT_ATTR __attribute__((noinline))
#include "hsk_model.h"

#define HSK_BATCH_MAX 8192

uint32_t hsk_batch_n __attribute__((section(".oracle")));
hsk_in_t hsk_batch_in[HSK_BATCH_MAX][HSK_N_IN] __attribute__((section(".oracle")));
hsk_out_t hsk_batch_out[HSK_BATCH_MAX][HSK_N_OUT] __attribute__((section(".oracle")));

static int hsk_simcall(int call, int a, int b, int c)
{
    register int a2 __asm__("a2") = call;
    register int a3 __asm__("a3") = a;
    register int a4 __asm__("a4") = b;
    register int a5 __asm__("a5") = c;
    __asm__ volatile(".byte 0x00, 0x51, 0x00" : "+r"(a2), "+r"(a3) : "r"(a4), "r"(a5) : "memory"); /* simcall */
    return a2;
}

int main(void)
{
    uint32_t i, n = hsk_batch_n > HSK_BATCH_MAX ? HSK_BATCH_MAX : hsk_batch_n;
    int failed = 0;
    for (i = 0; i < n; i++)
        failed |= hsk_predict(hsk_batch_in[i], hsk_batch_out[i]) != HSK_OK;
    hsk_simcall(4, 1, (int)(uintptr_t)hsk_batch_out, (int)(n * sizeof hsk_batch_out[0])); /* write(1, ...) */
    hsk_simcall(1, failed, 0, 0);                                                          /* exit */
    return 0;
}
