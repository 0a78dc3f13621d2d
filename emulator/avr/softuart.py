"""A UART bit-banged on two port pins (the ATtiny85's serial firmware), bridged to byte queues.

TX: the level of the TX pin is its PORT bit while its DDR bit makes it an output, else high
(the adapter's idle line). Every write to PORT or DDR that changes the level is stamped with
its cycle; a falling edge on the idle line starts a frame, which is sampled in the middle of
each bit, ``clock_hz / baud`` cycles a bit: 8 data bits LSB first, then the stop bit, which
must be high (otherwise the byte is dropped and counted in ``framing_errors``).

RX: fed bytes become a schedule of levels on the RX pin, from the cycle they are fed (or the
end of the bytes queued before them): start bit, 8 data bits LSB first, stop bit, back to
back. Reads of PIN return that level on the RX pin and the PORT bit on the others (what an
output drives, or a pull-up). Writes to PIN (which toggle PORT bits) are not emulated.

When the firmware reads PIN twice in a row with no frame in flight or queued, and writes
neither PORT nor DDR in between, it is waiting for the host: the run stops with
``StopReason.PERIPHERAL`` so the host can feed more bytes and run again.

``run_core`` is the fast way to run while bytes are queued: a firmware polling its RX pin
between bytes reads it hundreds of times a byte, and a call into Python per read made a
7,150-row run on the ATtiny85 take minutes. While frames are queued it switches the PIN read
hook off, keeps the PIN byte in the data space at the RX level, and runs the core from edge to
edge of the RX line (``AvrCore.run_to_cycle``), so the firmware polls at C speed; a level
change is then seen at the first instruction boundary at or after its cycle (a cycle or two
late at most, as a real pin's input synchroniser delays it too). With nothing queued it runs
with the hook on, which is how it sees the firmware wait for the host.
"""

from __future__ import annotations

from ..errors import EmulatorError
from .bus import IoBus

FRAME_BITS = 10  # start, 8 data, stop


