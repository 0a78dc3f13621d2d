"""Bare assembly programs for the ATmega328P's Timer1 and interrupts, following the emulator
harness (markers 1 and 2 around the work, halt with ``cli; sleep``), so the same ELF runs on
our core and, through ``assert_matches_simavr``, on simavr.

The main code starts at ``main`` with r1 = 0 and ends by falling into (or jumping to)
``finish``; the interrupt handler's code sits at the TIMER1_OVF vector itself (word 0x1A)
instead of a JMP there, so a marker written by its first instruction shows the interrupt
response alone. ``DELAY`` runs exactly 8 + d cycles, d being
the first input byte: sweeping d moves what follows across an overflow one cycle at a time.
"""

from __future__ import annotations

from emulator.avr import AvrCore
from emulator.harness import run_vector

from .avrbuild import assemble

TIMER1_OVF = 0x34  # byte address of vector 13
START_TIMER = "ldi r16, 1\nsts TCCR1B, r16"  # clk/1
ENABLE_OVERFLOW_IRQ = "ldi r16, 1\nsts TIMSK1, r16"
DELAY = """
    lds r18, hsk_emu_input
    ldi r30, lo8(pm(8f))
    ldi r31, hi8(pm(8f))
    sub r30, r18
    sbc r31, r1
    ijmp
    .rept 255
    nop
    .endr
8:
"""

TEMPLATE = """#include <avr/io.h>
.section .noinit
.global hsk_emu_input
.type hsk_emu_input, @object
.size hsk_emu_input, 4
hsk_emu_input: .skip 4
.section .bss
.global hsk_emu_output
.type hsk_emu_output, @object
.size hsk_emu_output, 16
hsk_emu_output: .skip 16
.text
.org 0
    jmp main
.org {vector}
{isr}
main:
    clr r1
    ldi r16, 1
    out _SFR_IO_ADDR(GPIOR0), r16
{main}
finish:
    ldi r16, 2
    out _SFR_IO_ADDR(GPIOR0), r16
.global hsk_emu_done
hsk_emu_done:
    cli
    sleep
    rjmp hsk_emu_done
"""


def mark(value: int, reg: str = "r17") -> str:
    return f"ldi {reg}, {value}\nout _SFR_IO_ADDR(GPIOR0), {reg}"


def build(main: str, isr: str = "reti") -> object:
    return assemble(TEMPLATE.format(vector=TIMER1_OVF, isr=isr, main=main), "atmega328p")


def run(core: AvrCore, d: int = 0, *, max_cycles: int = 1_000_000) -> tuple[bytes, dict[int, list[int]]]:
    """Output and marker cycles by value, for one run with d as the first input byte."""
    out = run_vector(core, bytes([d]), max_cycles=max_cycles).output
    cycles: dict[int, list[int]] = {}
    for m in core.markers:
        cycles.setdefault(m.value, []).append(m.cycle)
    return out, cycles


def loaded(elf, mcu="atmega328p") -> AvrCore:
    core = AvrCore(mcu)
    core.load(elf)
    return core
