"""The Model type: a dense MLP with per-layer activations and input normalisation.

The content hash covers what the model computes (architecture, activations, input
normalisation, weights, and the int8 integers and scales of imported int8 layers),
not how it was trained, so the same weights always give the same hash.
"""

import hashlib
import json
from dataclasses import dataclass, field

import numpy as np

from hasaki_hil.model.activations import ACTIVATIONS


@dataclass(frozen=True, eq=False)
class Layer:
    weights: np.ndarray  # float32 [out, in]
    bias: np.ndarray  # float32 [out]
    activation: str
    # Set only for layers that arrive already quantised (imported int8 headers):
    # weights == qweights * scales[:, None] exactly, in float32.
    qweights: np.ndarray | None = None  # int8 [out, in]
    scales: np.ndarray | None = None  # float32 [out]

    def __post_init__(self):
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {self.activation!r}")
        if self.weights.ndim != 2 or self.bias.shape != (self.weights.shape[0],):
            raise ValueError("layer weights must be [out, in] and bias [out]")

    @property
    def n_in(self) -> int:
        return self.weights.shape[1]

    @property
    def n_out(self) -> int:
        return self.weights.shape[0]


@dataclass(frozen=True, eq=False)
class Model:
    layers: tuple[Layer, ...]
    # Observed per-input range of the training data (metadata, as Hasaki headers keep it).
    input_min: np.ndarray
    input_max: np.ndarray
    # Normalisation the device applies before layer 1: x' = (x - input_offset) * input_scale.
    input_offset: np.ndarray
    input_scale: np.ndarray
    name: str = "model"
    training: dict = field(default_factory=dict)

    def __post_init__(self):
        for a, b in zip(self.layers, self.layers[1:]):
            if a.n_out != b.n_in:
                raise ValueError(f"layer widths do not chain: {a.n_out} -> {b.n_in}")
        for arr in (self.input_min, self.input_max, self.input_offset, self.input_scale):
            if arr.shape != (self.n_inputs,):
                raise ValueError("normalisation arrays must have one entry per input")

    @property
    def dims(self) -> tuple[int, ...]:
        return (self.layers[0].n_in,) + tuple(layer.n_out for layer in self.layers)

    @property
    def activations(self) -> tuple[str, ...]:
        return tuple(layer.activation for layer in self.layers)

    @property
    def n_inputs(self) -> int:
        return self.layers[0].n_in

    @property
    def n_outputs(self) -> int:
        return self.layers[-1].n_out

    @property
    def output_activation(self) -> str:
        return self.layers[-1].activation

    @property
    def is_classifier(self) -> bool:
        return self.output_activation in ("sigmoid", "softmax")

    @property
    def n_params(self) -> int:
        return sum(layer.weights.size + layer.bias.size for layer in self.layers)

    @property
    def sha256(self) -> str:
        h = hashlib.sha256()
        h.update(json.dumps({"dims": self.dims, "act": self.activations}).encode())
        for arr in (self.input_offset, self.input_scale, self.input_min, self.input_max):
            h.update(np.ascontiguousarray(arr, dtype="<f4").tobytes())
        for layer in self.layers:
            h.update(np.ascontiguousarray(layer.weights, dtype="<f4").tobytes())
            h.update(np.ascontiguousarray(layer.bias, dtype="<f4").tobytes())
            if layer.qweights is not None:
                h.update(b"q" + np.ascontiguousarray(layer.qweights, dtype="i1").tobytes())
                h.update(np.ascontiguousarray(layer.scales, dtype="<f4").tobytes())
        return h.hexdigest()


def identity_normalisation(n_inputs: int) -> dict:
    """Normalisation fields for a model whose inputs arrive already normalised."""
    return {
        "input_min": np.zeros(n_inputs, np.float32),
        "input_max": np.ones(n_inputs, np.float32),
        "input_offset": np.zeros(n_inputs, np.float32),
        "input_scale": np.ones(n_inputs, np.float32),
    }
