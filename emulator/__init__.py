"""CPU emulation for hasaki-hil: unicorn cores and own AVR and Xtensa LX6 cores, behind one Core interface and
one registry (``open_core(backend, chip)``).

This package never imports ``hasaki_hil``; the dependency runs one way.
"""

from .avr import MCUS, AvrCore
from .core import Core, CycleProvenance, Marker, Stop, StopReason, Symbol
from .errors import (
    CpuFault,
    CycleLimitExceeded,
    DivideByZero,
    ElfLoadError,
    EmulatorError,
    IllegalInstruction,
    MemoryFault,
    StackCollision,
    SymbolNotFound,
    UnalignedAccess,
    UnsupportedPeripheral,
)
from .registry import Backend, open_core, register

__all__ = [
    "AvrCore",
    "Core",
    "CpuFault",
    "CycleLimitExceeded",
    "CycleProvenance",
    "DivideByZero",
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
    "UnalignedAccess",
    "UnsupportedPeripheral",
    "open_core",
]


def _avr(chip: str, **options) -> Core:
    return AvrCore(chip, **options)


def _unicorn_chips():
    from .unicorn.chips import CHIPS

    return CHIPS


def _unicorn(chip: str, **options) -> Core:
    from .unicorn.core import UnicornCore  # unicorn loads only when one of its cores is asked for

    return UnicornCore(chip, **options)


register(Backend("avr", lambda: MCUS, _avr, "own AVR core, cycle-exact"))


def _xtensa_chips():
    from .xtensa.chips import CHIPS

    return CHIPS


def _xtensa(chip: str, **options) -> Core:
    from .xtensa.core import XtensaCore

    return XtensaCore(chip, **options)


register(Backend("unicorn", _unicorn_chips, _unicorn, "unicorn (QEMU) with a per-core cost table, estimated cycles"))
register(Backend("xtensa", _xtensa_chips, _xtensa, "own Xtensa LX6 core (ESP32), estimated cycles from one table"))
