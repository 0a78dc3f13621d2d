"""AVR core vs simavr: emulated cycles per wall-second on the same ELFs and input vectors.

For every test program in tests/emulator/programs on both MCUs (or for any ELF that follows
the emulator harness, given with --elf), runs the same vectors on simavr (the oracle driver,
all vectors in one process) and on our core, checks that outputs and cycle counts agree, and
prints both speeds and their ratio. simavr's figure counts reset, writing the input and the
run of each vector, as its driver measures them (process start, ELF loading, parsing and
printing excluded); ours counts everything done from Python per vector (reset, writing the
input, the run, reading output and markers). Best of --repeat runs each. Exits 1 if ours is
slower overall.

Run: .venv/bin/python benchmarks/avr_vs_simavr.py [--vectors 1000] [--repeat 3]
     .venv/bin/python benchmarks/avr_vs_simavr.py --elf firmware.elf --mcu attiny85
"""

import argparse
import sys
import time
import zlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for the test programs and the simavr oracle

from emulator import Marker  # noqa: E402
from emulator.avr import MCUS, AvrCore  # noqa: E402
from emulator.harness import INPUT_SYMBOL, inference_cycles, run_vector  # noqa: E402
from tests.emulator.avrbuild import build_c  # noqa: E402
from tests.emulator.oracle import run_vectors  # noqa: E402
from tests.emulator.workloads import PROGRAMS  # noqa: E402

MAX_CYCLES = 50_000_000


def workloads(args):
    """(label, elf, mcu, vectors) to measure."""
    if args.elf:
        core = AvrCore(args.mcu)
        core.load(args.elf)
        size = core.symbol(INPUT_SYMBOL).size
        rng = np.random.default_rng(0)
        yield Path(args.elf).name, Path(args.elf), args.mcu, [rng.bytes(size) for _ in range(args.vectors)]
        return
    for program, make in PROGRAMS.items():
        for mcu in MCUS:
            rng = np.random.default_rng(zlib.crc32(f"{program}:{mcu}".encode()))
            yield program, build_c(program, mcu), mcu, make(rng, args.vectors)


def measure(elf, mcu, vectors, repeat):
    """(total cycles, best simavr vector seconds, best simavr process seconds, best ours seconds, agree)."""
    core = AvrCore(mcu)
    core.load(elf)
    sim_vec = sim_wall = ours = float("inf")
    for _ in range(repeat):
        batch = run_vectors(elf, mcu, vectors, max_cycles=MAX_CYCLES)
        sim_vec, sim_wall = min(sim_vec, batch.vector_seconds), min(sim_wall, batch.wall_seconds)
        t0 = time.perf_counter()
        results = [run_vector(core, v, max_cycles=MAX_CYCLES) for v in vectors]
        ours = min(ours, time.perf_counter() - t0)
    agree = all(
        (r.output, r.cycles, r.total_cycles)
        == (ref.output, inference_cycles([Marker(v, c) for v, c in ref.markers]), ref.cycles)
        for r, ref in zip(results, batch.runs)
    )
    return sum(r.total_cycles for r in results), sim_vec, sim_wall, ours, agree


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--vectors", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--elf", help="any ELF built with the emulator harness (random input bytes)")
    ap.add_argument("--mcu", choices=list(MCUS), default="attiny85", help="the MCU the --elf is built for")
    args = ap.parse_args()

    header = f"{'program':<14}{'mcu':<12}{'cycles/vector':>14}{'simavr MHz':>12}{'(process)':>11}{'ours MHz':>10}"
    print(header + f"{'ratio':>8}  agree")
    totals = np.zeros(4)
    all_agree = True
    for label, elf, mcu, vectors in workloads(args):
        cycles, sim_vec, sim_wall, ours, agree = measure(elf, mcu, vectors, args.repeat)
        totals += (cycles, sim_vec, sim_wall, ours)
        all_agree &= agree
        print(
            f"{label[:13]:<14}{mcu:<12}{cycles / len(vectors):>14,.0f}{cycles / sim_vec / 1e6:>12.1f}"
            f"{cycles / sim_wall / 1e6:>11.1f}{cycles / ours / 1e6:>10.1f}{sim_vec / ours:>8.2f}"
            f"  {'yes' if agree else 'NO'}"
        )
    cycles, sim_vec, sim_wall, ours = totals
    ratio = sim_vec / ours
    print(
        f"{'all':<26}{'':>14}{cycles / sim_vec / 1e6:>12.1f}{cycles / sim_wall / 1e6:>11.1f}"
        f"{cycles / ours / 1e6:>10.1f}{ratio:>8.2f}  {'yes' if all_agree else 'NO'}"
    )
    print(f"ours / simavr in emulated cycles per second: {ratio:.2f} (required: >= 1.0)")
    return 0 if ratio >= 1.0 and all_agree else 1


if __name__ == "__main__":
    sys.exit(main())
