"""The versioned model file: JSON, written atomically, checked on load.

Floats are stored as the shortest decimal that round-trips to the same float32, so a
saved and reloaded model has byte-identical weights and the same sha256.
"""

import os

import numpy as np

from hasaki_hil.errors import UserError
from hasaki_hil.files import docfile
from hasaki_hil.model.mlp import Layer, Model

FORMAT = "hasaki-hil-model"
VERSION = 1


def _floats(arr) -> list:
    return np.asarray(arr, np.float32).tolist()


def to_dict(model: Model) -> dict:
    layers = []
    for layer in model.layers:
        entry = {
            "activation": layer.activation,
            "weights": _floats(layer.weights),
            "bias": _floats(layer.bias),
        }
        if layer.qweights is not None:
            entry["qweights"] = np.asarray(layer.qweights, np.int8).tolist()
            entry["scales"] = _floats(layer.scales)
        layers.append(entry)
    return {
        "format": FORMAT,
        "version": VERSION,
        "sha256": model.sha256,
        "name": model.name,
        "dims": list(model.dims),
        "activations": list(model.activations),
        "normalisation": {
            "input_min": _floats(model.input_min),
            "input_max": _floats(model.input_max),
            "input_offset": _floats(model.input_offset),
            "input_scale": _floats(model.input_scale),
        },
        "layers": layers,
        "training": model.training,
    }


def save(model: Model, path) -> str:
    """Write ``model`` to ``path`` atomically; returns its sha256."""
    docfile.write(path, to_dict(model))
    return model.sha256


def _f32(value, what: str, shape=None) -> np.ndarray:
    arr = np.asarray(value, dtype=np.float32)
    if shape is not None and arr.shape != tuple(shape):
        raise ValueError(f"{what} has shape {arr.shape}, expected {tuple(shape)}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{what} holds NaN or infinity")
    return arr


def from_dict(doc: dict) -> Model:
    """Build a Model from a parsed file; raises ValueError/KeyError/TypeError if malformed."""
    dims = [int(d) for d in doc["dims"]]
    acts = list(doc["activations"])
    if len(dims) < 2 or len(acts) != len(dims) - 1 or len(doc["layers"]) != len(acts):
        raise ValueError("dims, activations and layers disagree")
    layers = []
    for k, (entry, act) in enumerate(zip(doc["layers"], acts), start=1):
        shape = (dims[k], dims[k - 1])
        q = entry.get("qweights")
        layers.append(
            Layer(
                weights=_f32(entry["weights"], f"layer {k} weights", shape),
                bias=_f32(entry["bias"], f"layer {k} bias", shape[:1]),
                activation=act,
                qweights=None if q is None else np.asarray(q, np.int8).reshape(shape),
                scales=None if q is None else _f32(entry["scales"], f"layer {k} scales", shape[:1]),
            )
        )
    norm = doc["normalisation"]
    n_in = (dims[0],)
    return Model(
        layers=tuple(layers),
        input_min=_f32(norm["input_min"], "input_min", n_in),
        input_max=_f32(norm["input_max"], "input_max", n_in),
        input_offset=_f32(norm["input_offset"], "input_offset", n_in),
        input_scale=_f32(norm["input_scale"], "input_scale", n_in),
        name=str(doc.get("name", "model")),
        training=dict(doc.get("training", {})),
    )


def load(path) -> Model:
    """Read a model file; any problem becomes a UserError naming the file."""
    doc = docfile.read(path, FORMAT, VERSION, "model")
    try:
        model = from_dict(doc)
    except (KeyError, ValueError, TypeError, IndexError) as e:
        detail = f"missing field {e}" if isinstance(e, KeyError) else str(e)
        raise UserError(f"{os.fspath(path)} is damaged: {detail}") from None
    docfile.check_hash(os.fspath(path), doc, model.sha256)
    return model
