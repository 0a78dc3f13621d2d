"""The gate: thresholds, verdicts with reasons, per-layer sensitivity and the auto search."""

import itertools
import math
from dataclasses import asdict, dataclass, replace

import numpy as np

from hasaki_hil.errors import UserError
from hasaki_hil.gate import metrics
from hasaki_hil.model.mlp import Model
from hasaki_hil.model.variant import Variant
from hasaki_hil.quant import quantize, reference

REGRESSOR_MAX_L2R = 0.05  # the l2r limit for models without a class decision, unless given
AUTO = "auto"  # max_new_fn by the model: 0 for a binary (sigmoid) classifier, off otherwise


def binary_classifier(output_activation: str, n_outputs: int) -> bool:
    return output_activation == "sigmoid" and n_outputs == 1


@dataclass(frozen=True)
class Thresholds:
    """A candidate passes when every set limit holds (None = not checked).

    max_flip_rate: share of rows whose decision differs from the float model's.
    max_accuracy_drop: float accuracy minus candidate accuracy, vs labels.
    max_new_fn / max_new_fp: the most rows of any class the float model decides right and
    the candidate gets wrong, as a missed positive / a wrongly given class. max_new_fn is
    ``auto`` by default: 0 for a binary classifier (one sigmoid output: not one more missed
    fire than the float model), off otherwise; ``resolve`` fixes it for a model.
    max_abs_error, max_l2r: output error limits (l2r defaults to 0.05 for regressors).
    """

    max_flip_rate: float | None = 0.001
    max_accuracy_drop: float | None = 0.005
    max_new_fn: int | str | None = AUTO
    max_new_fp: int | None = None
    max_abs_error: float | None = None
    max_l2r: float | None = None

    def check(self) -> None:
        for name in ("max_flip_rate", "max_accuracy_drop"):
            v = getattr(self, name)
            if v is not None and not (0.0 <= v <= 1.0):
                raise UserError(f"--{name.replace('_', '-')} must be within [0, 1], got {v}")
        for name in ("max_new_fn", "max_new_fp"):
            v = getattr(self, name)
            if v is not None and v != AUTO and v < 0:
                raise UserError(f"--{name.replace('_', '-')} must be >= 0, got {v}")
        for name in ("max_abs_error", "max_l2r"):
            v = getattr(self, name)
            if v is not None and not (v >= 0 and math.isfinite(v)):
                raise UserError(f"--{name.replace('_', '-')} must be a finite number >= 0, got {v}")

    def as_dict(self) -> dict:
        return asdict(self)

    def resolve(self, binary: bool) -> "Thresholds":
        """These thresholds with ``auto`` limits fixed for a model (binary: one sigmoid output)."""
        if self.max_new_fn != AUTO:
            return self
        return replace(self, max_new_fn=0 if binary else None)

    def defaults_note(self, binary: bool) -> dict:
        """What ``resolve`` decided, in words, for the report."""
        if self.max_new_fn != AUTO or not binary:
            return {}
        return {"max_new_fn": "0 by default for a binary (sigmoid) classifier; --max-new-fn N or off to change"}


@dataclass(frozen=True)
class Verdict:
    """The gate's answer for one set of metrics: passed, and one reason per checked limit, failing first."""

    passed: bool
    reasons: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class Evaluation:
    """One candidate judged by the host reference: what it is, its metrics and its verdict.
    ``variant`` is None for a mix that could not be built (its reason says why)."""

    summary: dict  # describe(): scheme, layers, equalized, param_bytes, sha256
    metrics: dict | None
    verdict: Verdict
    variant: Variant | None = None

    @property
    def passed(self) -> bool:
        return self.verdict.passed

    @property
    def reasons(self) -> tuple[str, ...]:
        return self.verdict.reasons

    def as_dict(self) -> dict:
        out = {"variant": self.summary, "passed": self.passed, "reasons": list(self.reasons)}
        if self.metrics is not None:
            out["metrics"] = self.metrics
        return out


