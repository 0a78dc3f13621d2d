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


NETWORK_SCHEMES = ("rfc2217://", "socket://")
# added to every reply deadline over a network port: a round trip through ser2net or a labgrid
# exporter on another machine (and its RFC 2217 negotiation) is not a USB cable
NETWORK_SLACK_S = 1.0


def is_network(url: str) -> bool:
    return url.startswith(NETWORK_SCHEMES)


def _lost_hint(url: str) -> str:
    if is_network(url):
        return "the connection to the board's server dropped: is ser2net (or the labgrid exporter) still running?"
    return "was the board unplugged?"


def rfc2217_url(url: str) -> str:
    """ser2net (which labgrid's exporters run) does not answer pyserial's SET_CONTROL (flow control)
    the way pyserial waits for, so opening fails after 3 s; labgrid's own driver connects with
    ``ign_set_control`` for that reason, and so do we. Other URLs pass unchanged."""
    if not url.startswith("rfc2217://") or "ign_set_control" in url:
        return url
    return url + ("&" if "?" in url else "?") + "ign_set_control"


def open_port(url: str, baud: int) -> serial.SerialBase:
    try:
        # pyserial's RFC 2217 client refuses a write timeout (NotImplementedError); its writes go to
        # a TCP socket, which the deadlines on the replies bound anyway
        write_timeout = None if url.startswith("rfc2217://") else 2.0
        return serial.serial_for_url(rfc2217_url(url), baudrate=baud, timeout=0.05, write_timeout=write_timeout)
    except (serial.SerialException, OSError) as e:  # a socket's own errors too
        text = str(e)
        hint = "check the port name (ls /dev/ttyUSB* /dev/ttyACM*), that the board is plugged in"
        if is_network(url):
            hint = "check the host and port, and that ser2net (or a labgrid exporter) serves the board there"
        if "Permission denied" in text or "Errno 13" in text:
            hint = "add yourself to the dialout group (sudo usermod -aG dialout $USER), then log in again"
        elif "busy" in text.lower() or "Errno 16" in text:
            hint = "another program (a serial monitor?) has the port open; close it"
        raise UserError(f"cannot open serial port {url}: {text}", hint=hint) from None


class LinkLost(UserError):
    """The serial link itself failed (a port unplugged, a TCP connection dropped): a device error."""


class Transport:
    """Message-level I/O on a serial port: every read is bounded by a Deadline."""

    def __init__(self, port: serial.SerialBase):
        self.port = port
        self.url = str(getattr(port, "portstr", None) or port.port).split("?")[0]  # for messages
        self.deframer = Deframer()
        self.pending: list[Message] = []
        self.last_byte = 0.0  # time.monotonic() of the last byte received (is the line quiet?)

    def send(self, msg: Message) -> None:
        try:
            self.port.write(encode(msg))
            self.port.flush()
        except (serial.SerialException, OSError) as e:  # a socket's own errors too
            raise LinkLost(f"writing to {self.url} failed: {e}", hint=_lost_hint(self.url)) from None

    def receive(self, deadline: Deadline) -> Message | None:
        """The next decoded message, DAMAGED when a frame arrived damaged (and nothing intact
        with it), or None when the deadline passes."""
        while not self.pending:
            if deadline.expired():
                return None
            try:
                chunk = self._read_some(deadline)
            except (serial.SerialException, OSError) as e:  # a socket's own errors too
                raise LinkLost(f"reading from {self.url} failed: {e}", hint=_lost_hint(self.url)) from None
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
