"""The ESP32 peripherals the serial firmware touches: UART0, and plain register storage for the
rest of the peripheral window (clock, watchdog and pin set-up read back what was written).

UART0 (ESP32 TRM chapter 13, registers at 0x3FF4_0000; the FIFO also at 0x6000_0000 on the AHB):
UART_FIFO_REG 0x00 (a write queues a byte to send, a read takes a received one),
UART_STATUS_REG 0x1C (UART_RXFIFO_CNT in bits 7:0, UART_TXFIFO_CNT in bits 23:16, always 0: the
host drains at once). The host side has the interface of the other cores' UARTs: ``feed(bytes)``,
``take() -> bytes``, ``pending_rx``. As in emulator/unicorn/peripherals.py, a firmware polling
the receive status with nothing to receive asks the core to stop: on the second empty poll in a
row, with no byte sent or taken in between.
"""

from __future__ import annotations

from collections.abc import Callable

from ..uart import Uart

UART0 = 0x3FF40000
UART0_AHB_FIFO = 0x60000000
FIFO, STATUS = 0x00, 0x1C


class Esp32IO:
    def __init__(self, request_stop: Callable[[], None]) -> None:
        self.uart = Uart()
        self.regs: dict[int, int] = {}
        self.idle = False
        self._request_stop = request_stop
        self._empty_polls = 0

    def reset(self) -> None:
        self.regs.clear()
        self.idle = False  # bytes in flight stay in flight, as on a wire
        self._empty_polls = 0

    def read(self, address: int, size: int) -> int:
        if address in (UART0 + FIFO, UART0_AHB_FIFO + FIFO):
            self._empty_polls = 0
            return self.uart.rx.popleft() if self.uart.rx else 0
        if address == UART0 + STATUS:
            if self.uart.rx:
                return min(len(self.uart.rx), 0xFF)
            self._empty_polls += 1
            if self._empty_polls >= 2:
                self.idle = True
                self._request_stop()
            return 0
        return self.regs.get(address, 0)

    def write(self, address: int, size: int, value: int) -> None:
        if address in (UART0 + FIFO, UART0_AHB_FIFO + FIFO):
            self._empty_polls = 0
            self.uart.tx.append(value & 0xFF)
            return
        self.regs[address] = value
