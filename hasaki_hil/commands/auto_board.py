"""``quantize-test --scheme auto --board B``: the passing candidates built for the board and timed
on its emulated core, ranked by measured cycles, then flash, then RAM.

The host gate (gate/verdict.py) decides which candidates are accurate enough; this decides which
of those is cheapest where it will run. Parameter bytes are a poor proxy for that: an int8 layer
is smaller than an int8-wo one yet may cost more cycles on a core without a multiplier for its
requantisation, and a float layer is costly on an FPU-less core whatever its size. Only passing
candidates are built (a failing one cannot be chosen, and each build costs a compiler run).
"""

import statistics
import tempfile
from pathlib import Path

import numpy as np

from hasaki_hil import boards
from hasaki_hil.build import builder
from hasaki_hil.errors import UserError
from hasaki_hil.model import variant as variant_mod
from hasaki_hil.quant import reference
from hasaki_hil.targets.base import FirmwareRef, Vectors
from hasaki_hil.targets.emulated import EmulatorTarget

SAMPLE_ROWS = 64  # rows timed per candidate: the median is stable well before this on these MLPs
# Candidates within this fraction of the fastest median count as fast enough; among those,
# the one keeping the most float decisions is chosen. Why: on the smoke detector the fastest
# passing variant (int8x16,int8,int8) flips 4 decisions at 8.1k cycles on the ATtiny85, others
# flip 2 at 9.8k or none at 10.1k; a quarter more cycles for decisions kept is the trade most
# users of a safety classifier want, and --speed-slack 0 restores pure speed.
SPEED_SLACK = 0.25


def measure(variant, board: boards.Board, X: np.ndarray, work: Path) -> dict:
    """Build one variant for the board (emu harness, system toolchain) and time it on the emulated
    core; a build that does not fit is reported as such, not raised."""
    name = variant.sha256[:12]
    path = work / f"{name}.hskv"
    variant_mod.save(variant, path)
    try:
        rep = builder.build(
            path, board.name, harness="emu", toolchain_choice="system", out_dir=work / name, check_fit=False
        )
    except UserError as e:  # a candidate the compiler refuses is listed with why, never chosen
        return {"flash_bytes": None, "ram_bytes": None, "fits": False, "fit_reasons": str(e).splitlines()[:2],
                "cycles_median": None, "provenance": None}  # fmt: skip
    fw, fit = rep["firmware"], rep["fit"]
    ram = fit["ram_static"] + (fit["stack"] or 0)  # static RAM plus the worst-case stack bound, as the fit counts
    row = {"flash_bytes": fw["flash_bytes"], "ram_bytes": ram, "fits": fit["passed"], "fit_reasons": fit["reasons"]}
    if not fit["passed"] or board.emulator is None:
        return {**row, "cycles_median": None, "provenance": None}
    native = reference.native_inputs(variant, X)
    run = EmulatorTarget(board).run(FirmwareRef(fw["elf"], fw["variant_sha256"]), Vectors.for_variant(variant, native))
    if run.faults:  # a firmware fault on the core: no cycles to trust, so it cannot be chosen
        return {**row, "fits": False, "fit_reasons": [f"fault on the emulated core: {run.faults[0]['fault']}"],
                "cycles_median": None, "provenance": run.provenance}  # fmt: skip
    mismatch = _mismatch(variant, native, run.outputs)
    if mismatch:  # cycles of firmware that computes something else are no figure to choose by
        row.update(fits=False, fit_reasons=[f"{mismatch} of {len(native)} outputs differ from the host reference"])
    return {
        **row,
        "cycles_median": int(statistics.median(run.cycles.tolist())),
        "cycles_min": int(run.cycles.min()),
        "cycles_max": int(run.cycles.max()),
        "provenance": run.provenance,
        "counter": run.counter,
        "rows_timed": len(native),
        "mismatch": mismatch,
    }


