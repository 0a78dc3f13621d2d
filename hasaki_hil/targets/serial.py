"""SerialTarget: the wire protocol to a board (or anything that speaks it) over any pyserial URL.

A reply counts only if it carries the request's 16-bit sequence number and, for RUN, the
digest of the very input sent (docs/protocol.md): a stale or replayed reply is rejected here,
before any comparison with the host reference. When to resend is ``pacing``'s business."""

import time

import numpy as np

from hasaki_hil.targets import protocol
from hasaki_hil.targets.base import DeviceError, FirmwareRef, RunResult, Vectors
from hasaki_hil.targets.pacing import Pacing
from hasaki_hil.targets.protocol import FrameError, Message
from hasaki_hil.targets.transport import DAMAGED, NETWORK_SLACK_S, Deadline, Transport, is_network, open_port

HELLO_REPLY_BYTES = 64  # about what a HELLO_REPLY takes on the wire (for the first wait's floor)
MARGIN = 0.003  # seconds on top of the wire time: the host's and the board's scheduling


class SerialTarget:
    def __init__(
        self,
        url: str,
        baud: int,
        *,
        timeout: float = 2.0,
        retries: int = 40,
        handshake_timeout: float = 5.0,
        board: str | None = None,
    ):
        """``board``: the registry name the board must give in its handshake (None: any)."""
        self.url, self.baud, self.board = url, baud, board
        self.timeout, self.retries, self.handshake_timeout = timeout, retries, handshake_timeout
        if is_network(url):  # a round trip over TCP to ser2net or a labgrid exporter
            self.timeout += NETWORK_SLACK_S
            self.handshake_timeout += NETWORK_SLACK_S
        self.seq = 0
        self.link = {"resends": 0, "naks": 0, "stale_replies": 0, "wrong_digest": 0}
        self.pacing = Pacing(
            floor=MARGIN,
            cap=self.timeout,
            patience=3 * self.timeout,
            attempts=retries + 1,
            quiet=self._wire_time(3) - MARGIN,
        )

    def _next_seq(self) -> int:
        self.seq = (self.seq + 1) & 0xFFFF or 1  # 0 is the BOOT banner's
        return self.seq

    def _wire_time(self, n_bytes: int) -> float:
        return n_bytes * 10 / self.baud + MARGIN

    def _request(
        self, t: Transport, mtype: int, body: bytes, reply_type: int, what: str, faults: list, pacing: Pacing
    ) -> Message:
        """Send a request and wait for its reply (same sequence number; for RUN the same input
        digest); resend on silence or damage as ``pacing`` says. A BOOT banner during a RUN means
        the board reset."""
        seq = self._next_seq()
        want_digest = protocol.digest(body) if mtype == protocol.RUN else None
        start = time.monotonic()
        wait, damaged_attempts = pacing.first_wait(), 0
        for attempt in range(1, pacing.attempts + 1):
            if attempt > 1:
                self.link["resends"] += 1
            t.send(Message(mtype, seq, body))
            sent = time.monotonic()
            deadline = Deadline(min(wait, max(0.0, start + pacing.patience - sent)))
            cause = "no reply"
            while True:
                msg = t.receive(deadline)
                if msg is None:
                    busy = time.monotonic() - t.last_byte < pacing.quiet
                    if cause != "no reply" and busy and time.monotonic() - start < pacing.patience:
                        deadline = Deadline(pacing.quiet)  # bytes still coming (a burst): wait till it ends
                        continue
                    break
                if msg is DAMAGED or msg.type == protocol.NAK:
                    if msg.type == protocol.NAK:
                        self.link["naks"] += 1
                    cause = "the board got a damaged request" if msg.type == protocol.NAK else "damaged reply"
                    deadline.cut(pacing.pause(damaged_attempts))  # let a burst pass, then ask again
                    continue
                if msg.type == protocol.BOOT:
                    if mtype == protocol.RUN:
                        raise DeviceError(
                            f"the board reset during {what} (it sent a fresh boot banner)",
                            hint="a crash, brown-out or watchdog reset; check power and the stack size",
                        )
                    deadline.cut(0.0)  # it has just come up (an auto-reset on opening the port): ask now
                    cause = "the board was booting"
                    continue
                if msg.seq != seq:
                    self.link["stale_replies"] += 1  # an answer to an earlier request (or a replay)
                    continue
                if msg.type == protocol.ERROR:
                    raise DeviceError(f"the board refused {what}: error {msg.body.hex()}")
                if msg.type != reply_type:
                    continue
                if want_digest is not None:
                    try:
                        got = protocol.parse_run_reply(msg.body).digest
                    except FrameError:
                        got = None
                    if got != want_digest:
                        self.link["wrong_digest"] += 1  # it answers another input: never ours
                        cause = "a reply to another input"
                        continue
                if attempt == 1:  # Karn: after a resend, whose reply this is cannot be told
                    pacing.sample(time.monotonic() - sent)
                return msg
            faults.append(
                {"request": what, "attempt": attempt, "cause": cause, "waited": round(time.monotonic() - sent, 4)}
            )
            if time.monotonic() - start >= pacing.patience:
                break
            if cause in ("no reply", "a reply to another input"):
                wait = pacing.after_silence(wait)
            else:
                damaged_attempts += 1
        raise DeviceError(
            f"no valid reply to {what} after {attempt} attempts in {time.monotonic() - start:.1f} s "
            f"({faults[-1]['cause']})",
            hint=f"check the port ({self.url}), the baud rate ({self.baud}), and that the board runs "
            "hasaki-hil's serial firmware",
        )

    def handshake(self, t: Transport, faults: list) -> protocol.Hello:
        """HELLO, then check the board's word: its name must be the one asked for."""
        pacing = Pacing(
            floor=self._wire_time(HELLO_REPLY_BYTES),
            cap=self.handshake_timeout / 2,
            patience=2 * self.handshake_timeout,
            attempts=self.retries + 1,
            pause0=0.005,
            growth=1.5,
            pause_cap=0.25,
            quiet=self._wire_time(3),
        )
        msg = self._request(t, protocol.HELLO, b"", protocol.HELLO_REPLY, "the handshake", faults, pacing)
        try:
            hello = protocol.parse_hello(msg.body)
        except FrameError as e:
            raise DeviceError(f"the board's handshake is malformed: {e}") from None
        if self.board is not None and hello.board != self.board:
            raise DeviceError(
                f"the firmware on {self.url} says it is a {hello.board}, not a {self.board}; refusing its results",
                hint=f"use --board {hello.board} if that is the board on the port, or flash the {self.board} "
                "firmware to it",
            )
        return hello

    @property
    def kind(self) -> str:
        return f"serial:{self.url}"

    def run(self, firmware: FirmwareRef | None, vectors: Vectors, progress=None) -> RunResult:
        """Run ``vectors`` on whatever the board carries, after its handshake proves that it is
        the board asked for and carries the variant under test (``firmware`` is what should be
        there; the board's word counts)."""
        expected_model_hash, out_dtype, n_out = vectors.model_hash, vectors.out_dtype, vectors.n_out
        faults: list = []
        port = open_port(self.url, self.baud)
        t = Transport(port)
        t0 = time.monotonic()
        try:
            hello = self.handshake(t, faults)
            if hello.model_hash != expected_model_hash:
                raise DeviceError(
                    f"the firmware on the board carries model {hello.model_hash[:12]}, not the variant under test "
                    f"({expected_model_hash[:12]}); refusing its results",
                    hint="flash the firmware built for this variant",
                )
            outs, cycles = [], []
            width = np.dtype(out_dtype).itemsize * n_out
            if vectors.inputs:  # the frames' own time on the wire bounds the first wait from below
                frames = len(protocol.encode(Message(protocol.RUN, 0, vectors.inputs[0])))
                replies = len(protocol.encode(Message(protocol.RUN_REPLY, 0, bytes(protocol.RUN_REPLY_HEAD + width))))
                self.pacing.floor = self._wire_time(frames + replies)
            for k, vec in enumerate(vectors.inputs):
                msg = self._request(t, protocol.RUN, vec, protocol.RUN_REPLY, f"vector {k}", faults, self.pacing)
                reply = protocol.parse_run_reply(msg.body)
                if reply.status != "ok":
                    raise DeviceError(f"the board answered vector {k} with '{reply.status}'")
                if len(reply.outputs) != width:
                    raise DeviceError(f"vector {k}: {len(reply.outputs)} output bytes, expected {width}")
                outs.append(np.frombuffer(reply.outputs, dtype=out_dtype))
                cycles.append(reply.cycles)
                if progress:
                    progress(k + 1)
        finally:
            t.close()
        # A counter read on an emulated core is not hardware: the emulated link says so in the
        # handshake (protocol.EMULATED), which firmware cannot set; see docs/protocol.md.
        provenance = "none" if hello.counter == "none" else "emulated" if hello.emulated else "hardware"
        return RunResult(
            np.array(outs).reshape(len(vectors.inputs), n_out),
            np.array(cycles, np.int64),
            provenance,
            hello.counter,
            [],
            faults,
            {
                "board": hello.board,
                "clock_hz": hello.clock_hz,
                "emulated_core": hello.emulated or None,
                "skipped_bytes": t.deframer.skipped_bytes,
                "bad_frames": t.deframer.bad_frames,
                **self.link,
                "seconds": round(time.monotonic() - t0, 3),
            },
        )
