"""Import a C header exported by Hasaki as a Model.

The header carries ``// Architecture: 12-8-4-1`` and ``// Quantization: float|int8``
comments, arrays ``wN[OUT][IN]`` (float, or int8_t with per-row ``wN_scales[OUT]``) and
``bN[OUT]`` per layer N, optionally ``input_min``/``input_max``, and a ``// layer K (act)``
comment per layer in its predict function. Everything else is ignored.
"""

import math
import os
import re
from fractions import Fraction
from typing import NoReturn

import numpy as np

from hasaki_hil.errors import UserError
from hasaki_hil.model import modelfile
from hasaki_hil.model.activations import ACTIVATIONS
from hasaki_hil.model.mlp import Layer, Model, identity_normalisation

# Comments are blanked out (keeping offsets, so line numbers stay right); string and
# character literals are matched only so that a "//" inside one is not taken as a comment.
_LEXEME = re.compile(r"//[^\n]*|/\*.*?\*/|/\*|\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*'", re.DOTALL)
_ARCH = re.compile(r"//\s*Architecture\s*:\s*(.*)", re.IGNORECASE)
_QUANT = re.compile(r"//\s*Quantization\s*:\s*(\S*)", re.IGNORECASE)
_LAYER_ACT = re.compile(r"//\s*layer\s+(\d+)\s*\(\s*(\w+)\s*\)", re.IGNORECASE)
# "<type> [qualifiers] name[..][..] [PROGMEM] = {"; leading static/const/PROGMEM/__flash
# need no pattern because the type is taken as the word just before the name.
_DECL = re.compile(
    r"\b(?P<type>[A-Za-z_]\w*)\s+(?:(?:const|PROGMEM|__flash)\s+)*(?P<name>[A-Za-z_]\w*)"
    r"\s*(?P<dims>(?:\[[^\[\]]*\]\s*)+)(?:PROGMEM\s*)?=\s*\{"
)
_LAYER_ARRAY = re.compile(r"[wb](\d+)(?:_scales)?")
_NORM_ARRAYS = ("input_min", "input_max")
_TOKEN = re.compile(r"[{},]|[^{},]+")
_FLOAT = re.compile(r"([+-]?)\s*((?:\d+\.\d*|\.\d+)(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+|\d+)([fF]?)")
_INT = re.compile(r"[+-]?\s*\d+")


def _c_float32(literal: str) -> np.float32 | None:
    """The float32 a C compiler makes of ``literal``, or None if it is not a float literal."""
    m = _FLOAT.fullmatch(literal)
    if not m or (m.group(3) and m.group(2).isdigit()):  # C has no "7f"
        return None
    d = float(m.group(1) + m.group(2))
    with np.errstate(over="ignore"):
        f = np.float32(d)
    if m.group(3) and np.isfinite(f) and float(f) != d:
        # An f-suffixed literal is rounded straight to float32; going through a double
        # can land exactly on a float32 halfway point and then tie-break the wrong way.
        up = d > float(f)
        with np.errstate(over="ignore"):
            other = np.nextafter(f, np.float32(np.inf if up else -np.inf))
        near = Fraction(float(f))
        # Beyond the largest float32, IEEE rounding treats 2**128 as the next value.
        far = Fraction(float(other)) if np.isfinite(other) else Fraction((1 if up else -1) << 128)
        mid = (near + far) / 2
        if Fraction(d) == mid and abs(Fraction(m.group(1) + m.group(2)) - near) > abs(mid - near):
            f = other
    return f


