"""The ``int8x16`` layer kind: int8 weights, int16 inputs, int32 accumulator.

Why: on the smoke detector nearly all int8 decision flips come from two places. Layer 1's
weight columns differ by 30x (one per-row int8 scale rounds the small columns away) and its
inputs share one int8 grid; and the hidden activations have very uneven ranges (one channel
reaches 8, another 0.5), so one per-tensor int8 grid rounds the small channels away. Here
every input channel of an int8x16 layer gets its own int16 step:
- each weight column i gets a power-of-two exponent e_i (its largest |weight| / 2**e_i in
  (1/2, 1], or with ``fold`` 0.5 the square root of that) folded into the input: the
  input's step is unit / 2**e_i, ``unit`` being the
  finest that keeps every channel's calibrated range (max |value| on the calibration data)
  within +-32767; values beyond saturate. So the per-column exponents cost no shifts at run
  time: they live in the steps;
- layer 1: the host (or the application, PREFIX_quantize_input) normalises and quantises
  in one multiply per input, q16 = clamp(round((x - offset) * in_mul), -32767, 32767) with
  ``in_mul = input_scale / step`` in float32; the firmware takes the int16 values;
- a later int8x16 layer reads the int16 output of the int8x16 layer before it, which
  requantises each row onto that row's step (``out_steps``: per-channel activation scales,
  zero point 0), clamped to [0, 32767] after relu or [-32767, 32767] for linear;
- the weights times each column's step are quantised per row, symmetric int8, so row o's
  accumulator counts steps of ``wscales[o]``. The last int8x16 layer of a run requantises
  to the next layer's int8 grid as an ``int8`` layer does (quantize.output_grid: relu
  clamp, table or softmax).

Bit-exact rules (mirrored by ``hsk_quantize16`` and ``hsk_dense_q16`` in hsk_q16.h):
- (x - offset) and the product with in_mul are each rounded to float32, then rounded half
  away from zero (C ``roundf``) and clamped to [-32767, 32767];
- acc = qbias[o] + sum_i q[o][i] * v[i] in int32 (|acc| < 2**31 is checked here);
- then qmath.requantize; int16 output: clamp; int8 output: + zero point, clamp (or table),
  as reference.int8_layer.
"""

import numpy as np

from hasaki_hil.errors import UserError
from hasaki_hil.model import activations
from hasaki_hil.model.forward import dense_f32, normalise
from hasaki_hil.model.mlp import Layer, Model
from hasaki_hil.model.variant import VLayer
from hasaki_hil.quant import qmath

Q16_MAX = 32767
OUT16_ACTIVATIONS = ("relu", "linear")  # int16 outputs: the clamp is the whole activation


def quantize_inputs(X: np.ndarray, offset: np.ndarray, in_mul: np.ndarray) -> np.ndarray:
    """Raw float inputs to the int16 grid of an int8x16 first layer (float32 steps, as the C)."""
    prod = (np.asarray(X, np.float32) - np.asarray(offset, np.float32)) * np.asarray(in_mul, np.float32)
    return np.clip(qmath.round_half_away(prod), -Q16_MAX, Q16_MAX).astype(np.int16)


def channel_steps(amax: np.ndarray, weights: np.ndarray, fold: float = 1.0) -> np.ndarray:
    """Per input channel the int16 step (float64): unit / 2**e_i, e_i the column's exponent.

    ``fold`` 1 (full): e_i = ceil(log2 c_i), c_i the column's largest |weight|, so after the
    weights are multiplied by the steps every column's largest value is within a factor 2
    of the others and one per-row int8 scale serves small and large columns alike. Rows
    whose own values in the large columns are small lose precision there, so ``fold`` 0.5
    (half) moves only the square root: e_i = ceil(log2 sqrt c_i), the balance
    cross-layer equalisation strikes. Which one keeps more decisions depends on the model;
    ``--scheme auto`` tries both.
    """
    col = np.abs(np.asarray(weights, np.float64)).max(axis=0)
    pow2 = np.where(col > 0, 2.0 ** np.ceil(fold * np.log2(np.where(col > 0, col, 1.0))), 1.0)
    unit = float(np.max(np.asarray(amax, np.float64) * pow2)) / Q16_MAX
    return unit / pow2 if unit > 0 else np.ones_like(col)


