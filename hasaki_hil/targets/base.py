"""What every target shares: the Target protocol, the vectors it runs, what it returns, and the
error for a device that misbehaves. Emulated cores, boards over serial and the fake board all
implement ``Target``, so the commands above them never ask which one they hold."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

from hasaki_hil.errors import UserError


class DeviceError(UserError):
    """The board misbehaved (silence, garbage, reset, wrong model): no result is trusted."""


@dataclass(frozen=True)
class FirmwareRef:
    """The firmware a target is asked to run: its ELF and the model hash it was built from."""

    elf: str
    model_hash: str


@dataclass(frozen=True)
class Vectors:
    """Input rows as the device takes them (native bytes), for one variant."""

    inputs: tuple[bytes, ...]
    out_dtype: type  # np.int8 or np.float32: what the device writes per output
    n_out: int
    model_hash: str  # the variant the outputs must come from

    @classmethod
    def for_variant(cls, variant, native: np.ndarray) -> Vectors:
        return cls(tuple(row.tobytes() for row in native), variant.output_dtype, variant.dims[-1], variant.sha256)

    def __len__(self) -> int:
        return len(self.inputs)

    def repeated(self, schedule: list[int]) -> Vectors:
        """The same vectors in another order or multiplicity (bench's warm-up and repetitions)."""
        return Vectors(tuple(self.inputs[i] for i in schedule), self.out_dtype, self.n_out, self.model_hash)


@dataclass(frozen=True)
class RunResult:
    outputs: np.ndarray  # native outputs [n, n_out] (int8 or float32)
    cycles: np.ndarray  # int64 [n], cycles of the inference alone
    provenance: str  # "exact", "estimate" or "hardware"
    counter: str  # what produced the cycles
    faults: list = field(default_factory=list)  # firmware faults that ended the run (emulated cores)
    retries: list = field(default_factory=list)  # link faults recovered by resending
    info: dict = field(default_factory=dict)


@runtime_checkable
class Target(Protocol):
    kind: str  # "emulator:BACKEND:CHIP" or "serial:URL", as records name it

    def run(self, firmware: FirmwareRef | None, vectors: Vectors, progress=None) -> RunResult:
        """Run every vector; ``progress(k)`` after the k-th. Refuses a firmware whose model hash is
        not ``vectors.model_hash``."""
