"""A board without hardware: the real serial firmware running on an emulated core, its serial
link connected to a pseudo-terminal, so SerialTarget talks to real firmware bytes over a real tty.

    with EmulatedSerialBoard(elf, board) as port:      # port: a /dev/pts/N path
        SerialTarget(port, 115200).run(...)

The link is whatever the core offers as the firmware's serial port (``Core.serial_link``): the
ATmega328P's USART0, on the ATtiny85 the pins of its software UART (the board entry names them,
as firmware/harness/serial_soft_avr.c wires them), and on the unicorn chips the UART that
emulator/unicorn/peripherals.py models.
The firmware runs until it polls the link with nothing to read; bytes arriving on the pty
are fed in and it runs again. Every run is bounded by a cycle budget.
"""

import os
import select
import threading
import tty

from hasaki_hil import boards
from hasaki_hil.boards import Board
from hasaki_hil.errors import Interrupted, UserError
from hasaki_hil.files import elf_check
from hasaki_hil.progress import Progress
from hasaki_hil.targets.emulated_mark import EmulatedMark
from hasaki_hil.targets.linkfaults import LinkFaults

RUN_BUDGET = 500_000_000  # cycles per burst of work: far above one request's worth


def _core_and_link(board: Board):
    """A core for the board's chip and the firmware's serial link on it (attached before loading)."""
    from hasaki_hil.targets.emulated import open_core

    core = open_core(board)
    link = core.serial_link(clock_hz=board.clock_hz, baud=board.baud, soft_uart_pins=board.serial.soft_uart_pins)
    return core, link


class EmulatedSerialBoard:
    def __init__(
        self,
        elf,
        board: Board | str,
        *,
        faults: LinkFaults | None = None,
        reset_after_bytes: int | None = None,
    ):
        """``faults`` corrupts bytes in both directions; ``reset_after_bytes`` resets the
        core once, after that many bytes have reached the firmware (a crash mid-run)."""
        self.elf = elf
        self.board = boards.get(board)
        self.faults = faults or LinkFaults()
        self.reset_after_bytes = reset_after_bytes
        self.error: str | None = None
        self.requests = 0  # frames the host has sent (each ends with a 0x00 delimiter), for progress
        self._in_frame = False
        emu = self.board.emulator
        self.mark = EmulatedMark(f"{emu.backend}:{emu.chip}" if emu else "")
        self._stop = threading.Event()

    def _count_frames(self, data: bytes) -> None:
        for b in data:
            if b == 0 and self._in_frame:
                self.requests += 1
            self._in_frame = b != 0

    def _serve(self) -> None:
        from emulator.core import StopReason
        from emulator.errors import EmulatorError

        try:
            core, link = _core_and_link(self.board)
            core.load(self.elf)
            mark = self.mark
            received = 0
            while not self._stop.is_set():
                # the soft UART drives its RX pin edge to edge (emulator/avr/softuart.py: run_core)
                run = getattr(link, "run_core", None)
                stop = run(RUN_BUDGET) if run else core.run(max_cycles=RUN_BUDGET)
                out = self.faults.apply(mark(link.take()))
                if out:
                    os.write(self.master, out)
                if stop.reason is not StopReason.PERIPHERAL:
                    self.error = f"the firmware stopped ({stop.reason.value} at pc={stop.pc:#x})"
                    return
                while not self._stop.is_set() and not link.pending_rx:
                    ready, _, _ = select.select([self.master], [], [], 0.05)
                    if ready:
                        data = self.faults.apply(os.read(self.master, 4096))
                        received += len(data)
                        self._count_frames(data)
                        if self.reset_after_bytes is not None and received >= self.reset_after_bytes:
                            self.reset_after_bytes = None
                            core.reset()  # the firmware restarts and announces itself with BOOT
                            break
                        link.feed(data)
        except (EmulatorError, OSError) as e:
            self.error = str(e)  # the host sees silence and reports it; the cause is kept here

    def __enter__(self) -> str:
        if self.board.emulator is None:
            raise UserError(f"{self.board.name} has no emulated core here, so no emulated serial link")
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()
        return os.ttyname(self.slave)

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self.thread.join(timeout=5)
        os.close(self.master)
        os.close(self.slave)


def serve(elf, board_name: str, seconds: float, show_progress: bool = True) -> dict:
    """Serve a board's serial firmware on a pty until ``seconds`` pass or Ctrl-C."""
    import sys
    import time

    board = boards.get(board_name)
    if board.emulator is None:
        raise UserError(f"{board.name} has no emulated core here, so no emulated serial link")
    elf_check.check(elf, board.arch, "FIRMWARE")  # before the serving thread, which would sit silent
    t0 = time.monotonic()
    served = EmulatedSerialBoard(elf, board)
    with served as port:
        print(
            f"{board.name} firmware running on the emulated core; port {port} (Ctrl-C to stop)",
            file=sys.stderr,
            flush=True,
        )
        progress = Progress(
            None, f"serve-emulated {board.name}", enabled=show_progress, every=30.0, unit=" requests served"
        )
        try:
            # until the time is up, or the firmware stops (served.error says why)
            while time.monotonic() - t0 < seconds and served.thread.is_alive():
                time.sleep(0.2)
                progress.update(served.requests)
        except KeyboardInterrupt:
            progress.close()
            raise Interrupted(
                f"stopped serving {port} after {time.monotonic() - t0:.0f} s and {served.requests} requests"
            ) from None
        progress.close()
    return {
        "firmware": str(elf),
        "board": board.name,
        "seconds": time.monotonic() - t0,
        "requests": served.requests,
        "frames_sent": served.mark.frames,
        "error": served.error,
    }
