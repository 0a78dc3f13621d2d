"""The Variant type: a model as deployed, layer by layer f32, int8-wo or int8.

- ``f32``: float weights and biases, float accumulation.
- ``int8-wo`` (Hasaki-compatible weight-only): int8 weights with one symmetric scale per
  output row, float biases, float activations, float accumulation.
- ``int8`` (full-integer): symmetric per-row int8 weights (-127..127), asymmetric
  per-tensor int8 activations, int32 bias and accumulation, requantisation with
  (multiplier, shift), ReLU folded into the clamp, sigmoid/tanh/leaky_relu through a
  256-entry table, softmax in float on the dequantised logits (output layer only).
- ``int8x16`` (see quant/int8x16.py): int8 weights, per-channel symmetric int16 inputs
  (for layer 1 their step is folded into the input normalisation, ``in_mul``, and the
  firmware takes the int16 values; later int8x16 layers read the int16 output of the
  int8x16 layer before them), int32 accumulation, per-row requantisation: onto the next
  layer's per-channel int16 steps (``out_steps``) when that layer is int8x16 too, else to
  the next layer's int8 grid, as ``int8``.

A variant's sha256 covers its whole file content except the hash itself; the file carries
its parent float model, the reference every test of the variant compares with.
"""

import hashlib
import json
import os
from dataclasses import dataclass, field, fields

import numpy as np

from hasaki_hil.errors import UserError
from hasaki_hil.files import docfile
from hasaki_hil.model import modelfile
from hasaki_hil.model.mlp import Model

KINDS = ("f32", "int8-wo", "int8", "int8x16")


@dataclass(frozen=True)
class Affine:
    """int8 affine quantisation of a tensor: x = (q - zero_point) * scale."""

    scale: np.float32
    zero_point: int

    @property
    def inv_scale(self) -> np.float32:
        return np.float32(1.0) / np.float32(self.scale)


@dataclass(frozen=True, eq=False)
class VLayer:
    kind: str
    activation: str
    weights: np.ndarray | None = None  # f32: float32 [out, in]
    bias: np.ndarray | None = None  # f32, int8-wo: float32 [out]
    qweights: np.ndarray | None = None  # int8-wo, int8: int8 [out, in]
    wscales: np.ndarray | None = None  # int8-wo, int8: float32 [out]
    # int8 only
    in_q: Affine | None = None
    out_q: Affine | None = None
    qbias: np.ndarray | None = None  # int32 [out], in units of in_scale * wscale
    multiplier: np.ndarray | None = None  # int32 [out]
    shift: np.ndarray | None = None  # int32 [out]
    pre_q: Affine | None = None  # pre-activation quantisation, when a table follows
    lut: np.ndarray | None = None  # int8 [256]: lut[q_pre + 128]
    in_mul: np.ndarray | None = None  # int8x16 layer 1: float32 [in], q16 = round((x - input_offset) * in_mul)
    out_steps: np.ndarray | None = None  # int8x16 before int8x16: float32 [out], the int16 output steps

    @property
    def n_out(self) -> int:
        return (self.weights if self.kind == "f32" else self.qweights).shape[0]

    @property
    def n_in(self) -> int:
        return (self.weights if self.kind == "f32" else self.qweights).shape[1]

    @property
    def param_bytes(self) -> int:
        """Bytes of constants the device stores for this layer."""
        n = self.n_out
        if self.kind == "f32":
            return 4 * (self.weights.size + n)
        if self.kind == "int8-wo":
            return self.qweights.size + 4 * n + 4 * n
        lut = 256 if self.lut is not None else 0
        if self.kind == "int8x16":  # + in_mul in layer 1
            return self.qweights.size + 4 * n + 2 * n + n + lut + (4 * self.n_in if self.in_mul is not None else 0)
        return self.qweights.size + 4 * n + 2 * n + n + lut  # weights, bias, M (16 bit), shift


@dataclass(frozen=True, eq=False)
class Variant:
    scheme: str  # "f32", "int8-wo", "int8" or "mixed"
    layers: tuple[VLayer, ...]
    input_offset: np.ndarray
    input_scale: np.ndarray
    input_min: np.ndarray
    input_max: np.ndarray
    parent: Model  # the float model this variant was derived from: its reference
    name: str = "model"
    options: dict = field(default_factory=dict)

    @property
    def parent_sha256(self) -> str:
        return self.parent.sha256

    @property
    def dims(self) -> tuple[int, ...]:
        return (self.layers[0].n_in,) + tuple(layer.n_out for layer in self.layers)

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(layer.kind for layer in self.layers)

    @property
    def activations(self) -> tuple[str, ...]:
        return tuple(layer.activation for layer in self.layers)

    @property
    def output_activation(self) -> str:
        return self.layers[-1].activation

    @property
    def is_classifier(self) -> bool:
        return self.output_activation in ("sigmoid", "softmax")

    @property
    def param_bytes(self) -> int:
        return sum(layer.param_bytes for layer in self.layers)

    @property
    def input_is_int8(self) -> bool:
        """The firmware takes int8 inputs (normalised and quantised by the host) when the first layer is int8."""
        return self.layers[0].kind == "int8"

    @property
    def input_is_int16(self) -> bool:
        """The firmware takes int16 inputs (PREFIX_quantize_input: normalised onto layer 1's
        per-channel int16 steps by the host) when the first layer is int8x16."""
        return self.layers[0].kind == "int8x16"

    @property
    def output_is_int8(self) -> bool:
        """The firmware returns int8 when the last layer is int8 and not softmax (softmax is computed in float)."""
        last = self.layers[-1]
        return last.kind in ("int8", "int8x16") and last.activation != "softmax"

    @property
    def input_dtype(self) -> np.dtype:
        if self.input_is_int16:
            return np.dtype(np.int16)
        return np.dtype(np.int8 if self.input_is_int8 else np.float32)

    @property
    def output_dtype(self) -> np.dtype:
        return np.dtype(np.int8 if self.output_is_int8 else np.float32)

    @property
    def sha256(self) -> str:
        doc = to_dict(self)
        del doc["sha256"]
        return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


