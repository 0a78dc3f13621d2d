"""The ``int8x16`` first layer: int8 weights, int16 inputs, int32 accumulator.

Why: on the smoke detector nearly all int8 decision flips come from layer 1, whose weight
columns differ by 30x (one per-row int8 scale rounds the small columns away) and whose
inputs share one int8 grid. Here:
- each weight column i gets a power-of-two exponent e_i (its largest |weight| / 2**e_i in
  (1/2, 1]), folded into the input: the input's int16 step is unit / 2**e_i, ``unit`` being
  the finest that keeps every channel's calibrated range (max |normalised value| on the
  calibration data) within +-32767; values beyond saturate;
- the device already normalises n = (x - offset) * input_scale; the int16 step is folded
  into that one multiply: q16 = clamp(round((x - offset) * in_mul), -32767, 32767), with
  ``in_mul = input_scale / step`` in float32;
- the weights times each column's step are quantised per row, symmetric int8, so row o's
  accumulator counts steps of ``wscales[o]`` and needs no input zero point; the output is
  requantised per row to the next layer's int8 grid as an ``int8`` layer's
  (quantize.output_grid: relu clamp, table or softmax).

Bit-exact rules (mirrored by ``hsk_quantize16`` and ``hsk_dense_q16`` in hsk_q16.h):
- (x - offset) and the product with in_mul are each rounded to float32, then rounded half
  away from zero (C ``roundf``) and clamped to [-32767, 32767];
- acc = qbias[o] + sum_i q[o][i] * q16[i] in int32 (|acc| < 2**31 is checked here);
- then qmath.requantize, + zero point, clamp (or table), as reference.int8_layer.
"""

import numpy as np

from hasaki_hil.errors import UserError
from hasaki_hil.model.forward import normalise
from hasaki_hil.model.mlp import Model
from hasaki_hil.model.variant import VLayer
from hasaki_hil.quant import qmath

Q16_MAX = 32767


def quantize_inputs(X: np.ndarray, offset: np.ndarray, in_mul: np.ndarray) -> np.ndarray:
    """Raw float inputs to the int16 grid of an int8x16 layer (float32 steps, as the device)."""
    prod = (np.asarray(X, np.float32) - np.asarray(offset, np.float32)) * np.asarray(in_mul, np.float32)
    return np.clip(qmath.round_half_away(prod), -Q16_MAX, Q16_MAX).astype(np.int16)


def input_grid(model: Model, calib_X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(in_mul, s_in): the folded float32 multiplier and the effective int16 step per channel.

    Per-column power-of-two exponents: column i of the first weight matrix is scaled by
    2**-e_i (e_i = ceil(log2 max|w[:, i]|)) so every column's largest weight lies in (1/2, 1]
    and one per-row int8 scale serves small and large columns alike; the 2**e_i goes into
    the input's int16 step instead. The common step is the finest that keeps every channel's
    calibrated range within +-32767 (values beyond saturate).
    """
    a = normalise(calib_X, model.input_offset, model.input_scale).astype(np.float64)
    amax = np.abs(a).max(axis=0)
    col = np.abs(model.layers[0].weights.astype(np.float64)).max(axis=0)
    pow2 = np.where(col > 0, 2.0 ** np.ceil(np.log2(np.where(col > 0, col, 1.0))), 1.0)
    unit = float(np.max(amax * pow2)) / Q16_MAX
    step = unit / pow2 if unit > 0 else np.ones_like(amax)
    in_mul = (model.input_scale.astype(np.float64) / step).astype(np.float32)
    # The step the device really applies, after in_mul was rounded to float32.
    s_in = model.input_scale.astype(np.float64) / in_mul.astype(np.float64)
    return in_mul, s_in


def weights(model: Model, calib_X: np.ndarray) -> dict:
    """The input side of an int8x16 first layer: qweights, wscales, qbias and in_mul (the
    output side is quantize.output_grid, as for int8 layers)."""
    first = model.layers[0]
    in_mul, s_in = input_grid(model, calib_X)
    w = first.weights.astype(np.float64) * s_in[None, :]  # weights on the int16 input steps
    q, s_w = qmath.symmetric_rows(w.astype(np.float32))
    # Rows whose scaled weights are tiny but whose bias is not: coarsen so the bias stays below 2**24 steps.
    need = np.abs(first.bias.astype(np.float64)) / 2**24
    if np.any(s_w < need):
        s_w = np.maximum(s_w, need).astype(np.float32)
        q = np.clip(qmath.round_half_away(w / s_w[:, None].astype(np.float64)), -127, 127).astype(np.int8)
    qbias = qmath.round_half_away(first.bias.astype(np.float64) / s_w.astype(np.float64))
    # The C sums 256 * hi + lo + 128 per input (hsk_q16.h): each term at most 127 * 33024.
    bound = np.abs(qbias) + q.shape[1] * 127 * 33024
    if np.max(bound) >= 2**31:
        raise UserError(
            f"an int8x16 layer with {q.shape[1]} inputs can overflow its 32-bit accumulator",
            hint="use int8 for that layer (the int8x16 kernel takes up to ~500 inputs)",
        )
    return {"qweights": q, "wscales": s_w, "qbias": qbias.astype(np.int32), "in_mul": in_mul}


def accumulate(X: np.ndarray, offset: np.ndarray, vl: VLayer) -> np.ndarray:
    """Raw float inputs [n, in] -> the layer's int32 accumulators [n, out] (as int64)."""
    q16 = quantize_inputs(X, offset, vl.in_mul)
    return vl.qbias.astype(np.int64) + q16.astype(np.int64) @ vl.qweights.astype(np.int64).T
