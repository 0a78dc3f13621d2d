"""The arch-agnostic Core interface that every emulated CPU implements.

In the spirit of unicorn's API: load an image, reset, read and write memory and
registers, run from the current PC until an address or a halt with a bound, and
look at counters afterwards. A run ends in a ``Stop``; anything abnormal raises a
``CpuFault`` (see ``emulator.errors``), so a caller never mistakes a fault for a result.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable


class StopReason(enum.Enum):
    UNTIL = "until"  # reached the address the caller asked for
    HALT = "halt"  # the firmware stopped for good (AVR: sleep with interrupts disabled)
    SLEEP = "sleep"  # sleep with interrupts enabled, and no emulated interrupt could ever wake it
    BREAK = "break"  # a break instruction
    COUNT = "count"  # the instruction budget ran out (used for single-stepping)
    PERIPHERAL = "peripheral"  # a peripheral asked to stop, e.g. a UART polled with nothing to receive


class CycleProvenance(enum.Enum):
    EXACT = "exact"  # a cycle-accurate core
    ESTIMATE = "estimate"  # instruction counts times a per-core cost table


@dataclass(frozen=True)
class Stop:
    reason: StopReason
    pc: int  # byte address of the next instruction
    cycles: int  # cycles since reset
    instructions: int  # instructions since reset


@dataclass(frozen=True)
class Marker:
    """A write to the marker register: the value and the cycle count when the writing instruction began."""

    value: int
    cycle: int


@dataclass(frozen=True)
class Symbol:
    name: str
    address: int  # in the core's address space for ``space``
    size: int
    space: str  # "data" or "code" (the same space on von Neumann cores)


@runtime_checkable
class Core(Protocol):
    arch: str
    cycle_provenance: CycleProvenance

    def load(self, elf: str | Path) -> None:
        """Load an ELF image and reset."""

    def reset(self) -> None:
        """Back to the reset state: counters, registers and RAM cleared; the loaded image stays."""

    def mem_read(self, address: int, size: int) -> bytes: ...

    def mem_write(self, address: int, data: bytes) -> None: ...

    def reg_read(self, name: str) -> int: ...

    def reg_write(self, name: str, value: int) -> None: ...

    def symbol(self, name: str) -> Symbol: ...

    def read_symbol(self, name: str, size: int | None = None) -> bytes: ...

    def write_symbol(self, name: str, data: bytes) -> None: ...

    def run(self, until: str | int | None = None, *, max_cycles: int, max_instructions: int | None = None) -> Stop:
        """Run from the current PC. ``until`` is a symbol or a code byte address. Raises
        ``CycleLimitExceeded`` after ``max_cycles`` cycles of this run without a stop."""

    @property
    def cycles(self) -> int: ...

    @property
    def instructions(self) -> int: ...

    @property
    def markers(self) -> list[Marker]: ...

    @property
    def stack_low_water(self) -> int | None:
        """The lowest stack pointer since reset, where the core tracks it (else None)."""

    @property
    def stack_top(self) -> int | None:
        """Where the stack starts, so ``stack_top - stack_low_water`` is the measured depth."""

    def serial_link(self, **options):
        """The firmware's serial port as byte queues: ``feed(bytes)``, ``take() -> bytes``,
        ``pending_rx``. ``options`` describe a bit-banged link where the chip has no UART."""
