"""Progress for long work, on stderr: a rich progress bar on a terminal, a plain line every few
seconds elsewhere (CI logs), nothing when disabled (under --json).

The time left is estimated from the rate since the first step finished, never including the
start-up before it (loading a core, building): a slow first vector used to make a 9-second run
announce 35 minutes. Where ``total`` is only an upper bound (training stops early), the
estimate is shown as one ("up to ...").

    progress = Progress(len(vectors), "test", enabled=not as_json)
    for k, v in enumerate(vectors): ...; progress.update(k + 1, "detail")
    progress.close("done")
"""

import atexit
import sys
import time


def clock(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}" if seconds >= 60 else f"{seconds} s"


class Rate:
    """Steps per second since the first update, and the time left from it."""

    def __init__(self):
        self.first: tuple[float, int] | None = None

    def left(self, now: float, done: int, total: int | None) -> float | None:
        if self.first is None:
            self.first = (now, done)
            return None
        t0, d0 = self.first
        if total is None or done <= d0 or now - t0 < 0.5:  # too little to measure yet
            return None
        return (now - t0) / (done - d0) * max(0, total - done)


class Progress:
    """Counts steps towards ``total`` (None: unknown, a count and a spinner only)."""

    def __init__(
        self,
        total: int | None,
        label: str,
        enabled: bool = True,
        stream=None,
        every: float = 5.0,
        upper_bound: bool = False,
        unit: str = "",
    ):
        self.total = None if total is None else max(1, total)
        self.label, self.unit, self.upper_bound = label, unit, upper_bound
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.tty = enabled and hasattr(self.stream, "isatty") and self.stream.isatty()
        self.every = every
        self.start = time.monotonic()
        self.last_print = self.start
        self.done = 0
        self.detail = ""
        self.rate = Rate()
        self._bar = None  # the rich display, started at the first update on a terminal
        self._drawn = 0.0

    def _left(self, now: float) -> str:
        left = self.rate.left(now, self.done, self.total)
        if left is None:
            return ""
        return f", {'up to ' if self.upper_bound else ''}{clock(left)} left"

    def _line(self, now: float, left: str) -> str:
        of = f"/{self.total}" if self.total is not None else ""
        detail = f" {self.detail}" if self.detail else ""
        return f"{self.label} {self.done}{of}{self.unit}{detail} ({clock(now - self.start)}{left})"

    def update(self, done: int, detail: str = "", force: bool = False) -> None:
        self.done, self.detail = done, detail or self.detail
        if not self.enabled:
            return
        now = time.monotonic()
        if self.tty:
            if force or self._bar is None or now - self._drawn >= 0.1:  # a terminal redraw costs more than a step
                self._rich_update()
                self._drawn = now
            return
        left = self._left(now)  # feeds the rate on every step, printed or not
        if force or now - self.last_print >= self.every:
            self.stream.write(self._line(now, left) + "\n")
            self.stream.flush()
            self.last_print = now

    def _rich_update(self) -> None:
        if self._bar is None:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )
            from rich.progress import Progress as RichProgress

            columns = [TextColumn("[bold]{task.description}")]
            columns += [BarColumn(), MofNCompleteColumn()] if self.total is not None else [SpinnerColumn()]
            columns += [TextColumn("{task.fields[detail]}"), TimeElapsedColumn()]
            if self.total is not None:
                columns += [TextColumn("up to" if self.upper_bound else "ETA"), TimeRemainingColumn()]
            self._bar = RichProgress(*columns, console=Console(file=self.stream), auto_refresh=False)
            self._task = self._bar.add_task(self.label, total=self.total, detail="")
            self._bar.start()
            atexit.register(self._stop)  # a command that raises must not leave the cursor hidden
        self._bar.update(self._task, completed=self.done, detail=self.detail)
        self._bar.refresh()

    def _stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            atexit.unregister(self._stop)
            self._bar = None

    def close(self, detail: str = "") -> None:
        """The last line: the work is over, so no time left; a bounded total was the most."""
        if not self.enabled:
            return
        if detail:
            self.detail = detail
        if self.tty:
            self._rich_update()
            if self.upper_bound and self._bar is not None:  # stopped early: what ran was all of it
                self._bar.update(self._task, total=self.done)
                self._bar.refresh()
            self._stop()
            return
        self.stream.write(self._line(time.monotonic(), "") + "\n")
        self.stream.flush()


class Steps:
    """Named steps of a longer job (``demo``): one line per step as it starts, with the time so far."""

    def __init__(self, total: int, label: str, enabled: bool = True, stream=None):
        self.total, self.label, self.enabled = total, label, enabled
        self.stream = stream or sys.stderr
        self.start = time.monotonic()
        self.n = 0

    def step(self, name: str) -> None:
        self.n += 1
        if self.enabled:
            took = clock(time.monotonic() - self.start)
            self.stream.write(f"{self.label} [{self.n}/{self.total}] {name} ({took} so far)\n")
            self.stream.flush()
