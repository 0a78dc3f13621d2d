"""Tables for the terminal, drawn with rich: aligned columns that fit the terminal, plain text
(no colour codes, a fixed width that does not wrap) when stdout is a file or a pipe.

A closed pipe while printing (``hasaki-hil boards | head -1``) is a BrokenPipeError for the
CLI to end quietly, as for plain prints (rich's own default would exit 1).
"""

import sys

from rich import box
from rich.console import Console
from rich.table import Table

PIPE_WIDTH = 160  # wide enough that no table here wraps in a log file


class _Console(Console):
    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError


def console() -> Console:
    out = sys.stdout
    tty = hasattr(out, "isatty") and out.isatty()
    return _Console(file=out, highlight=False, width=None if tty else PIPE_WIDTH, soft_wrap=False)


def table(*columns: str, right: tuple[str, ...] = (), title: str | None = None) -> Table:
    """A table with a header row; the ``right`` columns right-aligned (numbers)."""
    t = Table(box=box.SIMPLE_HEAD, show_edge=False, title=title, title_justify="left", pad_edge=False)
    for c in columns:
        t.add_column(c, justify="right" if c in right else "left", no_wrap=True)
    return t


def show(t: Table, indent: int = 2) -> None:
    from rich.padding import Padding

    console().print(Padding(t, (0, 0, 0, indent), expand=False))
