"""Derive variants from a float model: calibration, per-layer quantisation, equalisation.

Pure numerics: a Model and calibration inputs in, a Variant out.
"""

import numpy as np

from hasaki_hil.errors import UserError
from hasaki_hil.model import activations
from hasaki_hil.model.forward import dense_f32, normalise
from hasaki_hil.model.mlp import Layer, Model
from hasaki_hil.model.variant import KINDS, Affine, Variant, VLayer
from hasaki_hil.quant import int8x16, qmath

TABLE_ACTIVATIONS = ("sigmoid", "tanh", "leaky_relu")
# Fixed output grids for bounded activations, as TFLite does: the whole range, no calibration.
# sigmoid(8) and tanh(4) are within half a step of the fixed output grids' ends.
PRE_CLIP = {"sigmoid": 8.0, "tanh": 4.0}
FIXED_OUTPUT = {"sigmoid": Affine(np.float32(1 / 256), -128), "tanh": Affine(np.float32(1 / 128), 0)}


def _span(values: np.ndarray, percentile: float) -> tuple[float, float]:
    if percentile >= 100:
        return float(values.min()), float(values.max())
    lo, hi = np.percentile(values, [100 - percentile, percentile])
    return float(lo), float(hi)


def calibrate(model: Model, X: np.ndarray, percentile: float = 100.0) -> list[dict]:
    """Per layer, the float ranges of its input, pre-activation and output on ``X``.

    With ``percentile`` below 100, each range spans that central percentile of the values
    (per tensor), so a few outliers do not coarsen the grid for all the others; values
    outside saturate at the ends of the int8 range.
    """
    a = normalise(X, model.input_offset, model.input_scale)
    ranges = []
    for layer in model.layers:
        z = dense_f32(a, layer.weights, layer.bias)
        out = activations.apply(layer.activation, z)
        pre = _span(z, percentile)
        if layer.activation in PRE_CLIP:  # beyond these the output grid saturates anyway
            pre = (max(pre[0], -PRE_CLIP[layer.activation]), min(pre[1], PRE_CLIP[layer.activation]))
        ranges.append({"in": _span(a, percentile), "pre": pre, "out": _span(out, percentile)})
        a = out
    return ranges


def _row_quant(layer: Layer) -> tuple[np.ndarray, np.ndarray]:
    """Per-row int8 weights; an imported int8 layer keeps its own integers and scales."""
    if layer.qweights is not None:
        return layer.qweights, layer.scales
    return qmath.symmetric_rows(layer.weights)


def f32_layer(layer: Layer) -> VLayer:
    return VLayer("f32", layer.activation, weights=layer.weights, bias=layer.bias)


def wo_layer(layer: Layer) -> VLayer:
    q, s = _row_quant(layer)
    return VLayer("int8-wo", layer.activation, bias=layer.bias, qweights=q, wscales=s)


def _table(act: str, pre: Affine, out: Affine) -> np.ndarray:
    q_pre = np.arange(-128, 128)
    x = (q_pre - pre.zero_point).astype(np.float64) * float(pre.scale)
    y = activations.apply(act, x[None, :])[0]
    return np.clip(qmath.round_half_away(y / float(out.scale)) + out.zero_point, -128, 127).astype(np.int8)


def int8_layer(layer: Layer, in_q: Affine, ranges: dict, last: bool) -> VLayer:
    act = layer.activation
    if act == "softmax" and not last:
        raise UserError("the int8 kernel does softmax only on the output layer")
    q, s_w = _row_quant(layer)
    s_in = float(in_q.scale)
    # A row of near-zero weights with a real bias would need a huge int32 bias: coarsen
    # that row's weight scale so the bias stays within 2**24 steps.
    need = np.abs(layer.bias.astype(np.float64)) / (s_in * 2**24)
    if np.any(s_w < need):
        s_w = np.maximum(s_w, need).astype(np.float32)
        q = np.clip(qmath.round_half_away(layer.weights / s_w[:, None]), -127, 127).astype(np.int8)
    qbias = qmath.round_half_away(layer.bias.astype(np.float64) / (s_in * s_w.astype(np.float64)))
    bound = np.abs(qmath.fold_bias(qbias, q, in_q.zero_point)) + q.shape[1] * 127 * 128
    if qbias.size and (np.max(np.abs(qbias)) >= 2**31 or np.max(bound) >= 2**31):
        raise UserError(
            "an int8 layer's bias does not fit a 32-bit accumulator",
            hint="use int8-wo or f32 for that layer (e.g. --layers)",
        )
    grid = output_grid(act, ranges, s_in * s_w.astype(np.float64))
    return VLayer("int8", act, qweights=q, wscales=s_w, in_q=in_q, qbias=qbias.astype(np.int32), **grid)


