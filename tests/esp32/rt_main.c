/* esp32_rt.c's float functions on a batch, on QEMU: op (0 divide, 1 roundf, 2 expf,
 * 3 tanhf, 4 64-bit multiply), the count and the operands come in through .oracle (QEMU's
 * loader device), the results go out through one semihosting write. */
#include <math.h>
#include <stdint.h>

#define HSK_RT_MAX 262144

uint32_t hsk_rt_op __attribute__((section(".oracle")));
uint32_t hsk_rt_n __attribute__((section(".oracle")));
uint32_t hsk_rt_a[HSK_RT_MAX] __attribute__((section(".oracle")));
uint32_t hsk_rt_b[HSK_RT_MAX] __attribute__((section(".oracle")));
uint32_t hsk_rt_out[2 * HSK_RT_MAX] __attribute__((section(".oracle")));

static int hsk_simcall(int call, int a, int b, int c)
{
    register int a2 __asm__("a2") = call;
    register int a3 __asm__("a3") = a;
    register int a4 __asm__("a4") = b;
    register int a5 __asm__("a5") = c;
    __asm__ volatile(".byte 0x00, 0x51, 0x00" : "+r"(a2), "+r"(a3) : "r"(a4), "r"(a5) : "memory");
    return a2;
}

typedef union {
    float f;
    uint32_t u;
} bits;

static uint32_t f2u(float f)
{
    bits b;
    b.f = f;
    return b.u;
}

static float u2f(uint32_t u)
{
    bits b;
    b.u = u;
    return b.f;
}

int main(void)
{
    uint32_t i, n = hsk_rt_n > HSK_RT_MAX ? HSK_RT_MAX : hsk_rt_n, words = n;
    for (i = 0; i < n; i++) {
        float a = u2f(hsk_rt_a[i]);
        switch (hsk_rt_op) {
        case 0: hsk_rt_out[i] = f2u(a / u2f(hsk_rt_b[i])); break;
        case 1: hsk_rt_out[i] = f2u(roundf(a)); break;
        case 2: hsk_rt_out[i] = f2u(expf(a)); break;
        case 3: hsk_rt_out[i] = f2u(tanhf(a)); break;
        default: {
            int64_t p = (int64_t)(int32_t)hsk_rt_a[i] * (int64_t)(int32_t)hsk_rt_b[i];
            hsk_rt_out[2 * i] = (uint32_t)p;
            hsk_rt_out[2 * i + 1] = (uint32_t)((uint64_t)p >> 32);
            words = 2 * n;
        }
        }
    }
    hsk_simcall(4, 1, (int)(uintptr_t)hsk_rt_out, (int)(words * 4));
    hsk_simcall(1, 0, 0, 0);
    return 0;
}
