"""The host <-> board wire protocol: COBS frames with a CRC-16, versioned, host-initiated.

Frame on the wire: 0x00, COBS(payload + crc16_le(payload)), 0x00. The leading delimiter
ends whatever came before (a boot banner, ROM output, a torn frame) so it cannot glue
itself to the frame; empty frames between delimiters are ignored.
Payload: version (1 byte), type (1), sequence number (u16), body. The full specification,
with the C side's obligations, is docs/protocol.md. Everything here is pure: bytes in,
messages out; transports and deadlines live in ``transport`` and ``serial_target``.
"""

import struct
from dataclasses import dataclass

# the payload limit and layout live in one place, shared with the firmware build's check
from hasaki_hil.build.link_frames import HEAD, HELLO_FIXED, MAX_FRAME, RUN_REPLY_HEAD, frame_sizes  # noqa: F401

VERSION = 2  # 2: 16-bit sequence numbers, replies carry their input's digest, the emulated flag
HELLO, RUN = 0x01, 0x02  # host -> board
BOOT, HELLO_REPLY, RUN_REPLY, NAK, ERROR = 0x80, 0x81, 0x82, 0x83, 0xFF  # board -> host
EMULATED = 0x04  # HELLO flags bit 2: set by the emulated link on its way to the host, never by firmware
IN_INT16 = 0x08  # HELLO flags bit 3: the firmware takes int16 inputs

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
    payload = bytes([VERSION, msg.type]) + struct.pack("<H", msg.seq & 0xFFFF) + msg.body
    return b"\x00" + cobs_encode(payload + struct.pack("<H", crc16(payload))) + b"\x00"


def decode(frame: bytes) -> Message:
    """One frame without its 0x00 delimiter -> Message, or FrameError."""
    if len(frame) > MAX_FRAME + 8:
        raise FrameError(f"frame of {len(frame)} bytes is longer than any message")
    raw = cobs_decode(frame)
    if len(raw) < HEAD + 2:
        raise FrameError(f"frame of {len(raw)} bytes is too short")
    payload, (crc,) = raw[:-2], struct.unpack("<H", raw[-2:])
    if crc16(payload) != crc:
        raise FrameError("CRC mismatch")
    if payload[0] != VERSION:
        raise FrameError(f"protocol version {payload[0]}, expected {VERSION}")
    if len(payload) > MAX_FRAME:
        raise FrameError(f"payload of {len(payload)} bytes is over the limit of {MAX_FRAME}")
    return Message(payload[1], payload[2] | payload[3] << 8, bytes(payload[HEAD:]))


def digest(body: bytes) -> int:
    """What a RUN_REPLY echoes of its request: the CRC-16 of the request's body (the input)."""
    return crc16(body)


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
    emulated: str = ""  # the emulated core behind the link ("avr:atmega328p"), "" for a board
    in_int16: bool = False  # int16 inputs (an int8x16 first layer)


def parse_hello(body: bytes) -> Hello:
    """body: board name length + name, clock u32, counter u8, model hash (32 raw bytes),
    n_in u16, n_out u16, flags u8 (bit 0: int8 inputs, bit 1: int8 outputs, bit 2: emulated,
    then core name length u8 + core name; bit 3: int16 inputs)."""
    try:
        n = body[0]
        name = body[1 : 1 + n].decode("ascii")
        clock, counter = struct.unpack_from("<IB", body, 1 + n)
        model_digest = body[6 + n : 38 + n]
        n_in, n_out, flags = struct.unpack_from("<HHB", body, 38 + n)
    except (IndexError, struct.error, UnicodeDecodeError) as e:
        raise FrameError(f"malformed HELLO body: {e}") from None
    if len(model_digest) != 32:
        raise FrameError("malformed HELLO body: short model hash")
    emulated = ""
    if flags & EMULATED:
        core = body[43 + n : 44 + n + (body[43 + n] if len(body) > 43 + n else 0)]
        emulated = core[1:].decode("ascii", "replace")
        if not emulated or len(core) != 1 + core[0]:
            raise FrameError("malformed HELLO body: the emulated flag without a core name")
    return Hello(
        name,
        clock,
        COUNTERS.get(counter, f"unknown({counter})"),
        model_digest.hex(),
        n_in,
        n_out,
        bool(flags & 1),
        bool(flags & 2),
        emulated,
        bool(flags & IN_INT16),
    )


def hello_body(h: Hello) -> bytes:
    counter = {v: k for k, v in COUNTERS.items()}[h.counter]
    name = h.board.encode("ascii")
    body = (
        bytes([len(name)])
        + name
        + struct.pack("<IB", h.clock_hz, counter)
        + bytes.fromhex(h.model_hash)
        + struct.pack("<HHB", h.n_in, h.n_out, int(h.in_int8) | (int(h.out_int8) << 1) | (IN_INT16 * h.in_int16))
    )
    return mark_emulated(body, h.emulated) if h.emulated else body


def mark_emulated(body: bytes, core: str) -> bytes:
    """A HELLO body as the emulated link passes it on: flag bit 2 set, the core's name appended.
    Firmware never sets the bit (hsk_link.h builds the flags from 0/1 constants for bits 0, 1 and 3)."""
    n = body[0]
    flags = body[42 + n]
    name = core.encode("ascii")
    return body[: 42 + n] + bytes([flags | EMULATED, len(name)]) + name


@dataclass(frozen=True)
class RunReply:
    status: str
    digest: int  # the CRC-16 of the input it answers
    cycles: int
    outputs: bytes


def parse_run_reply(body: bytes) -> RunReply:
    """body: status u8, input digest u16, cycles u32 (of hsk_predict alone), then the native
    output bytes."""
    if len(body) < RUN_REPLY_HEAD:
        raise FrameError("malformed RUN reply: shorter than status, digest and cycles")
    status, dig, cycles = struct.unpack_from("<BHI", body)
    return RunReply(STATUS.get(status, f"unknown status {status}"), dig, cycles, bytes(body[RUN_REPLY_HEAD:]))


def run_reply_body(status: int, input_body: bytes, cycles: int, outputs: bytes) -> bytes:
    return struct.pack("<BHI", status, digest(input_body), cycles) + outputs
