"""All 7,150 smoke test rows through the ATtiny85's serial firmware (software UART, 9600 baud)
on our AVR core behind a pty, the way `flash --board attiny85 --vectors test.csv` gates it.

Prints the wall time of the serial run (SerialTarget over the pty, outputs checked bit for bit
against the host reference) and of the whole `flash --dry-run --vectors` command, beside the
159 s that command took before the soft-UART bridge drove its RX pin edge to edge (issue 17).

Run: .venv/bin/python benchmarks/attiny85_serial_rows.py [--model M.model] [--rows N]
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.smoke_setup import SMOKE, smoke  # noqa: E402
from hasaki_hil.build import builder as build  # noqa: E402
from hasaki_hil.model import variant as variant_mod  # noqa: E402
from hasaki_hil.quant import quantize, reference  # noqa: E402
from hasaki_hil.targets.base import Vectors  # noqa: E402
from hasaki_hil.targets.emulated_serial import EmulatedSerialBoard  # noqa: E402
from hasaki_hil.targets.serial import SerialTarget  # noqa: E402

BEFORE_S = 159.0  # `flash --board attiny85 --vectors test.csv`, as issue 17 measured it
BUDGET_S = 30.0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model")
    ap.add_argument("--rows", type=int, default=0, help="0: all of test.csv")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        model, test, calib = smoke(args.model, tmp)
        v = quantize.build(model, ["int8"] * 3, calib, "int8")
        path = tmp / "int8.variant"
        variant_mod.save(v, path)
        X = test.X[: args.rows or None]
        native = reference.native_inputs(v, X)
        fw = build.build(path, "attiny85", harness="serial", toolchain_choice="system", out_dir=tmp / "fw")["firmware"]
        t0 = time.perf_counter()
        with EmulatedSerialBoard(fw["elf"], "attiny85") as port:
            result = SerialTarget(port, 9600, board="attiny85").run(None, Vectors.for_variant(v, native))
        serial_s = time.perf_counter() - t0
        same = np.array_equal(result.outputs, reference.run(v, native, native=True).q_outputs)
        outputs = "identical to the host reference" if same else "DIFFERENT"
        print(f"serial run, {len(native)} rows: {serial_s:.1f} s; outputs {outputs}; {result.info['resends']} resends")
        if args.rows:
            return
        cmd = [sys.executable, "-m", "hasaki_hil", "flash", str(path), "--board", "attiny85", "--dry-run",
               "--vectors", str(SMOKE / "test.csv"), "--build-dir", str(tmp / "flash")]  # fmt: skip
        t0 = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True)
        flash_s = time.perf_counter() - t0
        progress = [line for line in done.stderr.splitlines() if line.startswith("test ")]
        verdict = (done.stdout.strip() or done.stderr.strip()).splitlines()[-1:]
        print(
            f"flash --board attiny85 --dry-run --vectors test.csv: {flash_s:.1f} s (exit {done.returncode}); "
            f"before: {BEFORE_S:.0f} s; budget {BUDGET_S:.0f} s; {len(progress)} progress lines\n  {verdict}"
        )


if __name__ == "__main__":
    main()
