"""CPU emulation for hasaki-hil: unicorn cores and an own AVR core.

This package never imports ``hasaki_hil``; the dependency runs one way.
"""

from .avr import MCUS, AvrCore
from .core import Core, CycleProvenance, Marker, Stop, StopReason, Symbol
from .errors import (
    CpuFault,
    CycleLimitExceeded,
    ElfLoadError,
    EmulatorError,
    IllegalInstruction,
    MemoryFault,
    StackCollision,
    SymbolNotFound,
    UnsupportedPeripheral,
)

__all__ = [
    "AvrCore",
    "Core",
    "CpuFault",
    "CycleLimitExceeded",
    "CycleProvenance",
    "ElfLoadError",
    "EmulatorError",
    "IllegalInstruction",
    "Marker",
    "MemoryFault",
    "StackCollision",
    "Stop",
    "StopReason",
    "Symbol",
    "SymbolNotFound",
    "UnsupportedPeripheral",
    "create_core",
]


def create_core(name: str) -> Core:
    """A fresh core for an emulator name from a board's data, e.g. "attiny85"."""
    if name in MCUS:
        return AvrCore(name)
    raise EmulatorError(f"no emulator core named {name!r}; available: {', '.join(MCUS)}")
