"""EmulatorTarget: the emulator-harness firmware run on the board's emulated core, vector by vector,
without reloading the image. Behaves like SerialTarget to everything above it."""

import numpy as np

from hasaki_hil.boards import Board
from hasaki_hil.errors import UserError
from hasaki_hil.targets.base import FirmwareRef, RunResult, Vectors

MAX_CYCLES = 50_000_000  # per vector: far above any model that fits these boards


def open_core(board: Board):
    """A fresh emulated core for the board's chip, from the emulator's one registry."""
    if board.emulator is None:
        raise UserError(
            f"{board.name} has no emulator ({board.core})",
            hint=f"test it on the board: hasaki-hil test VARIANT --board {board.name} --port PORT",
        )
    import emulator

    return emulator.open_core(board.emulator.backend, board.emulator.chip)


class EmulatorTarget:
    def __init__(self, board: Board):
        self.board = board
        if board.emulator is None:
            open_core(board)  # raises the user error that says where to test instead

    @property
    def kind(self) -> str:
        return f"emulator:{self.board.emulator.backend}:{self.board.emulator.chip}"

    def run(self, firmware: FirmwareRef, vectors: Vectors, progress=None) -> RunResult:
        from emulator.errors import EmulatorError
        from emulator.harness import run_vector

        if firmware.model_hash != vectors.model_hash:
            raise UserError(
                f"{firmware.elf} was built for model {firmware.model_hash[:12]}, not the variant under test "
                f"({vectors.model_hash[:12]})",
                hint="build the firmware for this variant (hasaki-hil build VARIANT --board ...)",
            )
        core = open_core(self.board)
        width = np.dtype(vectors.out_dtype).itemsize * vectors.n_out
        faults, outs, cycles, lows = [], [], [], []
        try:
            core.load(firmware.elf)
            for k, vec in enumerate(vectors.inputs):
                vr = run_vector(core, vec, max_cycles=MAX_CYCLES)
                outs.append(np.frombuffer(vr.output[:width], dtype=vectors.out_dtype))
                cycles.append(vr.cycles)
                if vr.stack_low_water is not None:
                    lows.append(vr.stack_low_water)
                if progress:
                    progress(k + 1)
        except EmulatorError as e:
            faults.append({"vector": len(outs), "fault": str(e)})
        info = {"core": type(core).__name__, "stack_low_water": min(lows) if lows else None}
        if lows and core.stack_top is not None:  # the stack grows down from its top
            info["stack_measured_bytes"] = core.stack_top - min(lows)
        return RunResult(
            np.array(outs, dtype=vectors.out_dtype).reshape(len(outs), vectors.n_out),
            np.array(cycles, np.int64),
            core.cycle_provenance.value,
            f"{self.board.emulator.backend} core ({self.board.emulator.chip})",
            faults=faults,
            info=info,
        )
