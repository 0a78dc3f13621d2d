"""The float32 forward pass, with a fixed order of operations.

Order (the C float kernel follows it): normalise each input as (x - offset) * scale;
per layer, start each output at its bias and add w[o, i] * x[i] for i = 0, 1, ...,
rounding the product and the sum to float32 separately (no fused multiply-add); then
apply the activation in float32.
"""

import numpy as np

from hasaki_hil.model import activations
from hasaki_hil.model.mlp import Model


def normalise(X: np.ndarray, offset: np.ndarray, scale: np.ndarray) -> np.ndarray:
    return (np.asarray(X, np.float32) - offset) * scale


def dense_f32(x: np.ndarray, weights: np.ndarray, bias: np.ndarray) -> np.ndarray:
    acc = np.broadcast_to(bias.astype(np.float32), (x.shape[0], bias.shape[0])).copy()
    for i in range(weights.shape[1]):
        acc += x[:, i : i + 1] * weights[:, i]
    return acc


def predict(model: Model, X: np.ndarray) -> np.ndarray:
    """Outputs [n, n_outputs] in float32 for inputs X [n, n_inputs]."""
    a = normalise(X, model.input_offset, model.input_scale)
    for layer in model.layers:
        a = activations.apply(layer.activation, dense_f32(a, layer.weights, layer.bias))
    return a.astype(np.float32, copy=False)