# --- file form --------------------------------------------------------------------------

FORMAT = "hasaki-hil-variant"
# Version rule: a file is written as version 1 unless it holds an int8x16 layer (version 2),
# or an int8x16 layer after the first (version 3: int16 activations between layers), so
# every older file keeps its bytes and sha256, and an older reader refuses a file with a
# newer kind by its version ("written by a newer hasaki-hil") instead of calling it damaged.
VERSION = 3
_INT_ARRAYS = {"qweights": np.int8, "qbias": np.int32, "multiplier": np.int32, "shift": np.int32, "lut": np.int8}
_FLOAT_ARRAYS = ("weights", "bias", "wscales", "in_mul", "out_steps")
_AFFINES = ("in_q", "out_q", "pre_q")


def _layer_dict(layer: VLayer) -> dict:
    out = {"kind": layer.kind, "activation": layer.activation}
    for f in fields(VLayer):
        value = getattr(layer, f.name)
        if f.name in ("kind", "activation") or value is None:
            continue
        if f.name in _AFFINES:
            out[f.name] = {"scale": float(np.float32(value.scale)), "zero_point": int(value.zero_point)}
        elif f.name in _FLOAT_ARRAYS:
            out[f.name] = np.asarray(value, np.float32).tolist()
        else:
            out[f.name] = np.asarray(value).astype(int).tolist()
    return out


def _version(kinds: tuple[str, ...]) -> int:
    if "int8x16" in kinds[1:]:
        return 3
    return 2 if "int8x16" in kinds else 1


def to_dict(v: Variant) -> dict:
    return {
        "format": FORMAT,
        "version": _version(v.kinds),
        "sha256": None,
        "scheme": v.scheme,
        "name": v.name,
        "parent_sha256": v.parent_sha256,
        "parent": modelfile.to_dict(v.parent),
        "dims": list(v.dims),
        "kinds": list(v.kinds),
        "activations": list(v.activations),
        "normalisation": {
            k: np.asarray(getattr(v, k), np.float32).tolist()
            for k in ("input_offset", "input_scale", "input_min", "input_max")
        },
        "layers": [_layer_dict(layer) for layer in v.layers],
        "options": v.options,
    }


def from_dict(doc: dict) -> Variant:
    """Build a Variant from a parsed file; raises KeyError/ValueError/TypeError if malformed."""
    layers = []
    for entry in doc["layers"]:
        kw = {"kind": entry["kind"], "activation": entry["activation"]}
        if kw["kind"] not in KINDS:
            raise ValueError(f"unknown layer kind {kw['kind']!r}")
        for name, dtype in _INT_ARRAYS.items():
            if name in entry:
                kw[name] = np.asarray(entry[name], dtype=np.int64).astype(dtype)
        for name in _FLOAT_ARRAYS:
            if name in entry:
                kw[name] = np.asarray(entry[name], np.float32)
        for name in _AFFINES:
            if name in entry:
                kw[name] = Affine(np.float32(entry[name]["scale"]), int(entry[name]["zero_point"]))
        layers.append(VLayer(**kw))
    norm = doc["normalisation"]
    return Variant(
        scheme=doc["scheme"],
        layers=tuple(layers),
        parent=modelfile.from_dict(doc["parent"]),
        name=doc.get("name", "model"),
        options=dict(doc.get("options", {})),
        **{k: np.asarray(norm[k], np.float32) for k in ("input_offset", "input_scale", "input_min", "input_max")},
    )


def save(v: Variant, path) -> str:
    doc = to_dict(v)
    doc["sha256"] = v.sha256
    docfile.write(path, doc)
    return doc["sha256"]


def load(path) -> Variant:
    doc = docfile.read(path, FORMAT, VERSION, "variant")
    try:
        v = from_dict(doc)
    except (KeyError, ValueError, TypeError, IndexError) as e:
        detail = f"missing field {e}" if isinstance(e, KeyError) else str(e)
        raise UserError(f"{os.fspath(path)} is damaged: {detail}") from None
    docfile.check_hash(os.fspath(path), doc, v.sha256)
    return v
