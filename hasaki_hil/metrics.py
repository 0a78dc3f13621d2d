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
