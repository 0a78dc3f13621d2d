"""Cycles per inference of the 12-8-4-1 smoke model on the AVR boards, measured with simavr.

Builds each variant with the emulator harness (system avr-gcc, -Os) for the ATtiny85 (no
multiplier) and the ATmega328P (the uno: MUL), runs the test rows in simavr (Debian's
libsimavr, through the oracle driver in tests/emulator/oracle), checks the outputs against
the host reference (int8: bit for bit) and prints min/median/max cycles of the inference
alone beside the target and, for int8, the baseline: the same variant built in the same run
with -DHSK_NO_ROW_KERNELS, i.e. the per-call kernels the whole-layer ones replaced (the
ATtiny85's quarter-square hsk_dot8/hsk_requantize, the generic C on the ATmega328P).

Run: .venv/bin/python benchmarks/avr_int8_cycles.py [--model M.model] [--rows 7150]
Without --model it trains the smoke model (seed 7, 100 epochs) first.
"""

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.smoke_setup import smoke  # noqa: E402
from hasaki_hil.build import toolchain  # noqa: E402
from hasaki_hil.codegen import cheader as codegen  # noqa: E402
from hasaki_hil.quant import quantize, reference  # noqa: E402
from tests.emulator.oracle import simavr  # noqa: E402

BOARDS = {"attiny85": "attiny85", "uno": "atmega328p"}
TARGET = {("attiny85", "int8"): 5_000, ("uno", "int8"): 2_500}  # issue 19: max cycles per inference


def measure(v, X, mcu: str, d: Path, extra: tuple[str, ...] = ()) -> tuple[list[int], str]:
    """(cycles per row, how the outputs compare with the host reference)."""
    d.mkdir(parents=True)
    (d / "hsk_model.h").write_text(codegen.generate(v))
    elf = toolchain.compile_harness(f"avr-{mcu}", d, d / "model.elf", extra=extra)
    batch = simavr.run_vectors(elf, mcu, [r.tobytes() for r in reference.native_inputs(v, X)], max_cycles=5_000_000)
    cycles = [dict(r.markers)[2] - dict(r.markers)[1] for r in batch.runs]
    ref = reference.run(v, X)
    if ref.q_outputs is not None:
        got = np.array([np.frombuffer(r.output, np.int8) for r in batch.runs])
        return cycles, "identical" if np.array_equal(got, ref.q_outputs) else "DIFFERENT"
    got = np.array([np.frombuffer(r.output, np.float32) for r in batch.runs])
    return cycles, f"max abs diff {np.abs(got - ref.outputs).max():.2g}"


def spread(cycles: list[int]) -> str:
    return f"{min(cycles):>7,} {statistics.median(cycles):>7,.0f} {max(cycles):>7,}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model")
    ap.add_argument("--rows", type=int, default=7150)
    ap.add_argument("--schemes", default="int8,int8-wo,f32")
    ap.add_argument("--boards", default="attiny85,uno")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        model, test, calib = smoke(args.model, tmp)
        X = test.X[: args.rows]
        head = f"{'board':<9}{'variant':<9}{'rows':>5}  {'min / median / max':<24}{'target max':<12}"
        print(head + f"{'baseline min / median / max':<29}{'speed-up':>8}  outputs")
        for board in args.boards.split(","):
            mcu = BOARDS[board]
            for scheme in args.schemes.split(","):
                v = quantize.build(model, [scheme] * 3, calib, scheme)
                cycles, verdict = measure(v, X, mcu, tmp / board / scheme)
                target = TARGET.get((board, scheme))
                base, ratio = "-", "-"
                if scheme == "int8":
                    old, old_verdict = measure(v, X, mcu, tmp / board / "baseline", ("-DHSK_NO_ROW_KERNELS",))
                    base = spread(old) + ("" if old_verdict == "identical" else " (" + old_verdict + ")")
                    ratio = f"{statistics.median(old) / statistics.median(cycles):.2f}x"
                tgt = "-" if target is None else f"{target:,} " + ("ok" if max(cycles) <= target else "OVER")
                row = f"{board:<9}{scheme:<9}{len(cycles):>5}  {spread(cycles):<24}{tgt:<12}"
                print(row + f"{base:<29}{ratio:>8}  {verdict}")


if __name__ == "__main__":
    main()
