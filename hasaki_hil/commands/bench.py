"""The ``bench`` command: cycles per inference measured by the board's own counter (warm-up,
then N repetitions per vector), and, where the board has an emulator, the ratio of the
board's figure to the emulator's for the same vectors."""

import statistics

import numpy as np

from hasaki_hil import boards
from hasaki_hil.build import builder as build
from hasaki_hil.commands.options import add_json, add_place, nonneg_int, positive_int
from hasaki_hil.data import csvfile as data
from hasaki_hil.data import finite
from hasaki_hil.errors import UserError
from hasaki_hil.model import variant as variant_mod
from hasaki_hil.quant import reference
from hasaki_hil.targets.base import FirmwareRef, Vectors


def _summary(cycles: np.ndarray) -> dict:
    return {"min": int(cycles.min()), "median": float(statistics.median(cycles.tolist())), "max": int(cycles.max())}


def bench(
    variant_path,
    board_name: str,
    port: str,
    vectors_csv,
    *,
    rows: int = 10,
    warmup: int = 3,
    repeat: int = 20,
    baud: int | None = None,
    timeout: float = 2.0,
) -> dict:
    if not port:
        raise UserError("bench needs a board: give --port URL or --place NAME (a labgrid place)")
    if not port:
        raise UserError("bench needs a board: give --port URL or --place NAME (a labgrid place)")
    if rows < 1 or repeat < 1 or warmup < 0:
        raise UserError("--rows and --repeat must be >= 1 and --warmup >= 0")
    from hasaki_hil.targets.serial import SerialTarget

    board = boards.get(board_name)
    if board.serial.counter.startswith("none"):
        raise UserError(
            f"{board.name} has no cycle counter: its serial firmware reports no cycles, so there is nothing to bench",
            hint=f"hasaki-hil test VARIANT --board {board.name} --emulate --vectors DATA.csv counts its cycles exactly",
        )
    v = variant_mod.load(variant_path)
    m = v.parent
    ds = data.load_csv(vectors_csv, m.n_inputs, m.n_outputs, m.output_activation, require_labels=False)
    X = ds.X[:rows]
    finite.check_inputs(v, X, finite.csv_place(ds))
    native = Vectors.for_variant(v, reference.native_inputs(v, X))
    n = len(native)
    # warm-up runs first, then each vector `repeat` times, in one session
    schedule = native.repeated(list(range(n)) * warmup + [i for i in range(n) for _ in range(repeat)])
    result = SerialTarget(port, baud or board.baud, timeout=timeout, board=board.name).run(None, schedule)
    if result.counter == "none":  # the firmware's word: no counter, so its zeros are not figures
        raise UserError(
            f"the firmware on {port} reports no cycle counter, so there is nothing to bench",
            hint="hasaki-hil test --emulate counts the cycles exactly on the emulated core",
        )
    measured = result.cycles[len(native) * warmup :]
    clock = result.info.get("clock_hz") or board.clock_hz  # what the firmware runs at, as it reports
    out = {
        "board": board.name,
        "variant_sha256": v.sha256,
        "counter": result.counter,
        "provenance": result.provenance,
        "vectors": len(native),
        "repeat": repeat,
        "warmup": warmup,
        "cycles": _summary(measured),
        "clock_hz": clock,
        "microseconds_median": statistics.median(measured.tolist()) / clock * 1e6,
        "spread_per_vector": int(max(np.ptp(measured[i * repeat : (i + 1) * repeat]) for i in range(len(native)))),
    }
    if board.emulator is not None:
        from hasaki_hil.targets.emulated import EmulatorTarget

        fw = build.build(variant_path, board, harness="emu")["firmware"]
        emulated = EmulatorTarget(board).run(FirmwareRef(fw["elf"], fw["variant_sha256"]), native)
        out["emulator"] = {"provenance": emulated.provenance, "cycles": _summary(emulated.cycles)}
        ratio = out["cycles"]["median"] / out["emulator"]["cycles"]["median"]
        if result.provenance == "hardware":
            out["ratio_board_to_emulator"] = ratio
        else:  # an emulated core on the port: the same core twice, a check of the link, not of hardware
            out["ratio_emulated_link_to_emulator"] = ratio
    return out


def add_parser(sub) -> None:
    p = sub.add_parser("bench", help="cycles per inference on a board, and the board/emulator ratio")
    p.add_argument("variant")
    p.add_argument("--board", required=True)
    p.add_argument("--port", help="serial port of the board running the variant's firmware")
    add_place(p)
    p.add_argument("--vectors", required=True, metavar="CSV", help="input rows to time (labels optional)")
    p.add_argument("--rows", type=positive_int, default=10, help="how many rows (default 10)")
    p.add_argument("--warmup", type=nonneg_int, default=3, help="untimed passes over the rows first (default 3)")
    p.add_argument("--repeat", type=positive_int, default=20, help="timed runs of each row (default 20)")
    p.add_argument("--baud", type=positive_int, help="baud rate (default: the board's)")
    add_json(p)
    p.set_defaults(run=run, render="bench")


def run(args) -> dict:
    return bench(
        args.variant,
        args.board,
        args.port,
        args.vectors,
        rows=args.rows,
        warmup=args.warmup,
        repeat=args.repeat,
        baud=args.baud,
    )
