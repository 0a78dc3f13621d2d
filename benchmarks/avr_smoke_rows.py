"""All 7,150 smoke test rows, f32 and int8 variants, on our ATtiny85 core: wall time.

Prints the time per variant and in total next to the 20 s budget of the AVR-core issue,
with the ratio, and checks the int8 outputs against the host reference bit for bit.

Run: .venv/bin/python benchmarks/avr_smoke_rows.py [--model M.model] [--threads 2]
"""

import argparse
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.smoke_setup import smoke  # noqa: E402
from emulator.avr import AvrCore  # noqa: E402
from emulator.harness import run_vector  # noqa: E402
from hasaki_hil.build import builder as build  # noqa: E402
from hasaki_hil.model import variant as variant_mod  # noqa: E402
from hasaki_hil.quant import (  # noqa: E402
    quantize,
    reference,  # noqa: E402
)

BUDGET_S = 20.0


def run_rows(elf, rows: list[bytes]) -> list[bytes]:
    core = AvrCore("attiny85")
    core.load(elf)
    return [run_vector(core, r, max_cycles=5_000_000).output for r in rows]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model")
    ap.add_argument("--threads", type=int, default=2, help="the core releases the GIL: one thread per CPU")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        model, test, calib = smoke(args.model, tmp)
        total = 0.0
        print(f"{'variant':<8}{'rows':>7}{'seconds':>9}{'budget':>8}{'ratio':>7}  outputs")
        for scheme in ("f32", "int8"):
            v = quantize.build(model, [scheme] * 3, calib, scheme)
            variant_mod.save(v, tmp / f"{scheme}.variant")
            elf = build.build(tmp / f"{scheme}.variant", "attiny85", toolchain_choice="system", out_dir=tmp / scheme)[
                "firmware"
            ]["elf"]
            native = reference.native_inputs(v, test.X)
            rows = [r.tobytes() for r in native]
            chunks = [rows[i :: args.threads] for i in range(args.threads)]
            t0 = time.perf_counter()
            with ThreadPoolExecutor(args.threads) as pool:
                parts = list(pool.map(run_rows, [elf] * len(chunks), chunks))
            seconds = time.perf_counter() - t0
            total += seconds
            outs = [None] * len(rows)
            for i, part in enumerate(parts):
                outs[i :: args.threads] = part
            ref = reference.run(v, native, native=True)
            if scheme == "int8":
                same = np.array_equal(np.frombuffer(b"".join(outs), np.int8).reshape(-1, 1), ref.q_outputs)
                verdict = "identical to the host reference" if same else "DIFFERENT"
            else:
                err = np.abs(np.frombuffer(b"".join(outs), np.float32).reshape(-1, 1) - ref.outputs).max()
                verdict = f"max abs diff vs host reference {err:.2g}"
            print(f"{scheme:<8}{len(rows):>7}{seconds:>9.2f}{'':>8}{'':>7}  {verdict}")
        print(f"{'total':<8}{2 * len(rows):>7}{total:>9.2f}{BUDGET_S:>8.1f}{total / BUDGET_S:>7.3f}")


if __name__ == "__main__":
    main()