def input_grid(model: Model, calib_X: np.ndarray, fold: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """(in_mul, s_in): layer 1's folded float32 multiplier and effective int16 step per channel."""
    a = normalise(calib_X, model.input_offset, model.input_scale).astype(np.float64)
    step = channel_steps(np.abs(a).max(axis=0), model.layers[0].weights, fold)
    in_mul = (model.input_scale.astype(np.float64) / step).astype(np.float32)
    # The step the device really applies, after in_mul was rounded to float32.
    s_in = model.input_scale.astype(np.float64) / in_mul.astype(np.float64)
    return in_mul, s_in


def hidden_ranges(model: Model, calib_X: np.ndarray) -> list[np.ndarray]:
    """Per layer, the largest |output| of each channel on the calibration data (float model)."""
    a = normalise(calib_X, model.input_offset, model.input_scale)
    out = []
    for layer in model.layers:
        a = activations.apply(layer.activation, dense_f32(a, layer.weights, layer.bias))
        out.append(np.abs(a.astype(np.float64)).max(axis=0))
    return out


def weights(layer: Layer, s_in: np.ndarray) -> dict:
    """qweights, wscales and qbias of an int8x16 layer whose input channel i has step s_in[i]."""
    w = layer.weights.astype(np.float64) * s_in[None, :]  # weights on the int16 input steps
    q, s_w = qmath.symmetric_rows(w.astype(np.float32))
    # Rows whose scaled weights are tiny but whose bias is not: coarsen so the bias stays below 2**24 steps.
    need = np.abs(layer.bias.astype(np.float64)) / 2**24
    if np.any(s_w < need):
        s_w = np.maximum(s_w, need).astype(np.float32)
        q = np.clip(qmath.round_half_away(w / s_w[:, None].astype(np.float64)), -127, 127).astype(np.int8)
    qbias = qmath.round_half_away(layer.bias.astype(np.float64) / s_w.astype(np.float64))
    # The AVR kernel sums 256 * hi + lo with v - 128 = 256 hi + lo (hsk_q16.h): each term at most 127 * 33024.
    bound = np.abs(qbias) + np.abs(q.astype(np.int64)).sum(axis=1) * (33024 + 128)
    if np.max(bound) >= 2**31:
        raise UserError(
            f"an int8x16 layer with {q.shape[1]} inputs can overflow its 32-bit accumulator",
            hint="use int8 for that layer (the int8x16 kernel takes up to ~500 inputs)",
        )
    return {"qweights": q, "wscales": s_w, "qbias": qbias.astype(np.int32)}


def out16_grid(activation: str, units: np.ndarray, steps: np.ndarray) -> dict:
    """The int16 output side of an int8x16 layer feeding another: out_steps, multiplier, shift.

    A step finer than twice the accumulator's own unit would resolve nothing more and would
    need a requantisation multiplier >= 1/2, which the C requantiser does not take: such a
    step is coarsened to 2.01 units.
    """
    if activation not in OUT16_ACTIVATIONS:
        raise UserError(
            f"an int8x16 layer feeding another int8x16 layer needs a relu or linear activation, not {activation}",
            hint="use int8 for the layer after it (e.g. --layers int8x16,int8,int8)",
        )
    out_steps = np.maximum(steps, 2.01 * units.astype(np.float64)).astype(np.float32)
    ms = [qmath.quantize_multiplier(float(u) / float(s)) for u, s in zip(units, out_steps)]
    return {
        "out_steps": out_steps,
        "multiplier": np.array([m for m, _ in ms], np.int32),
        "shift": np.array([sh for _, sh in ms], np.int32),
    }


def low16(vl: VLayer) -> int:
    """The lowest int16 output: 0 after relu, -32767 for linear."""
    return 0 if vl.activation == "relu" else -Q16_MAX


def accumulate(v16: np.ndarray, vl: VLayer) -> np.ndarray:
    """int16 inputs [n, in] -> the layer's int32 accumulators [n, out] (as int64)."""
    return vl.qbias.astype(np.int64) + np.asarray(v16, np.int64) @ vl.qweights.astype(np.int64).T


def finish16(acc: np.ndarray, vl: VLayer) -> np.ndarray:
    """Accumulators -> the int16 inputs of the next int8x16 layer."""
    y = qmath.requantize(acc, vl.multiplier, vl.shift)
    return np.clip(y, low16(vl), Q16_MAX).astype(np.int16)