class SoftUart:
    def __init__(self, core: IoBus, *, tx_bit: int, rx_bit: int, clock_hz: int, baud: int):
        """On PORTB of the core's MCU (``Mcu.portb``); attach before ``core.load``."""
        port = core.mcu.portb
        if port is None:
            raise EmulatorError(f"{core.mcu.name} has no port B in emulator/avr/mcu.py")
        self._core = core
        self._data = core._data  # the data space the C loop reads and writes (same package)
        self._regs = port
        self._tx_mask, self._rx_mask = 1 << tx_bit, 1 << rx_bit
        self.bit_cycles = clock_hz / baud
        self._tx = bytearray()
        self._rx: list[tuple[float, int]] = []  # (start cycle, byte), in order
        core.attach(port.pin, read=self._read_pin)
        core.attach(port.port, write=self._write_level)
        core.attach(port.ddr, write=self._write_level)
        core.on_reset(self.reset)
        self.reset()

    def reset(self) -> None:
        self._tx.clear()
        self._rx.clear()
        self._rx_end = 0.0
        self._idle_polls = 0
        self._level = 1
        self._frame: list[tuple[int, int]] | None = None  # (cycle, level) from the start bit's edge on
        self.framing_errors = 0
        self._driving = False  # run_core is driving the RX level into the PIN byte
        self._rx_level = 1

    def feed(self, data: bytes) -> None:
        """Bytes for the firmware to receive, in order, starting now."""
        start = max(float(self._core.cycles), self._rx_end)
        for b in data:
            self._rx.append((start, b))
            start += FRAME_BITS * self.bit_cycles
        self._rx_end = start

    def take(self) -> bytes:
        """Bytes the firmware has transmitted (whole frames) since the last take()."""
        self._decode_until(self._core.cycles)
        out = bytes(self._tx)
        self._tx.clear()
        return out

    @property
    def pending_rx(self) -> int:
        """Bytes fed whose frames have not ended yet."""
        now = self._core.cycles
        return sum(1 for start, _ in self._rx if start + FRAME_BITS * self.bit_cycles > now)

    # -- TX ------------------------------------------------------------------------

    def _reg(self, address: int) -> int:
        return self._data[address]

    def _tx_level(self) -> int:
        if self._reg(self._regs.ddr) & self._tx_mask:
            return 1 if self._reg(self._regs.port) & self._tx_mask else 0
        return 1

    def _write_level(self, value: int, cycle: int) -> None:
        self._idle_polls = 0
        if self._driving:
            self._drive_pin()
        self._decode_until(cycle)
        level = self._tx_level()  # the core stored the value before calling the hook
        if level == self._level:
            return
        self._level = level
        if self._frame is not None:
            self._frame.append((cycle, level))
        elif level == 0:
            self._frame = [(cycle, 0)]

    def _decode_until(self, cycle: int) -> None:
        """Decode the frame in flight if its stop bit's middle lies before ``cycle``."""
        if self._frame is None:
            return
        t0 = self._frame[0][0]
        if cycle <= t0 + (FRAME_BITS - 0.5) * self.bit_cycles:
            return
        bits = [self._level_at(t0 + (k + 0.5) * self.bit_cycles) for k in range(1, FRAME_BITS)]
        self._frame = None
        if bits[-1]:
            self._tx.append(sum(bit << i for i, bit in enumerate(bits[:8])))
        else:
            self.framing_errors += 1

    def _level_at(self, t: float) -> int:
        level = 0
        for cycle, lv in self._frame:
            if cycle > t:
                break
            level = lv
        return level

    # -- RX ------------------------------------------------------------------------

    def _read_pin(self, cycle: int) -> int:
        frame = FRAME_BITS * self.bit_cycles
        while self._rx and self._rx[0][0] + frame <= cycle:
            del self._rx[0]
        rx = 1
        if self._rx:
            self._idle_polls = 0
            start, byte = self._rx[0]
            if start <= cycle:
                k = int((cycle - start) // self.bit_cycles)
                rx = 0 if k == 0 else 1 if k == 9 else byte >> (k - 1) & 1
        else:
            self._idle_polls += 1
            if self._idle_polls >= 2:
                self._idle_polls = 0
                self._core.request_stop()
        value = self._reg(self._regs.port) & ~self._rx_mask
        return value | (self._rx_mask if rx else 0)

    # -- running edge to edge ------------------------------------------------------

    def _edges(self, after: float) -> list[tuple[float, int]]:
        """(cycle, level) of every change of the RX line after cycle ``after``, from the queue."""
        edges, level = [], 1
        for start, byte in self._rx:
            bits = [0, *((byte >> i) & 1 for i in range(8)), 1]
            for k, bit in enumerate(bits):
                if bit != level:
                    level = bit
                    t = start + k * self.bit_cycles
                    if t > after:
                        edges.append((t, bit))
        return edges

    def _level_now(self, cycle: float) -> int:
        for start, byte in self._rx:
            if start <= cycle < start + FRAME_BITS * self.bit_cycles:
                k = int((cycle - start) // self.bit_cycles)
                return 0 if k == 0 else 1 if k == 9 else byte >> (k - 1) & 1
        return 1

    def _drive_pin(self) -> None:
        pin, port = self._regs.pin, self._regs.port
        rx = self._rx_mask if self._rx_level else 0
        self._data[pin] = (self._data[port] & ~self._rx_mask & 0xFF) | rx

    def run_core(self, max_cycles: int):
        """Run the core up to ``max_cycles``: edge to edge of the RX line while bytes are queued,
        then with the PIN hook on until the firmware waits for the host (``StopReason.PERIPHERAL``)."""
        core = self._core
        limit = core.cycles + max_cycles
        if self._rx:
            core.read_hook_enabled(self._regs.pin, False)
            self._driving = True
            try:
                self._rx_level = self._level_now(core.cycles)
                self._drive_pin()
                for cycle, level in self._edges(core.cycles):
                    if cycle >= limit:
                        break
                    stop = core.run_to_cycle(int(-(-cycle // 1)))  # the first whole cycle at or after the edge
                    if stop is not None:
                        return stop
                    self._rx_level = level
                    self._drive_pin()
                end = self._rx[-1][0] + FRAME_BITS * self.bit_cycles
                if end < limit:
                    stop = core.run_to_cycle(int(-(-end // 1)))
                    if stop is not None:
                        return stop
            finally:
                self._driving = False
                core.read_hook_enabled(self._regs.pin, True)
            self._rx = [(s, b) for s, b in self._rx if s + FRAME_BITS * self.bit_cycles > core.cycles]
        return core.run(max_cycles=max(1, limit - core.cycles))
