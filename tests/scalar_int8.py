"""An independent, slow, scalar implementation of the int8 arithmetic (for property tests).

Written from the rules in qmath's docstring with Python ints and one float32 product per
input value, so it shares no code with ``reference``.
"""

import math

import numpy as np


def _roundf(v: float) -> int:
    return int(math.floor(v + 0.5)) if v >= 0 else int(math.ceil(v - 0.5))


def _clamp(v: int, lo: int = -128, hi: int = 127) -> int:
    return lo if v < lo else hi if v > hi else v


def quantize_scalar(x: float, scale, zero_point: int) -> int:
    inv = np.float32(1.0) / np.float32(scale)
    prod = float(np.float32(x) * inv)  # the device multiplies in float32
    return _clamp(_roundf(prod) + zero_point)


def layer_scalar(q_in: list[int], layer) -> list[int]:
    out = []
    zp_in = int(layer.in_q.zero_point)
    for o in range(layer.qweights.shape[0]):
        row = [int(w) for w in layer.qweights[o]]
        acc = int(layer.qbias[o])
        for w, q in zip(row, q_in):
            acc += w * (q - zp_in)
        m, s = int(layer.multiplier[o]), int(layer.shift[o])
        y = (acc * m + (1 << (s - 1))) >> s  # Python >> on negatives is floor, like the C arithmetic shift
        if layer.lut is not None:
            out.append(int(layer.lut[_clamp(y + layer.pre_q.zero_point) + 128]))
        elif layer.activation == "softmax":
            out.append(_clamp(y + layer.pre_q.zero_point))
        else:
            lo = layer.out_q.zero_point if layer.activation == "relu" else -128
            out.append(_clamp(y + layer.out_q.zero_point, lo))
    return out


def run_all_int8(variant, x_row) -> list[int]:
    """The int8 outputs of an all-int8 variant for one raw input row."""
    x = (np.asarray(x_row, np.float32) - variant.input_offset) * variant.input_scale
    first = variant.layers[0]
    q = [quantize_scalar(float(v), first.in_q.scale, first.in_q.zero_point) for v in x]
    for layer in variant.layers:
        q = layer_scalar(q, layer)
    return q