class _Header:
    def __init__(self, path: str, text: str):
        self.path = path
        self.text = text
        self.comments = []  # (offset, text) of every // comment
        parts, last = [], 0
        for m in _LEXEME.finditer(text):
            lexeme = m.group()
            if lexeme == "/*":
                self.fail("unterminated /* comment", m.start())
            if lexeme.startswith("/"):
                if lexeme.startswith("//"):
                    self.comments.append((m.start(), lexeme))
                parts += [text[last : m.start()], re.sub(r"[^\n]", " ", lexeme)]
                last = m.end()
        self.code = "".join(parts) + text[last:]
        self.arrays = {}  # name -> (C type, declared dims, offset, initializer tree)
        self.arch = ""  # the Architecture comment's text, for messages

    def fail(self, message: str, pos: int | None = None, hint: str | None = None) -> NoReturn:
        where = self.path if pos is None else f"{self.path}:{self.text.count(chr(10), 0, pos) + 1}"
        raise UserError(f"{where}: {message}", hint=hint)

    def directive(self, pattern: re.Pattern, what: str) -> tuple[int, re.Match]:
        found = [(pos, m) for pos, c in self.comments if (m := pattern.match(c))]
        if not found:
            self.fail(f"no '// {what}: ...' comment", hint="is this a header exported by Hasaki?")
        if len(found) > 1:
            self.fail(f"more than one '// {what}:' comment", found[1][0])
        return found[0]

    def find_arrays(self, n_layers: int) -> None:
        for m in _DECL.finditer(self.code):
            name, pos = m.group("name"), m.start("name")
            layer = _LAYER_ARRAY.fullmatch(name)
            if not layer and name not in _NORM_ARRAYS:
                continue
            if layer and not 1 <= int(layer.group(1)) <= n_layers:
                self.fail(f"{name} is defined but {self.arch} has only {n_layers} layers", pos)
            if name in self.arrays:
                self.fail(f"{name} is defined twice", pos)
            dims = re.findall(r"\[([^\]]*)\]", m.group("dims"))
            if not all(d.strip().isdigit() for d in dims):
                self.fail(f"{name} is declared [{']['.join(dims)}]; expected plain numbers", pos)
            tree = self._initializer(m.end() - 1, name)
            self.arrays[name] = (m.group("type"), tuple(int(d) for d in dims), pos, tree)

    def _initializer(self, start: int, name: str) -> list:
        """The brace initializer at ``start`` as nested lists of (literal, offset)."""
        root = []
        stack, prev = [root], "{"
        for m in _TOKEN.finditer(self.code, start + 1):
            tok = m.group()
            if not tok.strip():
                continue
            if tok == "{":
                stack[-1].append([])
                stack.append(stack[-1][-1])
            elif tok == "}":
                stack.pop()
                if not stack:
                    return root
            elif tok == ",":
                if prev in ("{", ","):
                    self.fail(f"{name} has an empty value", m.start())
            else:
                stack[-1].append((tok.strip(), m.start() + len(tok) - len(tok.lstrip())))
            prev = tok
        self.fail(f"the initializer of {name} is not closed", start)

    def values(self, name: str, shape: tuple, ctype: str, positive: bool = False) -> np.ndarray:
        """The array ``name`` checked against ``shape`` and ``ctype`` (float or int8_t)."""
        want = "".join(f"[{n}]" for n in shape)
        if name not in self.arrays:
            self.fail(f"{name} is missing (expected {ctype} {name}{want})")
        typ, declared, pos, tree = self.arrays[name]
        if typ != ctype:
            self.fail(f"{name} is {typ}, expected {ctype}", pos)
        if declared != shape:
            got = "".join(f"[{n}]" for n in declared)
            self.fail(f"{name} is declared {got} but the Architecture {self.arch} needs {want}", pos)
        rows = len(shape) == 2 and tree and all(isinstance(row, list) for row in tree)
        if rows and len(tree) != shape[0]:
            self.fail(f"{name} has {len(tree)} rows but is declared {want}", pos)
        flat = [v for row in tree for v in row] if rows else tree
        for r, row in enumerate(tree if rows else []):
            if len(row) != shape[1]:
                where = row[0][1] if row and not isinstance(row[0], list) else pos
                self.fail(f"{name}[{r}] has {len(row)} values but {name} is declared {want}", where)
        if any(isinstance(v, list) for v in flat):
            self.fail(f"{name} has braces that do not fit its declared shape {want}", pos)
        if len(flat) != math.prod(shape):
            self.fail(f"{name} is declared {want} but its initializer has {len(flat)} values", pos)
        return np.array(
            [self._literal(name, lit, lpos, ctype, positive) for lit, lpos in flat],
            np.int8 if ctype == "int8_t" else np.float32,
        ).reshape(shape)

    def _literal(self, name: str, lit: str, pos: int, ctype: str, positive: bool):
        if ctype == "int8_t":
            if not _INT.fullmatch(lit):
                self.fail(f"{name}: cannot read '{lit}' as an int8 integer", pos)
            q = int(re.sub(r"\s", "", lit))
            if not -128 <= q <= 127:
                self.fail(f"{name}: {lit} is outside the int8 range -128..127", pos)
            return q
        if re.search(r"nan|inf", lit, re.IGNORECASE):
            self.fail(f"{name}: '{lit}' is NaN or infinity; values must be finite", pos)
        f = _c_float32(lit)
        if f is None:
            self.fail(f"{name}: cannot read '{lit}' as a number", pos)
        if not np.isfinite(f):
            self.fail(f"{name}: '{lit}' is outside the float32 range", pos)
        if positive and not f > 0:
            self.fail(f"{name}: '{lit}' is not positive; scales must be > 0", pos)
        return f


