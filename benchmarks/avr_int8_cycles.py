"""Cycles per inference of the 12-8-4-1 smoke model on the ATtiny85, measured with simavr.

Builds each variant with the emulator harness (system avr-gcc, -Os), runs the test rows
in simavr (Debian's libsimavr, through the oracle driver in tests/emulator/oracle), checks
the outputs against the host reference (int8: bit for bit) and prints min/median/max
cycles of the inference alone, side by side with the issue's budget and the ratio.

Run: .venv/bin/python benchmarks/avr_int8_cycles.py [--model M.model] [--rows 1000]
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

BUDGET = {"int8": 10_000, "f32": None, "int8-wo": None}  # the codegen issue's budget for int8


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model")
    ap.add_argument("--rows", type=int, default=1000)
    ap.add_argument("--schemes", default="int8,f32,int8-wo")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        model, test, calib = smoke(args.model, tmp)
        X = test.X[: args.rows]
        print(f"{'variant':<10}{'rows':>6}{'min':>9}{'median':>9}{'max':>9}{'budget':>9}{'ratio':>8}  outputs")
        for scheme in args.schemes.split(","):
            v = quantize.build(model, [scheme] * 3, calib, scheme)
            d = tmp / scheme
            d.mkdir()
            (d / "hsk_model.h").write_text(codegen.generate(v))
            elf = toolchain.compile_harness("avr-attiny85", d, d / "model.elf")
            batch = simavr.run_vectors(
                elf, "attiny85", [r.tobytes() for r in reference.native_inputs(v, X)], max_cycles=5_000_000
            )
            cycles = [dict(r.markers)[2] - dict(r.markers)[1] for r in batch.runs]
            ref = reference.run(v, X)
            if ref.q_outputs is not None:
                got = np.array([np.frombuffer(r.output, np.int8) for r in batch.runs])
                verdict = "identical" if np.array_equal(got, ref.q_outputs) else "DIFFERENT"
            else:
                got = np.array([np.frombuffer(r.output, np.float32) for r in batch.runs])
                verdict = f"max abs diff {np.abs(got - ref.outputs).max():.2g}"
            med = statistics.median(cycles)
            budget = BUDGET.get(scheme)
            ratio = f"{med / budget:.3f}" if budget else "-"
            print(
                f"{scheme:<10}{len(cycles):>6}{min(cycles):>9}{med:>9.0f}{max(cycles):>9}"
                f"{budget or '-':>9}{ratio:>8}  {verdict}"
            )


if __name__ == "__main__":
    main()