@dataclass(frozen=True, eq=False)
class AutoResult:
    """The auto search: every candidate tried, and the smallest passing one (None if none passes)."""

    chosen: Evaluation | None
    tried: tuple[Evaluation, ...]
    passing: int


def verdict(m: dict, t: Thresholds) -> Verdict:
    """One reason per checked limit, failing ones first."""
    checks = []
    if "flip_rate" in m and t.max_flip_rate is not None:
        checks.append(
            (
                m["flip_rate"] <= t.max_flip_rate,
                f"flip rate {m['flip_rate']:.3%} ({m['flips']} of {m['rows']} rows) "
                f"{'<=' if m['flip_rate'] <= t.max_flip_rate else '>'} {t.max_flip_rate:.3%}",
            )
        )
    if "accuracy" in m and t.max_accuracy_drop is not None:
        drop = m["reference_accuracy"] - m["accuracy"]
        checks.append(
            (
                drop <= t.max_accuracy_drop,
                f"accuracy drop {drop:.3%} {'<=' if drop <= t.max_accuracy_drop else '>'} {t.max_accuracy_drop:.3%}",
            )
        )
    t = t.resolve(bool(m.get("binary")))
    for key, limit, what in (
        ("new_fn", t.max_new_fn, "false negatives"),
        ("new_fp", t.max_new_fp, "false positives"),
    ):
        if key in m and limit is not None:
            worst = max(m[key])
            per_class = "" if len(m[key]) == 1 else f" (per class {m[key]})"
            checks.append((worst <= limit, f"new {what} {worst}{per_class} {'<=' if worst <= limit else '>'} {limit}"))
    if t.max_abs_error is not None:
        ok = m["max_abs_error"] <= t.max_abs_error
        checks.append((ok, f"max abs error {m['max_abs_error']:.4g} {'<=' if ok else '>'} {t.max_abs_error:.4g}"))
    l2r_limit = t.max_l2r if t.max_l2r is not None else (None if "flip_rate" in m else REGRESSOR_MAX_L2R)
    if l2r_limit is not None:
        ok = m["l2r"] <= l2r_limit
        checks.append((ok, f"l2r {m['l2r']:.4g} {'<=' if ok else '>'} {l2r_limit:.4g}"))
    checks.sort(key=lambda c: c[0])
    return Verdict(all(ok for ok, _ in checks), tuple(reason for _, reason in checks))


def evaluate(variant: Variant, X: np.ndarray, ref: np.ndarray, labels, t: Thresholds, threshold: float) -> Evaluation:
    out = reference.run(variant, X).outputs
    m = metrics.compare(out, ref, variant.output_activation, labels, threshold)
    return Evaluation(describe(variant), m, verdict(m, t), variant)


def describe(v: Variant) -> dict:
    return {
        "scheme": v.scheme,
        "layers": list(v.kinds),
        "equalized": bool(v.options.get("equalize")),
        "fold": FOLD_NAMES[float(v.options.get("fold", 1.0))],
        "param_bytes": v.param_bytes,
        "sha256": v.sha256,
    }


FOLDS = {"full": 1.0, "half": 0.5}  # int8x16: how much of each weight column's range its input step takes
FOLD_NAMES = {v: k for k, v in FOLDS.items()}


def make(model: Model, kinds: list[str], calib_X, scheme: str, equalize: bool, fold: str = "full") -> Variant:
    """Build a variant, equalising first when asked (mode by whether activations stay float).

    ``fold`` (int8x16 layers only, quant/int8x16.channel_steps): "full" or "half"; it is
    recorded in the variant's options only when it is not the default, so variants without
    it keep their bytes and hash."""
    if fold not in FOLDS:
        raise UserError(f"unknown --fold {fold!r}", hint="choose full or half")
    options = {"equalize": equalize}
    if fold != "full":
        if "int8x16" not in kinds:
            raise UserError("--fold applies to int8x16 layers", hint="e.g. --scheme int8x16 --fold half")
        options["fold"] = FOLDS[fold]
    int_acts = "int8" in kinds or "int8x16" in kinds
    base = quantize.equalize(model, calib_X, float_acts=not int_acts) if equalize else model
    return quantize.build(base, kinds, calib_X, scheme, options, parent=model)


