"""SerialTarget: the wire protocol to a board (or anything that speaks it) over any pyserial URL."""

import numpy as np

from hasaki_hil.targets import protocol
from hasaki_hil.targets.base import DeviceError, FirmwareRef, RunResult, Vectors
from hasaki_hil.targets.protocol import FrameError, Message
from hasaki_hil.targets.transport import NETWORK_SLACK_S, Deadline, Transport, is_network, open_port


class SerialTarget:
    def __init__(self, url: str, baud: int, *, timeout: float = 2.0, retries: int = 8, handshake_timeout: float = 5.0):
        self.url, self.baud = url, baud
        self.timeout, self.retries, self.handshake_timeout = timeout, retries, handshake_timeout
        if is_network(url):  # a round trip over TCP to ser2net or a labgrid exporter
            self.timeout += NETWORK_SLACK_S
            self.handshake_timeout += NETWORK_SLACK_S
        self.seq = 0

    def _next_seq(self) -> int:
        self.seq = (self.seq + 1) & 0xFF
        return self.seq

    def _request(
        self, t: Transport, mtype: int, body: bytes, reply_type: int, deadline_s: float, what: str, faults: list
    ) -> Message:
        """Send a request and wait for its reply (same sequence number); resend a bounded
        number of times on silence or a damaged reply. A BOOT banner means the board reset."""
        seq = self._next_seq()
        for attempt in range(self.retries + 1):
            bad_before = t.deframer.bad_frames
            t.send(Message(mtype, seq, body))
            deadline = Deadline(deadline_s)
            while True:
                msg = t.receive(deadline)
                if msg is None:
                    break  # silence, or the reply arrived damaged: ask again now
                if msg.type == protocol.BOOT and mtype == protocol.RUN:
                    raise DeviceError(
                        f"the board reset during {what} (it sent a fresh boot banner)",
                        hint="a crash, brown-out or watchdog reset; check power and the stack size",
                    )
                if msg.type == protocol.ERROR and msg.seq == seq:
                    raise DeviceError(f"the board refused {what}: error {msg.body.hex()}")
                if msg.type == reply_type and msg.seq == seq:
                    return msg
            damaged = t.deframer.bad_frames - bad_before
            faults.append(
                {
                    "request": what,
                    "attempt": attempt + 1,
                    "cause": f"{damaged} damaged frame(s)" if damaged else "no reply",
                }
            )
        raise DeviceError(
            f"no valid reply to {what} after {self.retries + 1} attempts ({faults[-1]['cause']})",
            hint=f"check the port ({self.url}), the baud rate ({self.baud}), and that the board runs "
            "hasaki-hil's serial firmware",
        )

    def handshake(self, t: Transport, faults: list) -> protocol.Hello:
        msg = self._request(
            t, protocol.HELLO, b"", protocol.HELLO_REPLY, self.handshake_timeout, "the handshake", faults
        )
        try:
            return protocol.parse_hello(msg.body)
        except FrameError as e:
            raise DeviceError(f"the board's handshake is malformed: {e}") from None

    @property
    def kind(self) -> str:
        return f"serial:{self.url}"

    def run(self, firmware: FirmwareRef | None, vectors: Vectors, progress=None) -> RunResult:
        """Run ``vectors`` on whatever the board carries, after its handshake proves that it is
        the variant under test (``firmware`` is what should be there; the board's word counts)."""
        expected_model_hash, out_dtype, n_out = vectors.model_hash, vectors.out_dtype, vectors.n_out
        faults: list = []
        port = open_port(self.url, self.baud)
        t = Transport(port)
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
            for k, vec in enumerate(vectors.inputs):
                msg = self._request(t, protocol.RUN, vec, protocol.RUN_REPLY, self.timeout, f"vector {k}", faults)
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
        provenance = "hardware" if hello.counter != "none" else "none"
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
                "skipped_bytes": t.deframer.skipped_bytes,
                "bad_frames": t.deframer.bad_frames,
            },
        )
