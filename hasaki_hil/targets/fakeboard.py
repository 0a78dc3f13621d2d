"""A fake board for tests (ours and users'): it speaks the real wire protocol over a real
pseudo-terminal, answering from the host reference, with optional link faults.

    with FakeBoard(variant) as port:          # port: a /dev/pts/N path
        SerialTarget(port, 115200).run(...)
"""

import os
import select
import threading
import tty

import numpy as np

from hasaki_hil.model.variant import Variant
from hasaki_hil.quant import reference
from hasaki_hil.targets import protocol
from hasaki_hil.targets.linkfaults import LinkFaults
from hasaki_hil.targets.protocol import Message


class FakeBoard:
    def __init__(
        self,
        variant: Variant,
        *,
        board: str = "fake",
        seed: int = 0,
        flip_rate: float = 0.0,
        drop_rate: float = 0.0,
        insert_rate: float = 0.0,
        reset_after_runs: int | None = None,
        silent: bool = False,
        banner: bytes = b"fake board booting\r\n",
        noise_seconds: float = 0.0,
        replay_lag: int | None = None,
        mute_after_runs: int | None = None,
    ):
        """``noise_seconds``: after the banner, garbage with zero bytes in it for that long, while
        requests go unanswered (a board booting at another baud rate). ``replay_lag``: before each
        genuine RUN reply, send the reply to the request that many runs earlier, as it was and
        re-tagged with the current sequence number (a replaying link). ``mute_after_runs``: answer
        that many runs, then nothing (a board that hangs)."""
        self.mute_after_runs = mute_after_runs
        self.variant = variant
        self.noise_seconds, self.replay_lag = noise_seconds, replay_lag
        self.sent_replies: list[bytes] = []
        self.faults = LinkFaults(flip_rate, drop_rate, insert_rate, seed)  # both directions
        self.reset_after_runs, self.silent, self.banner = reset_after_runs, silent, banner
        self.in_dtype = variant.input_dtype
        self.hello = protocol.Hello(
            board,
            0,
            "none",
            variant.sha256,
            variant.dims[0],
            variant.dims[-1],
            variant.input_is_int8,
            variant.output_is_int8,
            in_int16=variant.input_is_int16,
        )
        self.runs = 0
        self._stop = threading.Event()

    def _reply(self, msg: Message) -> bytes:
        if msg.type == protocol.HELLO:
            return protocol.encode(Message(protocol.HELLO_REPLY, msg.seq, protocol.hello_body(self.hello)))
        if msg.type != protocol.RUN:
            return protocol.encode(Message(protocol.ERROR, msg.seq, bytes([3])))
        self.runs += 1
        if self.mute_after_runs is not None and self.runs > self.mute_after_runs:
            return b""
        if self.reset_after_runs is not None and self.runs == self.reset_after_runs:
            return self.banner + protocol.encode(Message(protocol.BOOT, 0, protocol.hello_body(self.hello)))
        x = np.frombuffer(msg.body, dtype=self.in_dtype)
        if x.size != self.hello.n_in or len(msg.body) != x.size * x.itemsize:
            return protocol.encode(Message(protocol.RUN_REPLY, msg.seq, protocol.run_reply_body(1, msg.body, 0, b"")))
        result = reference.run(self.variant, x[None, :], native=True)
        out = result.q_outputs if self.hello.out_int8 else result.outputs
        body = protocol.run_reply_body(0, msg.body, 0, np.ascontiguousarray(out[0]).tobytes())
        reply = Message(protocol.RUN_REPLY, msg.seq, body)
        stale = b""
        if self.replay_lag is not None:
            if len(self.sent_replies) >= self.replay_lag:
                old = protocol.decode(self.sent_replies[-self.replay_lag][1:-1])
                stale = protocol.encode(old) + protocol.encode(Message(old.type, msg.seq, old.body))
            self.sent_replies.append(protocol.encode(reply))
        return stale + protocol.encode(reply)

    def _serve(self, master: int) -> None:
        import time

        deframer = protocol.Deframer()
        os.write(master, self.faults.apply(self.banner))
        noisy_until = time.monotonic() + self.noise_seconds
        noise = np.random.default_rng(1)
        while not self._stop.is_set():
            if time.monotonic() < noisy_until:
                os.write(master, noise.integers(0, 256, 64, dtype=np.uint8).tobytes())
            ready, _, _ = select.select([master], [], [], 0.01 if self.noise_seconds else 0.05)
            if not ready:
                continue
            try:
                data = os.read(master, 4096)
            except OSError:
                return
            bad = deframer.bad_frames
            messages = deframer.feed(self.faults.apply(data))
            if self.silent or time.monotonic() < noisy_until:
                continue
            for _ in range(deframer.bad_frames - bad):  # as the firmware does: NAK a damaged frame
                os.write(master, self.faults.apply(protocol.encode(Message(protocol.NAK, 0, b""))))
            for msg in messages:
                os.write(master, self.faults.apply(self._reply(msg)))

    @property
    def kind(self) -> str:
        return f"fake:{self.hello.board}"

    def run(self, firmware, vectors, progress=None):
        """The Target protocol: serve on a pty and run the vectors through SerialTarget, as a
        board on a port would be tested."""
        from hasaki_hil.targets.serial import SerialTarget

        with self as port:
            return SerialTarget(port, 115200).run(firmware, vectors, progress)

    def __enter__(self) -> str:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.thread = threading.Thread(target=self._serve, args=(self.master,), daemon=True)
        self.thread.start()
        return os.ttyname(self.slave)

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self.thread.join(timeout=2)
        os.close(self.master)
        os.close(self.slave)
