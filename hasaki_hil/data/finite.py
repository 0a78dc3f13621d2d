"""Inputs that are finite numbers in the file can still overflow where the model computes:
the device and the reference take float32 (which holds up to about 3.4e38) and scale each
input by the model's normalisation. A value such as 1e300 would become inf there, and the
outputs nan, printed as a class decision. These checks name the row and the column instead.

``where(row, column)`` gives the place for a message: ``FILE:LINE:COLUMN`` for a CSV file,
``--input N value M`` for predict (both 0-based in, as the caller numbers them out).
"""

from collections.abc import Callable

import numpy as np

from hasaki_hil.errors import UserError

FLOAT32_MAX = float(np.finfo(np.float32).max)


def csv_place(ds) -> Callable[[int, int], str]:
    return lambda r, c: f"{ds.path}:{int(ds.lines[r])}:{c + 1}"


def check_inputs(scaling, X: np.ndarray, where: Callable[[int, int], str]) -> None:
    """``scaling``: anything with ``input_offset`` and ``input_scale`` (a model or a variant)."""
    X = np.asarray(X, np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        as_f32 = X.astype(np.float32)
        scaled = (as_f32 - scaling.input_offset) * scaling.input_scale
    bad = ~(np.isfinite(as_f32) & np.isfinite(scaled))
    if not bad.any():
        return
    r, c = (int(i) for i in np.argwhere(bad)[0])
    stage = "in float32" if not np.isfinite(as_f32[r, c]) else "after the model's input scaling"
    raise UserError(
        f"{where(r, c)}: value {X[r, c]:.6g} is not finite {stage} (float32 holds up to {FLOAT32_MAX:.3g})"
        + (f"; {bad.sum()} values in all" if bad.sum() > 1 else ""),
        hint=_trained_range(scaling, c),
    )


def check_outputs(model, X: np.ndarray, out: np.ndarray, where: Callable[[int, int], str]) -> None:
    """Finite scaled inputs far outside the training range can still overflow inside the
    network: name the row and its input furthest outside the range the model was trained on."""
    bad_rows = np.flatnonzero(~np.isfinite(out).all(axis=1))
    if bad_rows.size == 0:
        return
    r = int(bad_rows[0])
    span = np.maximum(model.input_max - model.input_min, 1e-30)
    outside = np.maximum(model.input_min - X[r], X[r] - model.input_max) / span
    c = int(np.argmax(outside))
    raise UserError(
        f"{where(r, c)}: the model's outputs for this row are not finite (overflow in float32); "
        f"value {X[r, c]:.6g} is the furthest outside the training range"
        + (f"; {bad_rows.size} rows in all" if bad_rows.size > 1 else ""),
        hint=_trained_range(model, c),
    )


def _trained_range(scaling, c: int) -> str | None:
    lo, hi = getattr(scaling, "input_min", None), getattr(scaling, "input_max", None)
    if lo is None or hi is None:
        return "inputs must be numbers a float32 can hold after scaling: rescale this column"
    return f"the model was trained on input {c + 1} within [{float(lo[c]):.6g}, {float(hi[c]):.6g}]"
