"""Activation functions and their derivatives (pure numpy)."""

import numpy as np

ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "linear", "softmax")
LEAKY_SLOPE = 0.01  # Hasaki's leaky_relu slope for negative inputs

# Range of each activation's output: labels outside it can never be reached.
OUTPUT_RANGE = {
    "sigmoid": (0.0, 1.0),
    "softmax": (0.0, 1.0),
    "tanh": (-1.0, 1.0),
    "relu": (0.0, np.inf),
    "leaky_relu": (-np.inf, np.inf),
    "linear": (-np.inf, np.inf),
}


def _exact_f32(fn, z: np.ndarray) -> np.ndarray:
    """fn in float64 rounded once to float32: a correctly rounded float32 function, as
    glibc's expf/tanhf are in practice (numpy's own float32 exp is not)."""
    if z.dtype == np.float32:
        with np.errstate(over="ignore"):
            return fn(z.astype(np.float64)).astype(np.float32)
    return fn(z)


def _exp(z: np.ndarray) -> np.ndarray:
    return _exact_f32(np.exp, z)


def apply(name: str, z: np.ndarray) -> np.ndarray:
    """The activation ``name`` applied to pre-activations ``z`` (rows are samples)."""
    if name == "sigmoid":
        # The C kernels' formula; exp overflowing to inf correctly gives 0.
        with np.errstate(over="ignore"):
            return z.dtype.type(1) / (z.dtype.type(1) + _exp(-z))
    if name == "tanh":
        return _exact_f32(np.tanh, z)
    if name == "relu":
        return np.maximum(z, 0)
    if name == "leaky_relu":
        return np.where(z > 0, z, z * z.dtype.type(LEAKY_SLOPE))
    if name == "linear":
        return z
    if name == "softmax":
        e = _exp(z - z.max(axis=1, keepdims=True))
        total = e[:, :1].copy()
        for j in range(1, e.shape[1]):  # summed in order, as the C loop does
            total += e[:, j : j + 1]
        return e / total
    raise ValueError(f"unknown activation {name!r}")


def derivative(name: str, z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """d activation / dz, elementwise, from pre-activation ``z`` and output ``a``.

    Softmax is only used on the output layer with cross-entropy, where the combined
    gradient is ``a - y``; the trainer never asks for its elementwise derivative.
    """
    if name == "sigmoid":
        return a * (1 - a)
    if name == "tanh":
        return 1 - a * a
    if name == "relu":
        return (z > 0).astype(z.dtype)
    if name == "leaky_relu":
        return np.where(z > 0, 1.0, LEAKY_SLOPE).astype(z.dtype)
    if name == "linear":
        return np.ones_like(z)
    raise ValueError(f"no elementwise derivative for {name!r}")
