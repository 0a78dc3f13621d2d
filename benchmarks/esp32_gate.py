"""The ESP32 gate's wall time on our Xtensa LX6 core beside the ESP32-C3's on unicorn, in the same
run: the smoke model's f32 and int8 variants, every test row (7,150), through EmulatorTarget as
`hasaki-hil test --emulate` runs them (reset, write the input, run to the halt, read the output,
per vector), with the emulated instructions per second of each core over the run and the
estimated cycles per inference. Target: <= 3 s per variant on the esp32 (issue "The ESP32
proved before flashing"); the core's own loop speed is benchmarks/xtensa_speed.py.

Run: .venv/bin/python benchmarks/esp32_gate.py [--model smoke.model] [--rows 7150]
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.smoke_setup import smoke  # noqa: E402
from hasaki_hil import boards  # noqa: E402
from hasaki_hil.build import builder  # noqa: E402
from hasaki_hil.model import variant as variant_mod  # noqa: E402
from hasaki_hil.quant import quantize, reference  # noqa: E402
from hasaki_hil.targets.base import FirmwareRef, Vectors  # noqa: E402
from hasaki_hil.targets.emulated import EmulatorTarget  # noqa: E402

TARGET_S = 3.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", help="a trained smoke model (default: train one as the issues specify)")
    ap.add_argument("--rows", type=int, default=7150)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        model, test, calib = smoke(args.model, work)
        X = test.X[: args.rows]
        print(f"{len(X)} rows; wall time of the gate's runs (build excluded), best of 2")
        print(f"{'board':<9}{'variant':<8}{'seconds':>9}{'M instr/s':>11}{'cycles median':>15}  vs target {TARGET_S} s")
        for scheme in ("f32", "int8"):
            v = quantize.build(model, [scheme] * 3, calib, scheme)
            path = work / f"{scheme}.variant"
            variant_mod.save(v, path)
            vectors = Vectors.for_variant(v, reference.native_inputs(v, X))
            for name in ("esp32", "esp32c3"):
                board = boards.get(name)
                fw = builder.build(path, board, harness="emu", toolchain_choice="system", out_dir=work / name / scheme)
                ref = FirmwareRef(fw["firmware"]["elf"], v.sha256)
                best, result, instructions = None, None, 0
                for _ in range(2):
                    target = EmulatorTarget(board)
                    t0 = time.perf_counter()
                    result = target.run(ref, vectors)
                    seconds = time.perf_counter() - t0
                    best = seconds if best is None else min(best, seconds)
                instructions = _instructions(board, ref, vectors)
                median = float(sorted(result.cycles)[len(result.cycles) // 2])
                ratio = f"{best / TARGET_S:.2f}" if name == "esp32" else "-"
                print(f"{name:<9}{scheme:<8}{best:>9.2f}{instructions / best / 1e6:>11.1f}{median:>15,.0f}  {ratio}")


def _instructions(board, ref, vectors) -> int:
    """Instructions the core executed over all vectors (one more pass, counted per reset)."""
    import emulator
    from emulator.harness import run_vector

    core = emulator.open_core(board.emulator.backend, board.emulator.chip)
    core.load(ref.elf)
    total = 0
    for vec in vectors.inputs:
        run_vector(core, vec, max_cycles=50_000_000)
        total += core.instructions
    return total


if __name__ == "__main__":
    main()
