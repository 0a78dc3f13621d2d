/* Waits for an input byte that never comes unless the host writes 0xA5: a runaway loop. */
#include "harness.h"

struct hsk_input { uint8_t go; };
struct hsk_output { uint8_t done; };
HSK_INPUT;
HSK_OUTPUT;

void infer(void)
{
    while (*(volatile uint8_t *)&hsk_emu_input.go != 0xA5)
        ;
    hsk_emu_output.done = 1;
}
