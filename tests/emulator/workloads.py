"""The test programs and a random input-vector generator for each (shared by the differential
test and benchmarks/avr_vs_simavr.py)."""

from __future__ import annotations

import struct
from collections.abc import Callable

import numpy as np


def _int8(rng: np.random.Generator, n: int) -> list[bytes]:
    return [rng.integers(-128, 128, 16).astype(np.int8).tobytes() for _ in range(n)]


def _floats(rng: np.random.Generator, n: int) -> list[bytes]:
    scales = rng.choice([1e-3, 1.0, 4.0, 100.0], size=(n, 1))
    return [row.astype("<f4").tobytes() for row in rng.uniform(-1, 1, (n, 8)) * scales]


def _muldiv(rng: np.random.Generator, n: int) -> list[bytes]:
    """Random operands, with zero divisors and INT32_MIN / -1 mixed in."""
    out = []
    for _ in range(n):
        a, b = (int(x) for x in rng.integers(0, 2**32, 2, dtype=np.uint64))
        c, d = (int(x) for x in rng.integers(-(2**31), 2**31, 2, dtype=np.int64))
        e, f = (int(x) for x in rng.integers(0, 2**16, 2))
        pick = rng.random()
        if pick < 0.1:
            b, d, f = 0, 0, 0
        elif pick < 0.2:
            c, d = -(2**31), -1
        elif pick < 0.4:
            b, d = int(rng.integers(1, 300)), int(rng.integers(-300, 300))
        out.append(struct.pack("<IIiiHH", a, b, c, d, e, f))
    return out


def _recursion(rng: np.random.Generator, n: int) -> list[bytes]:
    return [rng.integers(0, 256, 10, dtype=np.uint8).tobytes() for _ in range(n)]


# programs/<name>.c -> vectors(rng, n)
PROGRAMS: dict[str, Callable[[np.random.Generator, int], list[bytes]]] = {
    "dense_int8": _int8,
    "dense_f32": _floats,
    "muldiv32": _muldiv,
    "recursion": _recursion,
}
