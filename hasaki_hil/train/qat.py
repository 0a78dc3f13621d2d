"""Quantisation-aware training: fake quantisation with a straight-through estimator.

During QAT the forward pass sees what the deployed variant computes: per-row int8
weights, and for the ``int8`` scheme also the int8 grids of the input, of every relu or
linear output, and of the pre-activation before a table (sigmoid, tanh, leaky_relu) or
softmax, with the same calibration rules as ``quantize``. Gradients pass straight
through the rounding and stop where a value was clipped at the grid's ends.
"""

import numpy as np

from hasaki_hil.model.mlp import Layer, Model, identity_normalisation
from hasaki_hil.quant import qmath, quantize

SCHEMES = ("int8", "int8-wo")


def _fake(x: np.ndarray, scale: float, zp: int) -> tuple[np.ndarray, np.ndarray]:
    q = qmath.round_half_away(x / scale) + zp
    mask = ((q >= -128) & (q <= 127)).astype(x.dtype)
    return (np.clip(q, -128, 127) - zp) * scale, mask


class FakeQuant:
    def __init__(self, scheme: str, acts: tuple[str, ...], percentile: float = 100.0):
        if scheme not in SCHEMES:
            raise ValueError(f"QAT scheme must be one of {SCHEMES}")
        self.scheme = scheme
        self.acts = acts
        self.percentile = percentile
        self.grids = None  # per layer: {"in", "pre", "out"} -> (scale, zero_point) or None

    def prepare(self, params, X: np.ndarray) -> None:
        """Recalibrate the activation grids from the float network on ``X`` (normalised inputs)."""
        if self.scheme != "int8":
            return
        layers = tuple(Layer(W.astype(np.float32), b.astype(np.float32), a) for (W, b), a in zip(params, self.acts))
        model = Model(layers=layers, **identity_normalisation(X.shape[1]))
        self.grids = []
        for act, r in zip(self.acts, quantize.calibrate(model, X, self.percentile)):
            grid = {"in": qmath.choose_affine(*r["in"]), "pre": None, "out": None}
            if act in quantize.TABLE_ACTIVATIONS or act == "softmax":
                grid["pre"] = qmath.choose_affine(*r["pre"])
                fixed = quantize.FIXED_OUTPUT.get(act)
                if fixed is not None:
                    grid["out"] = (fixed.scale, fixed.zero_point)
                elif act != "softmax":
                    grid["out"] = qmath.choose_affine(*r["out"])
            else:
                grid["out"] = qmath.choose_affine(*r["out"])
            self.grids.append(grid)

    def weights(self, k: int, W: np.ndarray) -> np.ndarray:
        q, s = qmath.symmetric_rows(W)
        return q.astype(np.float64) * s.astype(np.float64)[:, None]

    def input(self, X: np.ndarray) -> np.ndarray:
        if self.grids is None:
            return X
        return _fake(X, float(self.grids[0]["in"][0]), self.grids[0]["in"][1])[0]

    def pre(self, k: int, z: np.ndarray):
        if self.grids is None or self.grids[k]["pre"] is None:
            return z, None
        scale, zp = self.grids[k]["pre"]
        return _fake(z, float(scale), zp)

    def out(self, k: int, a: np.ndarray):
        if self.grids is None or self.grids[k]["out"] is None:
            return a, None
        scale, zp = self.grids[k]["out"]
        return _fake(a, float(scale), zp)
