"""Load CSV datasets in Hasaki's format.

Comma-separated, no quoting, no header by default; each row holds the input values
followed by the label values. With a multi-class softmax output the labels may instead
be a single integer class index, which is turned into one-hot rows.

Every problem is a ``UserError`` that names ``PATH:LINE[:COL]``. Problems are reported
by kind, first in file order within each kind: unreadable text, missing data, column
counts, unparseable cells, non-finite values, then labels.
"""

import math
from dataclasses import dataclass

import numpy as np

from hasaki_hil.errors import UserError
from hasaki_hil.model.activations import OUTPUT_RANGE

_SHOWN_CHARS = 24  # longer cell texts are cut in messages


@dataclass(frozen=True, eq=False)
class Dataset:
    X: np.ndarray  # float64 [n, n_inputs]
    Y: np.ndarray  # float64 [n, n_outputs]; [n, 0] when the file had no label columns
    path: str
    columns: tuple[str, ...] | None  # header names, if the file had a header row
    lines: np.ndarray  # int64 [n]: 1-based file line of each row, for per-row reports

    @property
    def n_rows(self) -> int:
        return self.X.shape[0]

    @property
    def has_labels(self) -> bool:
        return self.Y.shape[1] > 0


def load_csv(
    path,
    n_inputs: int,
    n_outputs: int,
    output_activation: str | None = None,
    header: bool | None = None,
    require_labels: bool = True,
) -> Dataset:
    """Read ``path`` for a model with ``n_inputs`` inputs and ``n_outputs`` outputs.

    ``header=None`` detects a header row (the first non-blank line, if any of its cells
    is not a number); True/False force it. ``output_activation`` enables the label range
    check and, for "softmax" with several outputs, the class-index column form. With
    ``require_labels=False`` rows of inputs only are accepted too (Y is then [n, 0]).
    """
    if output_activation is not None and output_activation not in OUTPUT_RANGE:
        raise ValueError(f"unknown activation {output_activation!r}")
    where = str(path)
    numbered = [(n, line) for n, line in enumerate(_read_text(where).split("\n"), 1) if line.strip()]
    columns = _header(where, numbered, header)
    data = numbered[1:] if columns is not None else numbered
    if not data:
        why = "only a header row" if columns is not None else "empty or blank lines only"
        raise UserError(
            f"{where}: no data rows ({why})",
            f"add rows of {n_inputs} input values followed by {n_outputs} label values",
        )

    lines = np.array([n for n, _ in data], dtype=np.int64)
    t = _Table(where, [line.split(",") for _, line in data], lines, columns)
    n_cols = len(t.rows[0])
    multiclass = output_activation == "softmax" and n_outputs > 1
    _check_columns(t, numbered[0][0], n_inputs, n_outputs, multiclass, require_labels)

    try:
        values = np.array(t.rows, dtype=np.float64)  # fast path: one vectorised parse
    except ValueError:
        values = _parse_slowly(t)
    bad = ~np.isfinite(values)
    if bad.any():
        r, c = np.unravel_index(np.argmax(bad), bad.shape)  # the first in file order
        raise t.error(
            r,
            c,
            f"{t.show(r, c)} reads as {values[r, c]}, not a finite number",
            "NaN and infinite values cannot be trained on; remove or fill in the row",
        )

    X = np.ascontiguousarray(values[:, :n_inputs])
    if multiclass and n_cols == n_inputs + 1:
        Y = _one_hot(t, values[:, n_inputs], n_inputs, n_outputs)
    elif n_cols == n_inputs:
        Y = np.empty((len(t.rows), 0))
    else:
        Y = np.ascontiguousarray(values[:, n_inputs:])
        if output_activation is not None:
            _check_range(t, Y, n_inputs, output_activation)
    return Dataset(X=X, Y=Y, path=where, columns=columns, lines=lines)


def input_range(X) -> tuple[np.ndarray, np.ndarray]:
    """Per-column minimum and maximum of ``X``, as float32 (model metadata precision)."""
    X = np.asarray(X, dtype=np.float64)
    return X.min(axis=0).astype(np.float32), X.max(axis=0).astype(np.float32)


def _read_text(where: str) -> str:
    try:
        with open(where, "rb") as f:
            raw = f.read()
    except OSError as e:
        hint = "check the path" if isinstance(e, FileNotFoundError) else None
        raise UserError(f"{where}: cannot read: {e.strerror or e}", hint) from e
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        raise UserError(
            f"{where}:{line}: not UTF-8 text (byte 0x{raw[e.start]:02x})",
            "save the file as plain UTF-8 (or ASCII) CSV",
        ) from e
    return text.removeprefix("\ufeff")  # some spreadsheet exports begin with a BOM


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _header(where, numbered, header) -> tuple[str, ...] | None:
    if not numbered or header is False:
        return None
    lineno, line = numbered[0]
    cells = [cell.strip() for cell in line.split(",")]
    if header is None and all(_is_number(cell) or not cell for cell in cells):
        return None
    for col, cell in enumerate(cells, 1):
        if not cell:
            raise UserError(
                f"{where}:{lineno}:{col}: empty header cell",
                "a header row must name every column (or remove the header row)",
            )
    return tuple(cells)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