def _mismatch(variant, native: np.ndarray, got: np.ndarray) -> int:
    """Rows whose emulated output differs from the host reference (as ``test --emulate`` counts)."""
    ref = reference.run(variant, native, native=True)
    if variant.output_is_int8:
        return int(np.sum(np.any(got != ref.q_outputs, axis=1)))
    close = np.isclose(got.astype(np.float32), ref.outputs, rtol=1e-5, atol=1e-6)
    return int(np.sum(~close.all(axis=1)))


def rank(
    passing, board_name: str, X: np.ndarray, rows: int = SAMPLE_ROWS, slack: float = SPEED_SLACK
) -> tuple[list[dict], object]:
    """Rows for the ranking table, fastest first, and the chosen Evaluation (None if nothing fits).

    Order: fitting before not fitting, then median cycles, flash bytes, RAM bytes, and the host
    gate's own order (flips, l2r) to break ties. The chosen one: of the fitting candidates whose
    median is within ``slack`` of the fastest, the fewest new false negatives, then the fewest
    flips, then this order."""
    board = boards.get(board_name)
    sample = np.asarray(X[:rows])
    measured = []
    with tempfile.TemporaryDirectory(prefix="hsk-auto-") as tmp:
        for ev in passing:
            m = ev.metrics
            row = {
                "variant": ev.summary,
                "flips": m.get("flips"),
                "new_fn": max(m["new_fn"]) if "new_fn" in m else None,
                "l2r": m["l2r"],
                **measure(ev.variant, board, sample, Path(tmp)),
            }
            measured.append((row, ev))
    big = float("inf")
    measured.sort(
        key=lambda p: (
            not p[0]["fits"],
            big if p[0]["cycles_median"] is None else p[0]["cycles_median"],
            big if p[0]["flash_bytes"] is None else p[0]["flash_bytes"],
            big if p[0]["ram_bytes"] is None else p[0]["ram_bytes"],
            p[0]["flips"] or 0,
            p[0]["l2r"],
        )
    )
    chosen = choose(measured, slack)
    rows_out = []
    for row, ev in measured:
        row["chosen"] = ev is chosen
        row["pareto"] = pareto(row, [r for r, _ in measured])
        rows_out.append(row)
    return rows_out, chosen


PARETO_KEYS = ("new_fn", "flips", "cycles_median", "flash_bytes")


def pareto(row: dict, rows: list[dict]) -> bool:
    """Whether a fitting, timed row is on the Pareto front of (new FN, flips, cycles, flash): no
    other such row is as good in all four and better in one."""

    def figures(r):
        return tuple(r[k] or 0 for k in PARETO_KEYS)

    if not row["fits"] or row["cycles_median"] is None:
        return False
    mine = figures(row)
    for other in rows:
        if other is row or not other["fits"] or other["cycles_median"] is None:
            continue
        theirs = figures(other)
        if all(t <= m for t, m in zip(theirs, mine)) and theirs != mine:
            return False
    return True


def choose(measured: list[tuple[dict, object]], slack: float):
    """The chosen candidate of (row, candidate) pairs in ranking order: of the fitting, timed ones
    within ``slack`` of the fastest median, the fewest new false negatives, then flips, then the
    ranking order; without cycles (no emulator), the first that fits; None if none fits."""
    timed = [p for p in measured if p[0]["fits"] and p[0]["cycles_median"] is not None]
    if not timed:
        return measured[0][1] if measured and measured[0][0]["fits"] else None
    limit = timed[0][0]["cycles_median"] * (1 + slack)
    fast = [p for p in timed if p[0]["cycles_median"] <= limit]
    return min(fast, key=lambda p: (p[0]["new_fn"] or 0, p[0]["flips"] or 0))[1]  # min is stable: the faster of equals


def check_board(board_name: str) -> boards.Board:
    """The board, before any search: an unknown name, or one that cannot be built here, is a user
    error up front rather than after the host search."""
    board = boards.get(board_name)
    builder.choose_driver(board, "system")  # raises, with a hint, when no cross-compiler builds for it
    return board
