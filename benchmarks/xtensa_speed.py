"""The own Xtensa LX6 core: emulated instructions per second of the C execution loop on tight C
kernels, a float32 and an int8 dot product (tests/xtensa/c/dot.c, 256 elements) compiled with
clang-22 for the ESP32 and assembled with llvm-mc-22; with the estimated cycles per element
from the cycle table. Target: 100 M instructions/s.

Needs clang-22, llvm-22 and binutils-xtensa-lx106 (.ci/apt-packages).

Run: .venv/bin/python benchmarks/xtensa_speed.py [--repeat 2000] [--best-of 3]
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the tests' build helpers drive the real tools

from emulator.core import StopReason  # noqa: E402
from emulator.xtensa import XtensaCore  # noqa: E402
from tests.xtensa.build import image  # noqa: E402

TARGET = 100e6
N = 256


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2000, help="dot products per kernel and run")
    parser.add_argument("--best-of", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        elf = image(Path(tmp), {}, c_sources=(ROOT / "tests" / "xtensa" / "c" / "dot.c",))
        core = XtensaCore()
        core.load(elf)
        rng = np.random.default_rng(0)
        print(f"Xtensa LX6 core, clang-22 -O2 kernels, {N} elements, {args.repeat} products a run")
        print(
            f"{'kernel':8} {'M instr/s':>10} {'instr/elem':>11} {'cycles/elem':>12}"
            f"  (target {TARGET / 1e6:.0f} M instr/s)"
        )
        for name, mask in (("float32", 1), ("int8", 2), ("both", 3)):
            best = None
            for _ in range(args.best_of):
                core.reset()
                core.write_symbol("fa", rng.standard_normal(N).astype(np.float32).tobytes())
                core.write_symbol("fb", rng.standard_normal(N).astype(np.float32).tobytes())
                core.write_symbol("ia", rng.integers(-128, 128, N, dtype=np.int8).tobytes())
                core.write_symbol("ib", rng.integers(-128, 128, N, dtype=np.int8).tobytes())
                core.write_symbol("repeat", args.repeat.to_bytes(4, "little"))
                core.write_symbol("kernels", mask.to_bytes(4, "little"))
                t = time.perf_counter()
                stop = core.run(max_cycles=10**11)
                seconds = time.perf_counter() - t
                assert stop.reason is StopReason.HALT
                if best is None or seconds < best[0]:
                    best = (seconds, core.instructions, core.cycles)
            seconds, insns, cycles = best
            elems = args.repeat * N * (2 if mask == 3 else 1)
            rate = insns / seconds
            print(f"{name:8} {rate / 1e6:10.1f} {insns / elems:11.2f} {cycles / elems:12.2f}"
                  f"  {'ok' if rate >= TARGET else 'BELOW TARGET'}")  # fmt: skip


if __name__ == "__main__":
    main()