def sensitivity(
    model: Model,
    kinds: list[str],
    X,
    ref,
    labels,
    calib_X,
    t: Thresholds,
    threshold: float,
    equalize: bool = False,
    fold: str = "full",
) -> list[dict]:
    """Quantise one layer at a time as in ``kinds`` (the rest f32): each layer's own damage."""
    rows = []
    n = len(model.layers)
    for k in range(n):
        if kinds[k] == "f32":
            continue
        one = ["f32"] * n
        one[k] = kinds[k]
        if kinds[k] == "int8x16":  # a later int8x16 layer reads the int16 output of the ones before it
            one[: k + 1] = kinds[: k + 1]
        fold_k = fold if "int8x16" in one else "full"
        r = evaluate(make(model, one, calib_X, "mixed", equalize, fold_k), X, ref, labels, t, threshold)
        m = r.metrics
        rows.append(
            {
                "layer": k + 1,
                "kind": kinds[k],
                "flips": m.get("flips"),
                "l2r": m["l2r"],
                "max_abs_error": m["max_abs_error"],
                "passed": r.passed,
            }
        )
    return rows


def responsible(rows: list[dict]) -> int:
    """The layer (1-based) doing the most damage: most flips, then largest l2r."""
    return max(rows, key=lambda r: (r["flips"] or 0, r["l2r"]))["layer"]


def candidates(n_layers: int):
    """(kinds, equalize) pairs for the auto search: every per-layer mix while that stays small."""
    kinds = ("int8", "int8-wo", "f32")
    if 3**n_layers <= 243:
        mixes = [list(c) for c in itertools.product(kinds, repeat=n_layers)]
    else:  # uniform schemes, and each with one layer kept in f32
        mixes = [[k] * n_layers for k in kinds]
        mixes += [[k] * i + ["f32"] + [k] * (n_layers - i - 1) for k in kinds[:2] for i in range(n_layers)]
    for mix in mixes:
        for eq in (False, True):
            if eq and all(k == "f32" for k in mix):
                continue
            yield mix, eq, "full"
    # int8x16 (quant/int8x16.py): the first d layers with int16 inputs, int8 after them, each
    # with both column folds
    for d in range(1, n_layers + 1):
        for eq in (False, True):
            for fold in FOLDS:
                yield ["int8x16"] * d + ["int8"] * (n_layers - d), eq, fold


def scheme_name(kinds: list[str]) -> str:
    return kinds[0] if len(set(kinds)) == 1 else "mixed"


def auto(model: Model, X, ref, labels, calib_X, t: Thresholds, threshold: float) -> AutoResult:
    """Try the schemes, equalisation and per-layer mixes; pick the smallest passing variant."""
    tried = []
    for kinds, eq, fold in candidates(len(model.layers)):
        try:
            v = make(model, kinds, calib_X, scheme_name(kinds), eq, fold)
        except UserError as e:  # this mix cannot be built (e.g. softmax in an int8 hidden layer)
            summary = {"layers": kinds, "equalized": eq, "fold": fold}
            tried.append(Evaluation(summary, None, Verdict(False, (str(e),))))
            continue
        tried.append(evaluate(v, X, ref, labels, t, threshold))
    passing = [r for r in tried if r.passed]
    passing.sort(key=lambda r: (r.summary["param_bytes"], r.metrics.get("flips") or 0, r.metrics["l2r"]))
    return AutoResult(passing[0] if passing else None, tuple(tried), len(passing))
