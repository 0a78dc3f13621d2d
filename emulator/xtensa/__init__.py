"""The own Xtensa LX6 core (ESP32): unicorn has no Xtensa.

Registered in ``emulator/__init__.py`` as the ``xtensa`` backend: ``open_core("xtensa", "esp32")``.
"""

from .chips import CHIPS, ESP32, Chip
from .core import XtensaCore

__all__ = ["CHIPS", "ESP32", "Chip", "XtensaCore"]
