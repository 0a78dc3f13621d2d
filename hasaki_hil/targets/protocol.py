"""The host <-> board wire protocol: COBS frames with a CRC-16, versioned, host-initiated.

Frame on the wire: 0x00, COBS(payload + crc16_le(payload)), 0x00. The leading delimiter
ends whatever came before (a boot banner, ROM output, a torn frame) so it cannot glue
itself to the frame; empty frames between delimiters are ignored.
Payload: version (1 byte), type (1), sequence number (1), body. The full specification,
with the C side's obligations, is docs/protocol.md. Everything here is pure: bytes in,
messages out; transports and deadlines live in ``transport`` and ``serial_target``.
"""

import struct
from dataclasses import dataclass

VERSION = 1
HELLO, RUN = 0x01, 0x02  # host -> board
BOOT, HELLO_REPLY, RUN_REPLY, ERROR = 0x80, 0x81, 0x82, 0xFF  # board -> host
MAX_FRAME = 512  # bytes of payload; longer frames are garbage by definition

STATUS = {0: "ok", 1: "bad input length", 2: "bad request", 3: "unknown type", 4: "model error"}
COUNTERS = {0: "none", 1: "avr-timer", 2: "xtensa-ccount", 3: "riscv-mcycle", 4: "dwt-cyccnt", 5: "systick"}


class FrameError(ValueError):
    """A frame that does not decode: bad COBS, bad CRC, too short, or a foreign version."""


def crc16(data: bytes) -> int:
    """CRC-16/CCITT-FALSE: polynomial 0x1021, initial value 0xFFFF, no reflection."""
    crc = 0xFFFF
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc


def cobs_encode(data: bytes) -> bytes:
    out = bytearray()
    block = bytearray()
    for b in data:
        if b == 0:
            out.append(len(block) + 1)
            out += block
            block.clear()
        else:
            block.append(b)
            if len(block) == 254:
                out.append(255)
                out += block
                block.clear()
    out.append(len(block) + 1)
    out += block
    return bytes(out)


def cobs_decode(data: bytes) -> bytes:
    out = bytearray()
    i = 0
    while i < len(data):
        code = data[i]
        if code == 0:
            raise FrameError("zero byte inside a COBS frame")
        end = i + code
        if end > len(data):
            raise FrameError("COBS block runs past the end of the frame")
        chunk = data[i + 1 : end]
        if 0 in chunk:
            raise FrameError("zero byte inside a COBS block")
        out += chunk
        i = end
        if code < 255 and i < len(data):
            out.append(0)
    return bytes(out)


@dataclass(frozen=True)
class Message:
    type: int
    seq: int
    body: bytes


def encode(msg: Message) -> bytes:
    payload = bytes([VERSION, msg.type, msg.seq & 0xFF]) + msg.body
    return b"\x00" + cobs_encode(payload + struct.pack("<H", crc16(payload))) + b"\x00"


def decode(frame: bytes) -> Message:
    """One frame without its 0x00 delimiter -> Message, or FrameError."""
    if len(frame) > MAX_FRAME + 8:
        raise FrameError(f"frame of {len(frame)} bytes is longer than any message")
    raw = cobs_decode(frame)
    if len(raw) < 5:
        raise FrameError(f"frame of {len(raw)} bytes is too short")
    payload, (crc,) = raw[:-2], struct.unpack("<H", raw[-2:])
    if crc16(payload) != crc:
        raise FrameError("CRC mismatch")
    if payload[0] != VERSION:
        raise FrameError(f"protocol version {payload[0]}, expected {VERSION}")
    return Message(payload[1], payload[2], bytes(payload[3:]))


class Deframer:
    """Splits a byte stream into frames at 0x00; what lies before the first delimiter (boot
    banners, ROM output) and any frame that does not decode is counted and skipped."""

    def __init__(self):
        self.buffer = bytearray()
        self.skipped_bytes = 0
        self.bad_frames = 0

    def feed(self, data: bytes) -> list[Message]:
        self.buffer += data
        messages = []
        while True:
            end = self.buffer.find(0)
            if end < 0:
                if len(self.buffer) > 4 * MAX_FRAME:  # no delimiter in sight: junk, drop it
                    self.skipped_bytes += len(self.buffer)
                    self.buffer.clear()
                return messages
            frame = bytes(self.buffer[:end])
            del self.buffer[: end + 1]
            if not frame:
                continue
            try:
                messages.append(decode(frame))
            except FrameError:
                self.bad_frames += 1
                self.skipped_bytes += len(frame) + 1


@dataclass(frozen=True)
class Hello:
    """What a board says about itself (in HELLO_REPLY and in its BOOT banner)."""

    board: str
    clock_hz: int
    counter: str
    model_hash: str
    n_in: int
    n_out: int
    in_int8: bool
    out_int8: bool


def parse_hello(body: bytes) -> Hello:
    """body: board name length + name, clock u32, counter u8, model hash (32 raw bytes),
    n_in u16, n_out u16, flags u8 (bit 0: int8 inputs, bit 1: int8 outputs)."""
    try:
        n = body[0]
        name = body[1 : 1 + n].decode("ascii")
        clock, counter = struct.unpack_from("<IB", body, 1 + n)
        digest = body[6 + n : 38 + n]
        n_in, n_out, flags = struct.unpack_from("<HHB", body, 38 + n)
    except (IndexError, struct.error, UnicodeDecodeError) as e:
        raise FrameError(f"malformed HELLO body: {e}") from None
    if len(digest) != 32:
        raise FrameError("malformed HELLO body: short model hash")
    return Hello(
        name,
        clock,
        COUNTERS.get(counter, f"unknown({counter})"),
        digest.hex(),
        n_in,
        n_out,
        bool(flags & 1),
        bool(flags & 2),
    )


def hello_body(h: Hello) -> bytes:
    counter = {v: k for k, v in COUNTERS.items()}[h.counter]
    name = h.board.encode("ascii")
    return (
        bytes([len(name)])
        + name
        + struct.pack("<IB", h.clock_hz, counter)
        + bytes.fromhex(h.model_hash)
        + struct.pack("<HHB", h.n_in, h.n_out, int(h.in_int8) | (int(h.out_int8) << 1))
    )


@dataclass(frozen=True)
class RunReply:
    status: str
    cycles: int
    outputs: bytes


def parse_run_reply(body: bytes) -> RunReply:
    """body: status u8, cycles u32 (of hsk_predict alone), then the native output bytes."""
    if len(body) < 5:
        raise FrameError("malformed RUN reply: shorter than status and cycles")
    status, cycles = struct.unpack_from("<BI", body)
    return RunReply(STATUS.get(status, f"unknown status {status}"), cycles, bytes(body[5:]))


def run_reply_body(status: int, cycles: int, outputs: bytes) -> bytes:
    return struct.pack("<BI", status, cycles) + outputs
