/* Recursion that keeps data on the stack: frames with local arrays and many calls. */
#include "harness.h"

struct hsk_input { uint8_t depth; uint8_t fib; uint8_t seed[8]; };
struct hsk_output { uint16_t checksum; uint16_t fib; uint8_t trail[8]; };
HSK_INPUT;
HSK_OUTPUT;

__attribute__((noinline)) static uint16_t walk(uint8_t depth, const uint8_t *parent)
{
    volatile uint8_t local[8]; /* volatile: the frame really lives in RAM */
    uint16_t sum = 0;
    for (uint8_t i = 0; i < 8; i++) {
        local[i] = (uint8_t)(parent[i] * 3 + depth + i);
        sum += local[i];
    }
    if (depth == 0) {
        for (uint8_t i = 0; i < 8; i++)
            hsk_emu_output.trail[i] = local[i];
        return sum;
    }
    uint8_t copy[8];
    for (uint8_t i = 0; i < 8; i++)
        copy[i] = local[i];
    return (uint16_t)(sum ^ (walk(depth - 1, copy) << 1));
}

__attribute__((noinline)) static uint16_t fib(uint8_t n)
{
    return n < 2 ? n : (uint16_t)(fib(n - 1) + fib(n - 2));
}

void infer(void)
{
    hsk_emu_output.checksum = walk(hsk_emu_input.depth % 10, hsk_emu_input.seed);
    hsk_emu_output.fib = fib(hsk_emu_input.fib % 14);
}
