"""Unicorn cores: emulated instructions per second with and without cycle estimation, and the
estimated cycles per inference of the smoke model per board and variant.

Speed: a firmware that calls the model's predict in a loop (``--rounds`` times), run on
UnicornCore (native block hook, cycle estimation on, marker write hook on) and on a bare unicorn
engine with the same memory and instruction ``count`` but no hooks, best of ``--repeat`` each;
side by side with the 30 M instructions/s target. Then the batched path everything else uses
(reset, write the input, run, read the output, per vector) on the smoke test rows, with the
estimated cycles between the markers (min/median/max; ``estimate``: instruction classes times
emulator/unicorn/costs.py) and the outputs against the host reference (int8: identical rows;
float: the largest ULP distance).

Uses ../shared/datasets/smoke (or HASAKI_SHARED); without it a random 12-8-4-1 model on random
inputs stands in, and the output says so. Needs the cross-compilers of .ci/apt-packages.

Run: .venv/bin/python benchmarks/unicorn_speed.py [--rows 7150] [--rounds 20000] [--repeat 3]
"""

import argparse
import os
import struct
import tempfile
import time
from pathlib import Path

import numpy as np
from unicorn import Uc

import emulator
from emulator.harness import run_vector
from emulator.unicorn import UnicornCore
from emulator.unicorn.loader import load_image, map_memory
from hasaki_hil import boards
from hasaki_hil.build import toolchain
from hasaki_hil.codegen import cheader as codegen
from hasaki_hil.data import csvfile as data
from hasaki_hil.model import modelfile
from hasaki_hil.quant import quantize, reference
from hasaki_hil.resources import RUNTIME_DIR
from hasaki_hil.train import training

ROOT = Path(__file__).resolve().parents[1]
SMOKE = Path(os.environ.get("HASAKI_SHARED", ROOT.parent / "shared")) / "datasets" / "smoke"
BOARDS = ("esp32c3", "pico", "nucleo_f446re")
SCHEMES = ("f32", "int8-wo", "int8")
TARGET = 30e6  # emulated instructions per second with cycle estimation (issue 7)

BENCH_MAIN = r"""#include "hsk_model.h"
volatile uint32_t hsk_emu_marker;
hsk_in_t hsk_emu_input[HSK_N_IN] __attribute__((section(".noinit")));
uint32_t hsk_emu_rounds __attribute__((section(".noinit")));
hsk_out_t hsk_emu_output[HSK_N_OUT];
void hsk_emu_done(void) __attribute__((noreturn, noinline));
void hsk_emu_done(void)
{
    for (;;)
        __asm__ volatile("" ::: "memory");
}
int main(void)
{
    uint32_t r;
    for (r = 0; r < hsk_emu_rounds; r++) {
        hsk_emu_input[r % HSK_N_IN] = (hsk_in_t)(r & 63);
        hsk_predict(hsk_emu_input, hsk_emu_output);
    }
    hsk_emu_done();
}
"""


