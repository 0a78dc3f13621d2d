"""Progress display for long work: a bar on a terminal, periodic lines elsewhere."""

import sys
import time


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}" if seconds >= 60 else f"{seconds}s"


class Progress:
    """Counts steps towards ``total``; ``enabled=False`` (e.g. under --json) prints nothing."""

    def __init__(self, total: int, label: str, enabled: bool = True, stream=None, every: float = 1.0):
        self.total = max(1, total)
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.tty = enabled and hasattr(self.stream, "isatty") and self.stream.isatty()
        self.every = every
        self.start = time.monotonic()
        self.last_print = -1e9
        self.done = 0

    def update(self, done: int, detail: str = "", force: bool = False) -> None:
        self.done = done
        if not self.enabled:
            return
        now = time.monotonic()
        elapsed = now - self.start
        eta = elapsed / done * (self.total - done) if done else 0.0
        timing = f"{_clock(elapsed)} elapsed, ETA {_clock(eta)}"
        if self.tty:
            width = 24
            filled = int(width * done / self.total)
            bar = "#" * filled + "." * (width - filled)
            self.stream.write(f"\r{self.label} [{bar}] {done}/{self.total} {detail} {timing}\x1b[K")
            self.stream.flush()
        elif force or now - self.last_print >= self.every:
            self.stream.write(f"{self.label} {done}/{self.total} {detail} {timing}\n")
            self.stream.flush()
            self.last_print = now

    def close(self, detail: str = "") -> None:
        if not self.enabled:
            return
        self.update(self.done, detail, force=True)
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