def import_header(path) -> Model:
    """Parse the Hasaki C header at ``path``; every problem is a UserError."""
    path = os.fspath(path)
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8", errors="replace")
    except OSError as e:
        raise UserError(f"cannot read header {path}: {e.strerror}") from None
    h = _Header(path, text)

    pos, m = h.directive(_ARCH, "Architecture")
    h.arch = arch = m.group(1).strip()
    dims = [int(d) for d in arch.split("-")] if re.fullmatch(r"\d+(\s*-\s*\d+)+", arch) else []
    if not dims or 0 in dims:
        h.fail(f"cannot read Architecture '{arch}' (expected sizes like 12-8-4-1)", pos)
    n_layers = len(dims) - 1
    pos, m = h.directive(_QUANT, "Quantization")
    quant = m.group(1).lower()
    if quant not in ("float", "int8"):
        h.fail(f"unknown Quantization '{m.group(1)}' (expected float or int8)", pos)

    acts = {}
    for pos, comment in h.comments:
        if m := _LAYER_ACT.match(comment):
            k, act = int(m.group(1)), m.group(2).lower()
            if not 1 <= k <= n_layers:
                h.fail(f"activation comment for layer {k}, but there are {n_layers} layers", pos)
            if act not in ACTIVATIONS:
                h.fail(
                    f"layer {k}: unknown activation '{m.group(2)}' (expected one of {', '.join(ACTIVATIONS)})",
                    pos,
                )
            if acts.setdefault(k, act) != act:
                h.fail(f"layer {k} is given two activations, {acts[k]} and {act}", pos)

    h.find_arrays(n_layers)
    layers = []
    for k in range(1, n_layers + 1):
        if k not in acts:
            h.fail(f"no '// layer {k} (<activation>)' comment in predict() for layer {k}")
        shape = (dims[k], dims[k - 1])
        bias = h.values(f"b{k}", shape[:1], "float")
        if quant == "float":
            layers.append(Layer(h.values(f"w{k}", shape, "float"), bias, acts[k]))
            continue
        q = h.values(f"w{k}", shape, "int8_t")
        scales = h.values(f"w{k}_scales", shape[:1], "float", positive=True)
        weights = (q.astype(np.float32) * scales[:, None]).astype(np.float32)
        layers.append(Layer(weights, bias, acts[k], qweights=q, scales=scales))

    norm = identity_normalisation(dims[0])
    present = [name for name in _NORM_ARRAYS if name in h.arrays]
    if len(present) == 1:
        h.fail(f"{present[0]} is defined without its partner", h.arrays[present[0]][2])
    if present:
        for name in _NORM_ARRAYS:
            norm[name] = h.values(name, (dims[0],), "float")
        bad = np.flatnonzero(norm["input_min"] > norm["input_max"])
        if bad.size:
            h.fail(f"input_min[{bad[0]}] is above input_max[{bad[0]}]", h.arrays["input_min"][2])
    stem = os.path.splitext(os.path.basename(path))[0]
    return Model(
        layers=tuple(layers),
        **norm,
        name=re.sub(r"[^A-Za-z0-9_]", "_", stem) or "model",
        training={"source": "hasaki-header", "path": os.path.basename(path), "quantization": quant},
    )


def import_file(header, output) -> dict:
    """Import ``header`` and save it as the model file ``output`` (the CLI's ``import``)."""
    model = import_header(header)
    try:
        sha = modelfile.save(model, output)
    except OSError as e:
        raise UserError(f"cannot write model file {output}: {e.strerror}") from None
    return {
        "header": os.fspath(header),
        "model": os.fspath(output),
        "sha256": sha,
        "name": model.name,
        "quantization": model.training["quantization"],
        "dims": list(model.dims),
        "activations": list(model.activations),
    }
