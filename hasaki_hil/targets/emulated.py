"""EmulatorTarget: the emulator harness firmware run on an emulated core, vector by vector,
without reloading the image. Behaves like SerialTarget to everything above it."""

import numpy as np

from hasaki_hil.boards.registry import Board
from hasaki_hil.errors import UserError
from hasaki_hil.targets.serial import RunResult

MAX_CYCLES = 50_000_000  # per vector: far above any model that fits these boards


def make_core(board: Board):
    if board.emulator == "avr":
        from emulator.avr.core import AvrCore

        return AvrCore(board.mcu)
    if board.emulator in ("unicorn-riscv32", "unicorn-arm"):
        from emulator.unicorn import core_for_board

        return core_for_board(board.name)
    raise UserError(
        f"{board.name} has no emulator ({board.core})",
        hint=f"test it on the board: hasaki-hil test VARIANT --board {board.name} --port PORT",
    )


class EmulatorTarget:
    def __init__(self, board: Board):
        self.board = board

    def run(self, elf, vectors: list[bytes], out_dtype, n_out: int, progress=None) -> RunResult:
        from emulator.errors import EmulatorError
        from emulator.harness import run_vector

        core = make_core(self.board)
        faults = []
        outs, cycles, lows = [], [], []
        try:
            core.load(elf)
            for k, vec in enumerate(vectors):
                vr = run_vector(core, vec, max_cycles=MAX_CYCLES)
                outs.append(np.frombuffer(vr.output[: np.dtype(out_dtype).itemsize * n_out], dtype=out_dtype))
                cycles.append(vr.cycles)
                if vr.stack_low_water is not None:
                    lows.append(vr.stack_low_water)
                if progress:
                    progress(k + 1)
        except EmulatorError as e:
            faults.append({"vector": len(outs), "fault": str(e)})
        info = {"core": type(core).__name__, "stack_low_water": min(lows) if lows else None}
        ramend = getattr(getattr(core, "mcu", None), "ramend", None)
        if lows and ramend is not None:  # the stack starts at RAMEND and grows down
            info["stack_measured_bytes"] = ramend - min(lows)
        return RunResult(
            np.array(outs).reshape(len(outs), n_out),
            np.array(cycles, np.int64),
            core.cycle_provenance.value,
            f"{self.board.emulator} core",
            faults=faults,
            info=info,
        )
