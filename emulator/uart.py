"""The host's end of an emulated UART, shared by the cores that model one: bytes fed to the
firmware wait in ``rx``, bytes it transmits collect in ``tx`` until the host takes them."""

from collections import deque


class Uart:
    def __init__(self) -> None:
        self.rx: deque[int] = deque()
        self.tx = bytearray()

    def feed(self, data: bytes) -> None:
        self.rx.extend(data)

    def take(self) -> bytes:
        out = bytes(self.tx)
        self.tx.clear()
        return out

    @property
    def pending_rx(self) -> int:
        return len(self.rx)