def output_grid(act: str, ranges: dict, units: np.ndarray) -> dict:
    """The int8 output side of a layer whose row-o accumulator counts steps of ``units[o]``:
    pre_q, out_q, lut and the per-row requantisation (multiplier, shift)."""
    pre_q = out_q = lut = None
    # Multipliers below 0.5 give shifts >= 16, which the 32-bit requantiser of the C runtime
    # needs; an output grid finer than that would resolve less than one accumulator step anyway.
    min_scale = 2.01 * float(np.max(units))
    if act in TABLE_ACTIVATIONS:
        pre_q = Affine(*qmath.choose_affine(*ranges["pre"], min_scale))
        out_q = FIXED_OUTPUT.get(act) or Affine(*qmath.choose_affine(*ranges["out"]))
        lut = _table(act, pre_q, out_q)
        target = pre_q
    elif act == "softmax":
        pre_q = Affine(*qmath.choose_affine(*ranges["pre"], min_scale))
        target = pre_q
    else:  # relu and linear: requantise straight to the output grid
        out_q = Affine(*qmath.choose_affine(*ranges["out"], min_scale))
        target = out_q
    ms = [qmath.quantize_multiplier(float(u) / float(target.scale)) for u in units]
    assert all(m == 0 or sh >= qmath.MIN_SHIFT for m, sh in ms), "requantisation shift below 16"
    return {
        "pre_q": pre_q,
        "out_q": out_q,
        "lut": lut,
        "multiplier": np.array([m for m, _ in ms], np.int32),
        "shift": np.array([sh for _, sh in ms], np.int32),
    }


def build(
    model: Model,
    kinds: list[str],
    calib_X: np.ndarray | None,
    scheme: str,
    options: dict | None = None,
    parent: Model | None = None,
) -> Variant:
    """The variant with layer k quantised as ``kinds[k]`` ("f32", "int8-wo" or "int8").

    ``parent`` is the float model the user started from (default: ``model`` itself), kept in
    the variant as its reference.
    """
    if len(kinds) != len(model.layers):
        raise UserError(f"{len(kinds)} layer kinds given for a model with {len(model.layers)} layers")
    for k in kinds:
        if k not in KINDS:
            raise UserError(f"unknown layer kind {k!r}", hint="choose from " + ", ".join(KINDS))
    ranges = None
    for k in range(1, len(kinds)):
        if kinds[k] == "int8x16" and kinds[k - 1] != "int8x16":
            raise UserError(
                "an int8x16 layer takes the raw inputs (layer 1) or the int16 output of an int8x16 layer",
                hint="e.g. --layers int8x16,int8,int8 or int8x16,int8x16,int8",
            )
    if "int8" in kinds or "int8x16" in kinds:
        if calib_X is None or len(calib_X) == 0:
            raise UserError("the int8 scheme needs calibration data (--calib DATA.csv)")
        ranges = calibrate(model, calib_X)
    channel_max = int8x16.hidden_ranges(model, calib_X) if "int8x16" in kinds[1:] else None
    fold = float((options or {}).get("fold", 1.0))
    layers, prev = [], None
    for k, (layer, kind) in enumerate(zip(model.layers, kinds)):
        last = k == len(kinds) - 1
        if kind == "f32":
            vl = f32_layer(layer)
        elif kind == "int8-wo":
            vl = wo_layer(layer)
        elif kind == "int8x16":
            vl = _int8x16_layer(model, k, kinds, calib_X, ranges, channel_max, prev, fold)
        else:
            chained = prev is not None and prev.kind in ("int8", "int8x16") and prev.out_q is not None
            in_q = prev.out_q if chained else Affine(*qmath.choose_affine(*ranges[k]["in"]))
            vl = int8_layer(layer, in_q, ranges[k], last)
        layers.append(vl)
        prev = vl
    return Variant(
        scheme=scheme,
        layers=tuple(layers),
        input_offset=model.input_offset,
        input_scale=model.input_scale,
        input_min=model.input_min,
        input_max=model.input_max,
        parent=parent or model,
        name=model.name,
        options=dict(options or {}),
    )


