"""Host references: what a variant's C kernels produce, computed with numpy.

``int8`` layers are exact: int64 arithmetic mirroring the C (fold, accumulate,
requantise, clamp or table), so device integers must match bit for bit. Float layers
follow ``forward``'s documented order in float32, without fused multiply-add; the
weight-only layer computes y = (sum_i float(q[o, i]) * x[i]) * scale[o] + bias[o],
summing i = 0, 1, ... and rounding every product and sum to float32.
"""

from dataclasses import dataclass

import numpy as np

from hasaki_hil.model import activations
from hasaki_hil.model.forward import dense_f32, normalise
from hasaki_hil.model.variant import Variant, VLayer
from hasaki_hil.quant import int8x16, qmath


@dataclass(frozen=True, eq=False)
class RefResult:
    outputs: np.ndarray  # float32 [n, n_out]: what the device reports, dequantised
    q_outputs: np.ndarray | None  # int8 [n, n_out] when the last layer is int8 (pre-softmax logits for softmax)


def dense_wo(x: np.ndarray, layer: VLayer) -> np.ndarray:
    q = layer.qweights.astype(np.float32)
    acc = np.zeros((x.shape[0], q.shape[0]), np.float32)
    for i in range(q.shape[1]):
        acc += x[:, i : i + 1] * q[:, i]
    return acc * layer.wscales + layer.bias


def int8_layer(q_in: np.ndarray, layer: VLayer) -> np.ndarray:
    """int8 [n, in] -> int8 [n, out] (for softmax: the int8 logits on ``pre_q``)."""
    acc = (
        qmath.fold_bias(layer.qbias, layer.qweights, layer.in_q.zero_point)
        + q_in.astype(np.int64) @ layer.qweights.astype(np.int64).T
    )
    return finish_q(acc, layer)


def finish_q(acc: np.ndarray, layer: VLayer) -> np.ndarray:
    """int32 accumulators [n, out] -> int8: requantise, then clamp or table (int8 and int8x16)."""
    y = qmath.requantize(acc, layer.multiplier, layer.shift)
    if layer.lut is not None:
        pre = np.clip(y + layer.pre_q.zero_point, -128, 127)
        return layer.lut[pre + 128]
    if layer.activation == "softmax":
        return np.clip(y + layer.pre_q.zero_point, -128, 127).astype(np.int8)
    lo = layer.out_q.zero_point if layer.activation == "relu" else -128
    return np.clip(y + layer.out_q.zero_point, lo, 127).astype(np.int8)


def native_inputs(variant: Variant, X: np.ndarray) -> np.ndarray:
    """What the firmware's predict takes for raw inputs X: raw floats, or for an int8 or
    int8x16 first layer the normalised, quantised int8 or int16 values (PREFIX_quantize_input)."""
    if variant.input_is_int16:
        return int8x16.quantize_inputs(X, variant.input_offset, variant.layers[0].in_mul)
    a = normalise(X, variant.input_offset, variant.input_scale)
    if variant.input_is_int8:
        first = variant.layers[0]
        return qmath.quantize(a, first.in_q.inv_scale, first.in_q.zero_point)
    return np.asarray(X, np.float32)


def run(variant: Variant, X: np.ndarray, native: bool = False) -> RefResult:
    """Outputs for raw inputs X, or with ``native`` for inputs already in predict's native
    type (int8 or int16 values for an int8 or int8x16 first layer; raw floats otherwise)."""
    int8_in = native and variant.input_is_int8
    int_in = native and (variant.input_is_int8 or variant.input_is_int16)
    a = None if int_in else normalise(X, variant.input_offset, variant.input_scale)
    q = np.asarray(X, np.int8) if int8_in else None  # the int8 activations while consecutive int8 layers run
    v16 = None  # the int16 activations while consecutive int8x16 layers run
    if variant.input_is_int16:
        v16 = np.asarray(X, np.int16) if native else native_inputs(variant, X)
    prev = None
    for layer in variant.layers:
        if layer.kind in ("int8", "int8x16"):
            if layer.kind == "int8x16":  # int16 inputs (see quant/int8x16.py)
                acc = int8x16.accumulate(v16, layer)
                if layer.out_steps is not None:
                    v16, q = int8x16.finish16(acc, layer), None
                else:
                    v16, q = None, finish_q(acc, layer)
            else:
                if q is None:
                    q = qmath.quantize(a, layer.in_q.inv_scale, layer.in_q.zero_point)
                q = int8_layer(q, layer)
            if layer.activation == "softmax":
                a = activations.apply("softmax", qmath.dequantize(q, layer.pre_q.scale, layer.pre_q.zero_point))
        else:
            if q is not None:
                a = qmath.dequantize(q, prev.out_q.scale, prev.out_q.zero_point)
                q = None
            z = dense_f32(a, layer.weights, layer.bias) if layer.kind == "f32" else dense_wo(a, layer)
            a = activations.apply(layer.activation, z)
        prev = layer
    last = variant.layers[-1]
    if last.kind in ("int8", "int8x16"):
        out = a if last.activation == "softmax" else qmath.dequantize(q, last.out_q.scale, last.out_q.zero_point)
        return RefResult(out.astype(np.float32), q)
    return RefResult(a.astype(np.float32), None)
