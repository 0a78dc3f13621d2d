"""The own Xtensa LX6 core (ESP32): unicorn has no Xtensa.

Registration: ``CHIPS`` maps chip names to their data; ``XtensaCore(chip)`` is the core, e.g.
``if name in xtensa.CHIPS: return xtensa.XtensaCore(name)`` in ``emulator.create_core``.
"""

from .chips import CHIPS, ESP32, Chip
from .core import XtensaCore

__all__ = ["CHIPS", "ESP32", "Chip", "XtensaCore"]
