"""Bytes with deadlines over anything pyserial opens by URL (/dev/ttyUSB0, COM7,
rfc2217://host:port, socket://host:port, a pty path, loop://)."""

import select
import time

import serial

from hasaki_hil.errors import UserError
from hasaki_hil.targets.protocol import Deframer, Message, encode

DAMAGED = Message(-1, -1, b"")  # what receive() returns when a frame arrived damaged


class Deadline:
    def __init__(self, seconds: float):
        self.end = time.monotonic() + seconds

    def expired(self) -> bool:
        return time.monotonic() >= self.end

    def cut(self, seconds: float) -> None:
        """End no later than ``seconds`` from now."""
        self.end = min(self.end, time.monotonic() + seconds)


def open_port(url: str, baud: int) -> serial.SerialBase:
    try:
        return serial.serial_for_url(url, baudrate=baud, timeout=0.05, write_timeout=2.0)
    except serial.SerialException as e:
        text = str(e)
        hint = "check the port name (ls /dev/ttyUSB* /dev/ttyACM*), that the board is plugged in"
        if "Permission denied" in text or "Errno 13" in text:
            hint = "add yourself to the dialout group (sudo usermod -aG dialout $USER), then log in again"
        elif "busy" in text.lower() or "Errno 16" in text:
            hint = "another program (a serial monitor?) has the port open; close it"
        raise UserError(f"cannot open serial port {url}: {text}", hint=hint) from None


class Transport:
    """Message-level I/O on a serial port: every read is bounded by a Deadline."""

    def __init__(self, port: serial.SerialBase):
        self.port = port
        self.deframer = Deframer()
        self.pending: list[Message] = []
        self.last_byte = 0.0  # time.monotonic() of the last byte received (is the line quiet?)

    def send(self, msg: Message) -> None:
        try:
            self.port.write(encode(msg))
            self.port.flush()
        except serial.SerialException as e:
            raise UserError(f"writing to the serial port failed: {e}", hint="was the board unplugged?") from None

    def receive(self, deadline: Deadline) -> Message | None:
        """The next decoded message, DAMAGED when a frame arrived damaged (and nothing intact
        with it), or None when the deadline passes."""
        while not self.pending:
            if deadline.expired():
                return None
            try:
                chunk = self._read_some(deadline)
            except serial.SerialException as e:
                raise UserError(f"reading from the serial port failed: {e}", hint="was the board unplugged?") from None
            if chunk:
                self.last_byte = time.monotonic()
                bad = self.deframer.bad_frames
                self.pending.extend(self.deframer.feed(chunk))
                if not self.pending and self.deframer.bad_frames > bad:
                    return DAMAGED  # the caller decides when to ask again
        return self.pending.pop(0)

    def _read_some(self, deadline: Deadline) -> bytes:
        """What has arrived, waiting at most until the deadline: on a port with a file descriptor
        (a tty, a pty) by select, so a short resend timeout is not rounded up to the port's
        50 ms read timeout; elsewhere (socket://, rfc2217://, loop://) by that timeout."""
        try:
            fd = self.port.fileno()
        except (AttributeError, OSError, ValueError, serial.SerialException):
            fd = None
        if fd is None:
            return self.port.read(max(1, self.port.in_waiting or 1))
        remaining = max(0.0, min(0.05, deadline.end - time.monotonic()))
        if not select.select([fd], [], [], remaining)[0]:
            return b""
        return self.port.read(max(1, self.port.in_waiting))

    def close(self) -> None:
        self.port.close()
