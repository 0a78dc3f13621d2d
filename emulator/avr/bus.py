"""What an AVR peripheral model needs of the core it is attached to. Peripherals depend on this
protocol, not on ``AvrCore``, so the core can own them without an import cycle."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from .mcu import Mcu

ReadHook = Callable[[int], int]  # (cycle) -> value
WriteHook = Callable[[int, int], None]  # (value, cycle)


class IoBus(Protocol):
    mcu: Mcu

    @property
    def cycles(self) -> int: ...

    def attach(self, address: int, *, read: ReadHook | None = None, write: WriteHook | None = None) -> None: ...

    def on_reset(self, callback: Callable[[], None]) -> None: ...

    def request_stop(self) -> None: ...

    def mem_read(self, address: int, size: int) -> bytes: ...
