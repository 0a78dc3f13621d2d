/* A deliberately bad build for the ATtiny85: a const float table without PROGMEM, which
 * avr-gcc places in SRAM (.data, 400 of the 512 bytes), and recursion as deep as the
 * input asks. Deep enough, the stack runs into .data/.bss/.noinit and corrupts them. */
#include "harness.h"

struct hsk_input { uint8_t depth; };
struct hsk_output { float sum; };
HSK_INPUT;
HSK_OUTPUT;

static const float TABLE[100] = {-1.2016f, 0.4602f, -1.5716f, 1.6207f, -1.2317f, -0.1551f, 1.0849f, 1.6316f, 0.3289f, 0.7249f, 0.1455f, 1.3852f, -1.1017f, 0.7363f, 0.4052f, -0.1362f, -0.2772f, -1.9784f, 0.2496f, -0.2765f, 0.4774f, -0.1900f, 1.6932f, 0.7361f, 0.5848f, -1.1182f, -0.3340f, 1.7834f, -0.5997f, -1.3488f, -0.4720f, -1.4244f, 1.3134f, 0.6882f, -1.0831f, 1.7742f, -0.1698f, -0.6636f, 1.5442f, -1.3612f, -0.9522f, -0.3363f, 1.4559f, -0.5508f, 0.2252f, -1.3309f, -1.0084f, -0.5540f, 0.8632f, 1.2624f, 1.1108f, -1.4129f, -0.1963f, -1.3672f, 0.9500f, -0.7396f, 1.8821f, 1.3004f, 1.5310f, -0.6169f, 1.8189f, 1.0964f, -1.4508f, 1.8656f, -1.4845f, 1.9662f, -0.8177f, -0.9537f, 0.1321f, -1.8403f, 0.9637f, 0.9765f, -1.7070f, 1.0513f, 0.0266f, 0.0099f, 0.1442f, 0.9280f, 1.9475f, 0.4225f, -1.0962f, 0.8951f, -0.2681f, -0.2277f, -0.6281f, 0.5300f, -1.0001f, 1.2857f, -0.3193f, 0.6621f, -0.8264f, -0.7525f, 0.7225f, -0.6040f, 0.0315f, -1.4304f, 0.7009f, -0.1519f, -1.3514f, -0.0018f};

__attribute__((noinline)) static float descend(uint8_t depth)
{
    volatile uint8_t frame[6]; /* a little stack per level */
    frame[0] = depth;
    if (depth == 0)
        return TABLE[frame[0]];
    return TABLE[depth % 100] + descend(depth - 1) + frame[0];
}

void infer(void)
{
    hsk_emu_output.sum = descend(hsk_emu_input.depth);
}