def _int8x16_layer(
    model: Model, k: int, kinds, calib_X, ranges, channel_max, prev: VLayer | None, fold: float
) -> VLayer:
    """Layer k as int8x16: int16 inputs on per-channel steps (quant/int8x16.py); int16
    outputs on the next layer's steps when that layer is int8x16 too, else int8."""
    layer = model.layers[k]
    last = k == len(kinds) - 1
    if layer.activation == "softmax" and not last:
        raise UserError("the int8x16 kernel does softmax only on the output layer")
    in_mul = None
    if k == 0:
        in_mul, s_in = int8x16.input_grid(model, calib_X, fold)
    else:
        s_in = prev.out_steps.astype(np.float64)
    w = int8x16.weights(layer, s_in)  # the accumulator of row o counts wscales[o]
    units = w["wscales"].astype(np.float64)
    if not last and kinds[k + 1] == "int8x16":
        steps = int8x16.channel_steps(channel_max[k], model.layers[k + 1].weights, fold)
        grid = int8x16.out16_grid(layer.activation, units, steps)
    else:
        grid = output_grid(layer.activation, ranges[k], units)
    return VLayer("int8x16", layer.activation, in_mul=in_mul, **w, **grid)


HOMOGENEOUS = ("relu", "leaky_relu", "linear")  # f(s * z) == s * f(z) for s > 0


def _balance(act_range: np.ndarray, col_range: np.ndarray, float_acts: bool) -> np.ndarray:
    """Per-channel factors e.

    With int8 activations: e = sqrt(col / act), so afterwards act * e == col / e. With
    float activations (weight-only int8) only the weights matter: e = col / geomean(col),
    so every column's largest |weight| becomes the same.
    """
    ok = (act_range > 0) & (col_range > 0)
    if float_acts:
        ref = np.exp(np.mean(np.log(col_range[ok]))) if ok.any() else 1.0
        return np.where(ok, col_range / ref, 1.0)
    return np.where(ok, np.sqrt(col_range / np.where(ok, act_range, 1.0)), 1.0)


def equalize(model: Model, calib_X: np.ndarray, float_acts: bool = False) -> Model:
    """Rescale channels so each tensor's channels share the int8 grid; the function is unchanged.

    Input feature i is multiplied by e_i inside the input normalisation the device performs
    anyway, and column i of layer 1 is divided by e_i. The same is done between layers k
    and k+1 when layer k's activation is positively homogeneous (relu,
    leaky_relu, linear): row j and bias j of layer k times e_j, column j of layer k+1 over
    e_j. e = sqrt(r_w / r_a) balances r_a (the channel's largest |value| on the calibration
    data) against r_w (the largest |weight| reading it), as in cross-layer equalisation:
    small-range channels stop vanishing on a per-tensor activation grid and large weight
    columns stop coarsening a per-row weight grid.
    """
    a = normalise(calib_X, model.input_offset, model.input_scale).astype(np.float64)
    ws = [layer.weights.astype(np.float64) for layer in model.layers]
    bs = [layer.bias.astype(np.float64) for layer in model.layers]
    e_in = _balance(np.abs(a).max(axis=0), np.abs(ws[0]).max(axis=0), float_acts)
    ws[0] = ws[0] / e_in
    a = a * e_in
    for k, layer in enumerate(model.layers[:-1]):
        out = activations.apply(layer.activation, a @ ws[k].T + bs[k])
        if layer.activation in HOMOGENEOUS:
            e = _balance(np.abs(out).max(axis=0), np.abs(ws[k + 1]).max(axis=0), float_acts)
            ws[k], bs[k] = ws[k] * e[:, None], bs[k] * e
            ws[k + 1] = ws[k + 1] / e
            out = out * e
        a = out
    layers = tuple(
        Layer(w.astype(np.float32), b.astype(np.float32), layer.activation) for w, b, layer in zip(ws, bs, model.layers)
    )
    return Model(
        layers=layers,
        input_min=model.input_min,
        input_max=model.input_max,
        input_offset=model.input_offset,
        input_scale=(model.input_scale * e_in).astype(np.float32),
        name=model.name,
        training=model.training,
    )
