"""USART0 in polled mode, connected to byte queues instead of a wire.

Enough for serial firmware that polls UCSR0A: transmitted bytes are collected, received
bytes are fed by the host. The transmitter is always ready (UDRE stays set and TXC is
set by every byte): baud-rate timing is not emulated, so cycle counts that span serial
traffic are not those of a real board; the inference between the markers is unaffected.

When the firmware polls UCSR0A twice in a row with the receiver enabled and nothing to
receive, and touches UDR0 in neither, it is waiting for the host: the run stops with
``StopReason.PERIPHERAL`` so the host can feed more bytes and run again.
"""

from __future__ import annotations

from .bus import IoBus
from .mcu import UsartMap

RXC, TXC, UDRE = 0x80, 0x40, 0x20  # UCSR0A
U2X, MPCM = 0x02, 0x01  # UCSR0A bits the firmware may set
RXEN, TXEN = 0x10, 0x08  # UCSR0B
UCSRA_RESET, UCSRC_RESET = UDRE, 0x06  # datasheet reset values (UCSR0A reads are composed)


class Usart:
    def __init__(self, core: IoBus, regs: UsartMap, data: bytearray):
        self._core = core
        self._regs = regs
        self._data = data  # the core's data space
        self._rx = bytearray()
        self._tx = bytearray()
        self._idle_polls = 0
        self._txc = False
        self._control = 0  # the U2X and MPCM bits last written
        core.attach(regs.ucsra, read=self._read_status, write=self._write_status)
        core.attach(regs.udr, read=self._read_data, write=self._write_data)

    def reset(self) -> None:
        self._rx.clear()
        self._tx.clear()
        self._idle_polls = 0
        self._txc = False
        self._control = 0
        self._data[self._regs.ucsra] = UCSRA_RESET
        self._data[self._regs.ucsrc] = UCSRC_RESET

    def feed(self, data: bytes) -> None:
        """Bytes for the firmware to receive, in order."""
        self._rx += data

    def take(self) -> bytes:
        """Bytes the firmware has transmitted since the last take()."""
        out = bytes(self._tx)
        self._tx.clear()
        return out

    @property
    def pending_rx(self) -> int:
        return len(self._rx)

    def _receiving(self) -> bool:
        return bool(self._data[self._regs.ucsrb] & RXEN)

    def _read_status(self, cycle: int) -> int:
        status = self._control | UDRE | (TXC if self._txc else 0)
        if self._rx and self._receiving():
            status |= RXC
        elif self._receiving():
            self._idle_polls += 1
            if self._idle_polls >= 2:
                self._idle_polls = 0
                self._core.request_stop()
        return status

    def _write_status(self, value: int, cycle: int) -> None:
        if value & TXC:  # writing a one clears TXC
            self._txc = False
        self._control = value & (U2X | MPCM)

    def _read_data(self, cycle: int) -> int:
        self._idle_polls = 0
        if self._rx and self._receiving():
            value = self._rx[0]
            del self._rx[0]
            return value
        return 0

    def _write_data(self, value: int, cycle: int) -> None:
        self._idle_polls = 0
        if self._data[self._regs.ucsrb] & TXEN:
            self._tx.append(value)
            self._txc = True
