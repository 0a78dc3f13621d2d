"""Run one harness ELF over many input vectors on the AVR core and on simavr, and compare.

Takes any ELF that follows the emulator harness convention (emulator/harness.py), so the
same check applies to the test programs here and to generated model firmware. Our core runs
with simavr's interrupt timing (``SIMAVR_TIMING``), the one place where simavr departs from
the datasheet; everything else is compared as is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from emulator import Marker
from emulator.avr import MCUS, AvrCore
from emulator.avr.mcu import SIMAVR_TIMING
from emulator.harness import inference_cycles, run_vector

from .oracle import run_vectors


@dataclass(frozen=True)
class Agreement:
    vectors: int
    inference_cycles: tuple[int, int]  # min, max over the vectors
    total_cycles: int  # reset to halt, summed
    stack_low_water: int  # lowest SP over all vectors


def simavr_like(mcu: str) -> AvrCore:
    """A core for ``mcu`` that takes interrupts with simavr's timing."""
    return AvrCore(replace(MCUS[mcu], interrupt_timing=SIMAVR_TIMING))


def assert_matches_simavr(elf: Path, mcu: str, vectors: Sequence[bytes], *, max_cycles: int) -> Agreement:
    """Identical outputs, markers (values and cycles) and total cycles on every vector, or an
    AssertionError that lists the first differences."""
    reference = run_vectors(elf, mcu, vectors, max_cycles=max_cycles)
    core = simavr_like(mcu)
    core.load(elf)
    differences, cycles, total, low = [], [], 0, core.mcu.ramend
    for i, (vector, ref) in enumerate(zip(vectors, reference.runs)):
        assert ref.status == "done", f"simavr did not finish vector {i}: {ref.status}"
        ours = run_vector(core, vector, max_cycles=max_cycles)
        ref_cycles = inference_cycles([Marker(v, c) for v, c in ref.markers])
        markers = tuple((m.value, m.cycle) for m in core.markers)
        if (ours.output, ours.cycles, ours.total_cycles, markers) != (ref.output, ref_cycles, ref.cycles, ref.markers):
            differences.append(
                f"vector {i} ({vector.hex()}): ours {ours.output.hex()} in {ours.cycles} ({ours.total_cycles}) cycles,"
                f" simavr {ref.output.hex()} in {ref_cycles} ({ref.cycles})"
                + ("" if markers == ref.markers else f"; markers {markers[:8]} vs {ref.markers[:8]}")
            )
        cycles.append(ours.cycles)
        total += ours.total_cycles
        low = min(low, ours.stack_low_water)
    assert not differences, f"{len(differences)} of {len(vectors)} vectors differ:\n" + "\n".join(differences[:5])
    return Agreement(len(vectors), (min(cycles), max(cycles)), total, low)
