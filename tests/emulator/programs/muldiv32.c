/* 32-bit (and some 16- and 64-bit) multiply, divide and modulo: the libgcc helpers. */
#include "harness.h"

struct hsk_input { uint32_t a, b; int32_t c, d; uint16_t e, f; };
struct hsk_output {
    uint32_t prod, quot, rem;
    int32_t squot, srem, sprod;
    uint16_t hprod, hquot;
    uint32_t high; /* upper half of the 64-bit product */
};
HSK_INPUT;
HSK_OUTPUT;

void infer(void)
{
    const struct hsk_input *in = &hsk_emu_input;
    struct hsk_output *out = &hsk_emu_output;
    uint32_t b = in->b ? in->b : 1;
    int32_t d = in->d ? in->d : 1;
    uint16_t f = in->f ? in->f : 1;
    out->prod = in->a * in->b;
    out->quot = in->a / b;
    out->rem = in->a % b;
    out->squot = (in->c == INT32_MIN && d == -1) ? 0 : in->c / d;
    out->srem = (in->c == INT32_MIN && d == -1) ? 0 : in->c % d;
    out->sprod = (int32_t)((uint32_t)in->c * (uint32_t)in->d);
    out->hprod = (uint16_t)(in->e * in->f);
    out->hquot = in->e / f;
    out->high = (uint32_t)(((uint64_t)in->a * in->b) >> 32);
}
