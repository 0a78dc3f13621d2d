"""The emulator harness convention shared with the firmware, and one vector run on a Core.

Firmware built for emulation defines ``hsk_emu_input`` (in ``.noinit``, so the C startup
leaves the bytes the host wrote after reset alone) and ``hsk_emu_output``; it writes
GPIOR0 = 1 just before the inference and GPIOR0 = 2 just after, then calls
``hsk_emu_done``, which halts (``cli; sleep`` on AVR). The inference's cycle count is
the marker-2 cycle minus the marker-1 cycle, each taken when the writing instruction
begins (the same definition as ``avr->cycle`` inside a simavr I/O write callback).
"""

from __future__ import annotations

from dataclasses import dataclass

from .core import Core, Marker, StopReason
from .errors import EmulatorError

INPUT_SYMBOL = "hsk_emu_input"
OUTPUT_SYMBOL = "hsk_emu_output"
DONE_SYMBOL = "hsk_emu_done"
MARK_START, MARK_END = 1, 2


@dataclass(frozen=True)
class VectorRun:
    output: bytes
    cycles: int  # of the inference, between the markers
    total_cycles: int  # reset to halt
    stack_low_water: int | None  # lowest stack pointer, where the core tracks it


def inference_cycles(markers: list[Marker]) -> int:
    """Cycles from the first start marker to the first end marker after it."""
    start = next((m for m in markers if m.value == MARK_START), None)
    end = next((m for m in markers if start and m.value == MARK_END and m.cycle >= start.cycle), None)
    if start is None or end is None:
        seen = ", ".join(str(m.value) for m in markers) or "none"
        raise EmulatorError(
            f"the firmware did not write markers {MARK_START} and {MARK_END} (saw: {seen}); "
            "is it built with the emulator harness?"
        )
    return end.cycle - start.cycle


def run_vector(core: Core, data: bytes, *, max_cycles: int) -> VectorRun:
    """Reset, write one input vector, run to the halt, read the output."""
    core.reset()
    core.write_symbol(INPUT_SYMBOL, data)
    stop = core.run(max_cycles=max_cycles)
    if stop.reason is not StopReason.HALT:
        raise EmulatorError(f"the firmware stopped with {stop.reason.value} at pc=0x{stop.pc:04x} instead of halting")
    return VectorRun(
        output=core.read_symbol(OUTPUT_SYMBOL),
        cycles=inference_cycles(core.markers),
        total_cycles=core.cycles,
        stack_low_water=core.stack_low_water,
    )