def build(v, board: str, workdir: Path, main_source: str | None = None) -> Path:
    """The variant's firmware for a board: the real emulator harness, or ``main_source`` instead."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "hsk_model.h").write_text(codegen.generate(v))
    target_name = boards.get(board).toolchain_target
    if main_source is None:
        return toolchain.compile_harness(
            target_name, workdir, workdir / "firmware.elf", memory=boards.get(board).memory
        )
    (workdir / "main.c").write_text(main_source)
    target = toolchain.TARGETS[target_name]
    cmd = [toolchain.compiler(target), *target.flags, *toolchain.COMMON, "-I", str(workdir)]
    link = toolchain.link_flags(target, boards.get(board).memory)
    cmd += ["-I", str(RUNTIME_DIR), *link, str(workdir / "main.c"), "-o", str(workdir / "b.elf")]
    toolchain.run([*cmd, "-lm"], f"benchmark firmware for {board}")
    return toolchain.finish(workdir / "b.elf")


def bare_seconds(core: UnicornCore, elf: Path, rounds: int, repeat: int) -> float:
    """The same image, memory and instruction count on unicorn without any hook: the best of
    ``repeat`` runs, after a one-round run has translated the code (as in ``speed``)."""
    model, chip = core.model, core.chip
    image = load_image(elf, model, chip)
    uc = Uc(model.arch, model.mode, model.cpu)
    ram = map_memory(uc, chip, image)  # the engine runs on these buffers: keep them alive
    if model.thumb:
        uc.mem_map(0xE000E000, 0x1000)  # the SCS as plain RAM: the startup's CPACR write, no peripheral model
        # past the RP2040's boot2 block to the vector table (the core runs boot2 itself; it is not timed here)
        table = image.code_start + (256 if "hsk_boot2" in image.elf.symbols else 0)
        sp, pc = struct.unpack("<II", uc.mem_read(table, 8))
    else:
        sp, pc = 0, image.elf.entry
    done = core.symbol("hsk_emu_done").address
    times = []
    for n in (1, *[rounds] * repeat):
        uc.mem_write(image.elf.symbols["hsk_emu_rounds"][0], struct.pack("<I", n))
        uc.reg_write(model.sp, sp)
        t = time.perf_counter()
        uc.emu_start(pc, done, count=core.instruction_limit)
        times.append(time.perf_counter() - t)
    assert uc.reg_read(model.pc) == done and ram
    return min(times[1:])


def speed(v, board: str, workdir: Path, rounds: int, repeat: int) -> dict:
    """Instructions and seconds of ``rounds`` predict calls, with estimation and without (each the
    best of ``repeat`` runs, warm), and the first, one-round run that translated the code and
    costed its blocks."""
    elf = build(v, board, workdir, BENCH_MAIN)
    core = emulator.open_core("unicorn", boards.get(board).emulator.chip, instruction_limit=10**11)
    core.load(elf)
    times = []
    for n in (1, *[rounds] * repeat):
        core.reset()
        core.write_symbol("hsk_emu_rounds", struct.pack("<I", n))
        t = time.perf_counter()
        core.run(max_cycles=10**12)
        times.append(time.perf_counter() - t)
    return {
        "instructions": core.instructions,
        "with": min(times[1:]),
        "without": bare_seconds(core, elf, rounds, repeat),
        "first": times[0],
        "blocks": core.blocks_costed,
    }


def rows(v, board: str, workdir: Path, native: np.ndarray) -> dict:
    core = emulator.open_core("unicorn", boards.get(board).emulator.chip)
    core.load(build(v, board, workdir))
    last = v.layers[-1]
    dtype = np.int8 if last.kind == "int8" and last.activation != "softmax" else np.float32
    outs, cycles, instructions = [], [], 0
    t = time.perf_counter()
    for row in native:
        run = run_vector(core, row.tobytes(), max_cycles=50_000_000)
        outs.append(np.frombuffer(run.output, dtype))
        cycles.append(run.cycles)
        instructions += core.instructions
    seconds = time.perf_counter() - t
    return {"outputs": np.array(outs), "cycles": np.array(cycles), "seconds": seconds, "instructions": instructions}


def agreement(v, native: np.ndarray, got: np.ndarray) -> str:
    ref = reference.run(v, native, native=True)
    if got.dtype == np.int8:
        same = int(np.sum(np.all(got == ref.q_outputs, axis=1)))
        return f"{same}/{len(got)} rows identical"
    return f"max {int(np.abs(_ordered(got) - _ordered(ref.outputs)).max())} ULP"


def _ordered(x: np.ndarray) -> np.ndarray:
    """float32 as integers in value order, so a difference counts float32 steps (ULPs)."""
    i = np.asarray(x, np.float32).view(np.int32).astype(np.int64)
    return np.where(i < 0, -(i & 0x7FFFFFFF), i)


def smoke_model(workdir: Path, n_rows: int):
    """The smoke model (trained as the tests train it) and its test rows, or a random stand-in."""
    if (SMOKE / "train.csv").is_file():
        training.train_file(SMOKE / "train.csv", workdir / "smoke.model", arch="12,8,4,1", act="relu,relu,sigmoid",
                            config={"epochs": 100}, seed=7, show_progress=False)  # fmt: skip
        calib = data.load_csv(SMOKE / "train.csv", 12, 1, "sigmoid").X
        X = data.load_csv(SMOKE / "test.csv", 12, 1, "sigmoid").X[:n_rows]
        return modelfile.load(workdir / "smoke.model"), calib, X, "smoke model, test.csv"
    from tests.test_codegen import random_model

    rng = np.random.default_rng(7)
    model = random_model(rng, (12, 8, 4, 1), ("relu", "relu", "sigmoid"))
    return model, rng.normal(size=(1000, 12)), rng.normal(size=(n_rows, 12)), f"NO SMOKE DATA at {SMOKE}: random model"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=7150, help="smoke test rows per board and variant")
    ap.add_argument("--rounds", type=int, default=20000, help="predict calls in the speed firmware")
    ap.add_argument("--repeat", type=int, default=3, help="speed runs; the best counts")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        model, calib, X, what = smoke_model(tmp, args.rows)
        variants = {s: quantize.build(model, [s] * 3, calib, s) for s in SCHEMES}
        print(f"model: {what}; target {TARGET / 1e6:.0f} M emulated instructions/s with cycle estimation\n")
        print(f"speed: predict in a loop ({args.rounds} rounds) on one load, warm, best of {args.repeat}; the marker")
        print("write hook is on, as in every run; the first, one-round run translated the code and costed each")
        print("basic block once (capstone): the last column")
        print(f"{'board':14} {'variant':8} {'instructions':>13} {'with estimate':>14} {'without':>11} "
              f"{'target':>8} {'with/target':>11} {'first run':>17}")  # fmt: skip
        for board in BOARDS:
            for s in SCHEMES:
                r = speed(variants[s], board, tmp / f"speed-{board}-{s}", args.rounds, args.repeat)
                n = r["instructions"]
                print(f"{board:14} {s:8} {n / 1e6:11.1f} M {n / r['with'] / 1e6:10.1f} M/s "
                      f"{n / r['without'] / 1e6:7.1f} M/s {TARGET / 1e6:6.0f} M {n / r['with'] / TARGET:10.2f}x "
                      f"{r['first'] * 1e3:5.0f} ms {r['blocks']:4d} blocks")  # fmt: skip
        print(f"\nbatched vectors ({len(X)} rows: reset, input, run, output per vector, one load); cycles are estimate")
        print(f"{'board':14} {'variant':8} {'min':>8} {'median':>8} {'max':>8} {'us@clock':>9} {'vectors/s':>10} "
              f"{'instr/s':>9}  outputs vs reference")  # fmt: skip
        for board in BOARDS:
            clock = boards.get(board).clock_hz
            for s in SCHEMES:
                v = variants[s]
                native = reference.native_inputs(v, X)
                r = rows(v, board, tmp / f"rows-{board}-{s}", native)
                c = r["cycles"]
                rate = r["instructions"] / r["seconds"] / 1e6
                print(f"{board:14} {s:8} {c.min():8d} {int(np.median(c)):8d} {c.max():8d} "
                      f"{np.median(c) / clock * 1e6:9.1f} {len(c) / r['seconds']:10.0f} "
                      f"{rate:7.1f} M  {agreement(v, native, r['outputs'])}")  # fmt: skip
        print("\nwhat the estimates assume (emulator/unicorn/costs.py):")
        for board in BOARDS:
            table = emulator.open_core("unicorn", boards.get(board).emulator.chip).model.costs
            for assumption in table.assumptions:
                print(f"  {table.core}: {assumption}")


if __name__ == "__main__":
    main()
