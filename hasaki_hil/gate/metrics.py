"""Comparison metrics between model outputs and labels (pure numpy).

Decisions: a single sigmoid output is class 1 when >= threshold (0.5 by default);
softmax outputs decide by argmax; several sigmoid outputs are independent binary
decisions (multi-label), each with its own confusion matrix.
"""

import numpy as np


def row_errors(out: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Largest absolute error in each row."""
    return np.max(np.abs(np.asarray(out, np.float64) - np.asarray(ref, np.float64)), axis=1)


def error_summary(out: np.ndarray, ref: np.ndarray) -> dict:
    diff = np.asarray(out, np.float64) - np.asarray(ref, np.float64)
    per_row = np.max(np.abs(diff), axis=1)
    worst = int(np.argmax(per_row)) if per_row.size else 0
    return {
        "max_abs_error": float(np.max(np.abs(diff))) if diff.size else 0.0,
        "mean_abs_error": float(np.mean(np.abs(diff))) if diff.size else 0.0,
        "rmse": float(np.sqrt(np.mean(diff**2))) if diff.size else 0.0,
        "worst_row": worst,
    }


def decide(output_activation: str, out: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Class decisions: int [n] for one sigmoid or softmax, bool [n, k] for several sigmoids."""
    if output_activation == "softmax":
        return np.asarray(out).argmax(axis=1)
    if out.shape[1] == 1:
        return (np.asarray(out)[:, 0] >= threshold).astype(np.int64)
    return np.asarray(out) >= threshold


def confusion(truth: np.ndarray, pred: np.ndarray, n_classes: int) -> np.ndarray:
    """Confusion matrix [true class, predicted class] of counts."""
    m = np.zeros((n_classes, n_classes), np.int64)
    np.add.at(m, (truth, pred), 1)
    return m


def classification(output_activation: str, out: np.ndarray, Y: np.ndarray, threshold: float = 0.5) -> dict:
    """Accuracy and confusion matrices of ``out`` against labels ``Y``."""
    pred = decide(output_activation, out, threshold)
    truth = decide(output_activation, Y, threshold)
    if pred.ndim == 1:
        k = max(2, out.shape[1])
        matrices = [confusion(truth, pred, k)]
        accuracy = float(np.mean(pred == truth))
    else:
        matrices = [confusion(truth[:, j].astype(int), pred[:, j].astype(int), 2) for j in range(pred.shape[1])]
        accuracy = float(np.mean(pred == truth))
    result = {"accuracy": accuracy, "threshold": threshold, "confusion": [m.tolist() for m in matrices]}
    if len(matrices) == 1 and matrices[0].shape == (2, 2):
        (tn, fp), (fn, tp) = matrices[0].tolist()
        result.update(tp=tp, tn=tn, fp=fp, fn=fn)
    return result


def _fn_fp(truth: np.ndarray, pred: np.ndarray, n_classes: int) -> tuple[list[int], list[int]]:
    """Per class: false negatives (class missed) and false positives (class wrongly given).

    For a single binary output only class 1 (the positive class) is reported.
    """
    if pred.ndim == 2:  # independent sigmoid outputs: one binary problem each
        fn = [int(np.sum(truth[:, j] & ~pred[:, j])) for j in range(pred.shape[1])]
        fp = [int(np.sum(~truth[:, j] & pred[:, j])) for j in range(pred.shape[1])]
        return fn, fp
    classes = [1] if n_classes == 1 else range(n_classes)
    fn = [int(np.sum((truth == c) & (pred != c))) for c in classes]
    fp = [int(np.sum((truth != c) & (pred == c))) for c in classes]
    return fn, fp


def _new_errors(truth: np.ndarray, cand: np.ndarray, ref: np.ndarray, n_classes: int) -> tuple[list[int], list[int]]:
    """Per class: rows the reference gets right and the candidate gets wrong, as a new false
    negative (a positive the reference catches, missed) or a new false positive (a negative
    the reference rejects, now given). Counted row by row, so a fixed row elsewhere cannot
    hide one."""
    if cand.ndim == 2:
        fn = [int(np.sum(truth[:, j] & ref[:, j] & ~cand[:, j])) for j in range(cand.shape[1])]
        fp = [int(np.sum(~truth[:, j] & ~ref[:, j] & cand[:, j])) for j in range(cand.shape[1])]
        return fn, fp
    classes = [1] if n_classes == 1 else range(n_classes)
    fn = [int(np.sum((truth == c) & (ref == c) & (cand != c))) for c in classes]
    fp = [int(np.sum((truth != c) & (ref != c) & (cand == c))) for c in classes]
    return fn, fp


def compare(
    candidate: np.ndarray,
    reference: np.ndarray,
    output_activation: str,
    labels: np.ndarray | None = None,
    threshold: float = 0.5,
) -> dict:
    """Every metric the gate and the reports use, of ``candidate`` against the float ``reference``.

    - max_abs_error, mean_abs_error, rmse: over all outputs.
    - l2r: ||candidate - reference|| / ||reference|| (relative L2, over all outputs).
    - cosine: cosine similarity of the flattened outputs.
    - nse: Nash-Sutcliffe efficiency, 1 - sum((c - r)^2) / sum((r - mean r)^2); 1 is perfect.
    - worst: the row with the largest absolute error, with both output vectors.
    Classifiers (sigmoid or softmax output) also get:
    - flips: rows whose decision differs from the reference's (count and rate);
      agreement = 1 - flip rate.
    - with labels: accuracy of both, and per class the false negatives and false positives
      of both and their change (candidate minus reference; positive = worse); new_fn /
      new_fp: rows the reference decides right and the candidate wrong (what the gate's
      --max-new-fn / --max-new-fp limit); binary: one sigmoid output.
    Any model with labels also gets Hasaki's own figure, the mean |output - label| of each
    side: label_mae (candidate) and reference_label_mae.
    """
    c = np.asarray(candidate, np.float64)
    r = np.asarray(reference, np.float64)
    diff = c - r
    per_row = np.max(np.abs(diff), axis=1)
    worst = int(np.argmax(per_row))
    norm_r = float(np.linalg.norm(r))
    denom = float(np.linalg.norm(c) * norm_r)
    var = float(np.sum((r - r.mean()) ** 2))
    result = {
        "rows": int(c.shape[0]),
        "max_abs_error": float(per_row.max()),
        "mean_abs_error": float(np.mean(np.abs(diff))),
        "rmse": float(np.sqrt(np.mean(diff**2))),
        "l2r": float(np.linalg.norm(diff) / norm_r) if norm_r > 0 else float(np.linalg.norm(diff) > 0) * np.inf,
        "cosine": float(np.sum(c * r) / denom) if denom > 0 else float(np.array_equal(c, r)),
        "nse": 1.0 - float(np.sum(diff**2)) / var if var > 0 else float(not diff.any()),
        "worst": {
            "row": worst,
            "error": float(per_row[worst]),
            "candidate": c[worst].tolist(),
            "reference": r[worst].tolist(),
        },
    }
    if labels is not None and labels.shape[1] == c.shape[1]:
        y = np.asarray(labels, np.float64)
        result.update(label_mae=float(np.mean(np.abs(c - y))), reference_label_mae=float(np.mean(np.abs(r - y))))
    if output_activation not in ("sigmoid", "softmax"):
        return result
    result["binary"] = output_activation == "sigmoid" and c.shape[1] == 1
    dc = decide(output_activation, c, threshold)
    dr = decide(output_activation, r, threshold)
    flipped = dc != dr if dc.ndim == 1 else np.any(dc != dr, axis=1)
    result.update(
        threshold=threshold,
        flips=int(flipped.sum()),
        flip_rate=float(flipped.mean()),
        agreement=float(1 - flipped.mean()),
        flipped_rows=np.flatnonzero(flipped)[:100].tolist(),
    )
    if labels is not None and labels.shape[1] > 0:
        truth = decide(output_activation, np.asarray(labels, np.float64), threshold)
        fn_c, fp_c = _fn_fp(truth, dc, c.shape[1])
        fn_r, fp_r = _fn_fp(truth, dr, c.shape[1])
        new_fn, new_fp = _new_errors(truth, dc, dr, c.shape[1])
        result.update(
            new_fn=new_fn,
            new_fp=new_fp,
            accuracy=float(np.mean(dc == truth)),
            reference_accuracy=float(np.mean(dr == truth)),
            fn=fn_c,
            fp=fp_c,
            reference_fn=fn_r,
            reference_fp=fp_r,
            fn_change=[a - b for a, b in zip(fn_c, fn_r)],
            fp_change=[a - b for a, b in zip(fp_c, fp_r)],
        )
    return result


ERROR_BIN_EDGES = tuple([0.0] + [10.0**k for k in range(-9, 1)] + [float("inf")])


def error_histogram(candidate: np.ndarray, reference: np.ndarray) -> dict:
    """Rows by their largest absolute error, in decades: [0, 1e-9), [1e-9, 1e-8), ..., [1, inf)."""
    counts, _ = np.histogram(row_errors(candidate, reference), bins=np.array(ERROR_BIN_EDGES))
    return {"edges": list(ERROR_BIN_EDGES[:-1]), "counts": counts.astype(int).tolist()}
