/* The emulator harness convention (emulator/harness.py) for the test programs.
 *
 * A program defines `struct hsk_input` and `struct hsk_output` and a function
 * `void infer(void)` that reads hsk_emu_input and writes hsk_emu_output. The memory
 * barriers keep the compiler from moving work across the markers.
 */
#ifndef HSK_TEST_HARNESS_H
#define HSK_TEST_HARNESS_H

#include <avr/io.h>
#include <stdint.h>

struct hsk_input;
struct hsk_output;
extern struct hsk_input hsk_emu_input;
extern struct hsk_output hsk_emu_output;

#define HSK_INPUT struct hsk_input hsk_emu_input __attribute__((section(".noinit")))
#define HSK_OUTPUT struct hsk_output hsk_emu_output

#define HSK_MARK(v) do { __asm__ volatile("" ::: "memory"); GPIOR0 = (v); __asm__ volatile("" ::: "memory"); } while (0)

void infer(void) __attribute__((noinline));

void hsk_emu_done(void) __attribute__((noreturn, noinline));
void hsk_emu_done(void)
{
    for (;;)
        __asm__ volatile("cli\n\tsleep" ::: "memory");
}

int main(void)
{
    HSK_MARK(1);
    infer();
    HSK_MARK(2);
    hsk_emu_done();
}

#endif
