"""The emulated link's word in the handshake: every HELLO_REPLY and BOOT frame the firmware on
an emulated core sends is passed on with the EMULATED flag set and the core's name appended
(``protocol.mark_emulated``), re-framed with a fresh CRC. Everything else passes unchanged.

Why here and not in the firmware: the same firmware image runs on a board and on the core, so
the image cannot know; the pty server does, and a real board's firmware cannot set the flag by
accident (hsk_link.h builds the flags from two 0/1 constants, bit 2 is never among them, and the
CRC covers it). docs/protocol.md says so too.
"""

from hasaki_hil.targets import protocol
from hasaki_hil.targets.protocol import FrameError

_MARKED = (protocol.HELLO_REPLY, protocol.BOOT)


class EmulatedMark:
    def __init__(self, core: str):
        self.core = core
        self.held = bytearray()  # bytes after the last delimiter: a frame may still be arriving
        self.frames = 0  # intact frames passed on (replies, NAKs, BOOT banners)

    def __call__(self, data: bytes) -> bytes:
        """The firmware's bytes as the host should see them; a partial frame waits for its end."""
        self.held += data
        end = self.held.rfind(0)
        if end < 0:
            if len(self.held) <= 4 * protocol.MAX_FRAME:
                return b""
            end = len(self.held) - 1  # no frame in sight: let the text through
        ready, self.held = bytes(self.held[: end + 1]), self.held[end + 1 :]
        return b"\x00".join(self._mark(part) for part in ready.split(b"\x00"))

    def _mark(self, part: bytes) -> bytes:
        if not part or len(part) > protocol.MAX_FRAME + 8:
            return part
        try:
            msg = protocol.decode(part)
        except FrameError:
            return part  # a banner, or damage: as it came
        self.frames += 1
        if msg.type not in _MARKED:
            return part
        try:
            body = protocol.mark_emulated(msg.body, self.core)
        except IndexError:
            return part
        return protocol.encode(protocol.Message(msg.type, msg.seq, body))[1:-1]
