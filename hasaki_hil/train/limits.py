"""Bounds on what ``train`` accepts, checked before any array is allocated, so an absurd
``--arch`` (a layer of 10^9) is a user error naming the bound, not a MemoryError or a machine
driven into swap.

- MAX_LAYERS and MAX_PARAMETERS: this tool trains tiny networks for microcontrollers. The
  largest board here has 4 MB of flash, about one million float32 parameters; the bound is
  16 times that, so nothing a board could hold is refused.
- the memory a run needs (parameters in float64 times the copies training keeps, plus the
  activations of a full pass over the data) must fit in the memory available now.
"""

import os

from hasaki_hil.errors import UserError

MAX_LAYERS = 64
MAX_PARAMETERS = 1 << 24  # 16,777,216
# float64 copies of the parameters training holds at once: weights, gradients, Adam's two
# moments, the best-so-far copy, and the temporary of an update
PARAM_COPIES = 6
# float64 arrays per layer width and row of a full pass: pre-activation, activation, gradient
ACTIVATION_COPIES = 3


def n_parameters(dims) -> int:
    return sum((a + 1) * b for a, b in zip(dims, dims[1:]))


def check_arch(dims, text: str) -> None:
    if len(dims) - 1 > MAX_LAYERS:
        raise UserError(f"--arch {_short(text)} has {len(dims) - 1} layers; the bound is {MAX_LAYERS}")
    n = n_parameters(dims)
    if n > MAX_PARAMETERS:
        raise UserError(
            f"--arch {_short(text)} has {n:,} parameters; the bound is {MAX_PARAMETERS:,} "
            "(16 times what the largest supported board can hold)",
            hint="this tool trains tiny networks for microcontrollers; use narrower layers",
        )


def available_memory() -> int | None:
    """Bytes of memory available now (Linux: MemAvailable), or None where unknown."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def memory_needed(dims, rows: int) -> int:
    return 8 * (PARAM_COPIES * n_parameters(dims) + ACTIVATION_COPIES * rows * sum(dims))


def check_memory(dims, rows: int, available: int | None = None) -> None:
    available = available_memory() if available is None else available
    need = memory_needed(dims, rows)
    if available is not None and need > available:
        raise UserError(
            f"training {'-'.join(map(str, dims))} on {rows:,} rows needs about {need / 2**20:,.0f} MiB; "
            f"{available / 2**20:,.0f} MiB of memory is available",
            hint="use narrower layers or fewer rows",
        )


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."
