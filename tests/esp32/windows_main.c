/* Drives windows.S and a C recursion that passes arguments on the stack (clang moves the
 * stack pointer with MOVSP around such calls: over a spilled caller, an alloca exception
 * the start-up's user vector resolves). Writes the four checksums through semihosting. */
#include <stdint.h>

uint32_t rec4(uint32_t n);
uint32_t rec8(uint32_t n);
uint32_t rec12(uint32_t n);
uint32_t stacked(uint32_t n, uint32_t a, uint32_t b, uint32_t c, uint32_t d, uint32_t e, uint32_t f, uint32_t g,
                 uint32_t h);

/* nine arguments: the last ones go on the stack */
__attribute__((noinline)) uint32_t stacked(uint32_t n, uint32_t a, uint32_t b, uint32_t c, uint32_t d, uint32_t e,
                                           uint32_t f, uint32_t g, uint32_t h)
{
    uint32_t r;
    if (n == 0)
        return a ^ h;
    r = stacked(n - 1, a + n, b ^ n, c * 3u + n, d + 7u, e, f + 1u, g ^ a, h + n);
    return r * 31u + b + c + d + e + f + g + h + n;
}

static int hsk_simcall(int call, int a, int b, int c)
{
    register int a2 __asm__("a2") = call;
    register int a3 __asm__("a3") = a;
    register int a4 __asm__("a4") = b;
    register int a5 __asm__("a5") = c;
    __asm__ volatile(".byte 0x00, 0x51, 0x00" : "+r"(a2), "+r"(a3) : "r"(a4), "r"(a5) : "memory");
    return a2;
}

static uint32_t results[4];

int main(void)
{
    results[0] = rec4(100);
    results[1] = rec8(100);
    results[2] = rec12(100);
    results[3] = stacked(100, 1, 2, 3, 4, 5, 6, 7, 8);
    hsk_simcall(4, 1, (int)(uintptr_t)results, (int)sizeof results);
    hsk_simcall(1, 0, 0, 0);
    return 0;
}