@dataclass
class _Table:
    """A file's data rows as cell texts, and how to point at one of its cells."""

    where: str
    rows: list[list[str]]
    lines: np.ndarray
    columns: tuple[str, ...] | None

    def show(self, r: int, c: int) -> str:
        cell = self.rows[r][c].strip()
        return repr(cell if len(cell) <= _SHOWN_CHARS else cell[:_SHOWN_CHARS] + "...")

    def error(self, r: int, c: int, what: str, hint: str) -> UserError:
        """A ``PATH:LINE:COL:`` error for row ``r`` and column ``c`` (both 0-based)."""
        name = f" (column {self.columns[c]!r})" if self.columns is not None else ""
        return UserError(f"{self.where}:{self.lines[r]}:{c + 1}: {what}{name}", hint)


def _check_columns(t: _Table, header_line, n_inputs, n_outputs, multiclass, require_labels):
    where, first = t.where, t.lines[0]
    n_cols = len(t.rows[0])
    full = n_inputs + n_outputs
    allowed = {full: "labels"}
    if multiclass:
        allowed[n_inputs + 1] = "with a class index"
    if not require_labels:
        allowed[n_inputs] = "without labels"
    if n_cols not in allowed:
        others = [f"{n} {how}" for n, how in allowed.items() if n != full]
        alt = f" (or {', or '.join(others)})" if others else ""
        hint = (
            f"the model takes {_plural(n_inputs, 'input')} and gives "
            f"{_plural(n_outputs, 'output')} (the first and last of its --arch dims): "
            "check that --arch matches this file, and that this is the right file"
        )
        if not t.rows[0][-1].strip():
            hint = "the row ends with a comma, which makes an extra empty column; " + hint
        raise UserError(
            f"{where}:{first}: {_plural(n_inputs, 'input')} + "
            f"{_plural(n_outputs, 'output')} = {full} columns{alt} expected, found {n_cols}",
            hint,
        )
    if t.columns is not None and len(t.columns) != n_cols:
        raise UserError(
            f"{where}:{header_line}: header has {len(t.columns)} columns but the first "
            f"data row (line {first}) has {n_cols}",
            "the header must name each column once",
        )
    for lineno, row in zip(t.lines, t.rows, strict=True):
        if len(row) != n_cols:
            raise UserError(
                f"{where}:{lineno}: {len(row)} columns, but the first data row (line {first}) has {n_cols}",
                "every row must have the same number of columns",
            )


def _parse_slowly(t: _Table) -> np.ndarray:
    """Cell-by-cell parse, run only when the fast path failed, to name the bad cell."""
    values = np.empty((len(t.rows), len(t.rows[0])))
    for r, row in enumerate(t.rows):
        for c, cell in enumerate(row):
            try:
                values[r, c] = float(cell)
            except ValueError:
                if not cell.strip():
                    raise t.error(r, c, "empty cell", "fill in every value") from None
                raise t.error(
                    r,
                    c,
                    f"{t.show(r, c)} is not a number",
                    "every data cell must be a plain decimal number such as 0.25 or -1e-3",
                ) from None
    return values


def _one_hot(t: _Table, index: np.ndarray, n_inputs: int, n_outputs: int) -> np.ndarray:
    bad = (index != np.floor(index)) | (index < 0) | (index >= n_outputs)
    if bad.any():
        r = int(np.argmax(bad))
        what = "not an integer" if index[r] != math.floor(index[r]) else "out of range"
        raise t.error(
            r,
            n_inputs,
            f"class index {t.show(r, n_inputs)} is {what}: must be 0..{n_outputs - 1}",
            f"with {n_outputs} softmax outputs the last column holds the class number "
            f"0..{n_outputs - 1} (or give {n_outputs} one-hot label columns)",
        )
    Y = np.zeros((len(index), n_outputs))
    Y[np.arange(len(index)), index.astype(np.int64)] = 1.0
    return Y


def _check_range(t: _Table, Y: np.ndarray, n_inputs: int, activation: str) -> None:
    lo, hi = OUTPUT_RANGE[activation]
    bad = (Y < lo) | (Y > hi)
    if bad.any():
        r, c = np.unravel_index(np.argmax(bad), bad.shape)
        must = f"in [{lo:g}, {hi:g}]" if math.isfinite(hi) else f">= {lo:g}"
        raise t.error(
            r,
            n_inputs + c,
            f"label {t.show(r, n_inputs + c)} is outside the {activation} output range: must be {must}",
            f"a {activation} output can only produce values {must}: rescale the labels, "
            "or choose an output activation whose range covers them",
        )
