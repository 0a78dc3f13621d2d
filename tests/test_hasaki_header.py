"""Importing C headers exported by Hasaki (hasaki_hil.hasaki_header)."""

import re
from pathlib import Path

import numpy as np
import pytest

from hasaki_hil.errors import UserError
from hasaki_hil.model import forward, modelfile
from hasaki_hil.model.hasaki_header import import_header

FIXTURES = Path(__file__).parent / "fixtures"
FLOAT_H = FIXTURES / "hasaki_float_3_4_2_1.h"
INT8_H = FIXTURES / "hasaki_int8_3_4_2_1.h"
BIG_H = FIXTURES / "hasaki_float_12_8_4_1.h"

# The fixtures' literals, copied here by hand so the test does not share the parser.
FLOAT_LITERALS = {
    "w1": [
        ["-0.5729813", "1.2041937", "0.0831122"],
        ["0.9174455", "-0.0", "-1.3378802"],
        ["1e-05", "0.4422093", "-0.7163315"],
        ["-0.2866402", "0.6603958", "0.3398214"],
    ],
    "b1": ["0.1047734", "-0.0238891", "0.0", "0.2517066"],
    "w2": [
        ["0.8839178", "-0.4410934", "1.1076422", "-0.0037655"],
        ["-1.0452301", "0.3356718", "-0.6021985", "0.7789104"],
    ],
    "b2": ["-0.0591148", "0.1380925"],
    "w3": [["1.9327764", "-2.2105818"]],
    "b3": ["-0.3071276"],
    "input_min": ["-2.5", "0.0", "12.75"],
    "input_max": ["2.5", "1023.0", "38.125"],
}
INT8_Q = {
    "w1": [[-127, 37, 0], [12, -5, 127], [-128, 64, -1], [99, 1, -73]],
    "w2": [[127, -64, 88, -3], [-110, 31, -57, 127]],
    "w3": [[127, -113]],
}
INT8_LITERALS = {
    "w1_scales": ["0.0045117", "0.0105348", "0.0078125", "1e-05"],
    "w2_scales": ["0.0087214", "0.0092611"],
    "w3_scales": ["0.0174062"],
    "b1": ["0.1047734", "-0.0", "-0.0238891", "0.2517066"],
    "b2": ["-0.0591148", "0.1380925"],
    "b3": ["-0.3071276"],
}


def f32(literals) -> np.ndarray:
    """Each literal as the float32 nearest to it, in the nesting of ``literals``."""
    if isinstance(literals[0], list):
        return np.stack([f32(row) for row in literals])
    return np.array([np.float32(float(s)) for s in literals], np.float32)


def same_bits(a, b) -> bool:
    """Equal including the sign of zero (== would treat -0.0 and 0.0 as equal)."""
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def hand_predict(layers, acts, x) -> np.ndarray:
    """The forward pass in float64 from (weights, bias) pairs, written out separately."""
    a = np.asarray(x, np.float64)
    for (w, b), act in zip(layers, acts, strict=True):
        z = np.asarray(w, np.float64) @ a + np.asarray(b, np.float64)
        a = {
            "relu": lambda v: np.maximum(v, 0.0),
            "leaky_relu": lambda v: np.where(v > 0, v, 0.01 * v),
            "tanh": np.tanh,
            "sigmoid": lambda v: 1.0 / (1.0 + np.exp(-v)),
        }[act](z)
    return a


# --- importing the fixtures -------------------------------------------------------------


def test_float_header_weights_are_the_literals_exactly():
    m = import_header(FLOAT_H)
    assert m.dims == (3, 4, 2, 1)
    assert m.activations == ("relu", "tanh", "sigmoid")
    for k, layer in enumerate(m.layers, start=1):
        assert same_bits(layer.weights, f32(FLOAT_LITERALS[f"w{k}"]))
        assert same_bits(layer.bias, f32(FLOAT_LITERALS[f"b{k}"]))
        assert layer.qweights is None and layer.scales is None
    assert np.signbit(m.layers[0].weights[1, 1])  # -0.0f stays negative zero
    assert m.layers[0].weights[2, 0] == np.float32(1e-05)


def test_float_header_metadata():
    m = import_header(FLOAT_H)
    assert m.name == "hasaki_float_3_4_2_1"
    assert m.training == {
        "source": "hasaki-header",
        "path": "hasaki_float_3_4_2_1.h",
        "quantization": "float",
    }
    assert same_bits(m.input_min, f32(FLOAT_LITERALS["input_min"]))
    assert same_bits(m.input_max, f32(FLOAT_LITERALS["input_max"]))
    # Hasaki models take normalised inputs: the range is metadata only.
    assert same_bits(m.input_offset, np.zeros(3, np.float32))
    assert same_bits(m.input_scale, np.ones(3, np.float32))


def test_int8_header_keeps_integers_and_scales():
    m = import_header(INT8_H)
    assert m.dims == (3, 4, 2, 1)
    assert m.activations == ("relu", "leaky_relu", "sigmoid")
    assert m.training["quantization"] == "int8"
    for k, layer in enumerate(m.layers, start=1):
        q = np.array(INT8_Q[f"w{k}"], np.int8)
        scales = f32(INT8_LITERALS[f"w{k}_scales"])
        assert same_bits(layer.qweights, q)
        assert same_bits(layer.scales, scales)
        expected = np.empty(q.shape, np.float32)
        for o in range(q.shape[0]):
            for i in range(q.shape[1]):
                expected[o, i] = np.float32(q[o, i]) * scales[o]  # float32 product
        assert same_bits(layer.weights, expected)
        assert same_bits(layer.bias, f32(INT8_LITERALS[f"b{k}"]))
    assert np.signbit(m.layers[0].bias[1])


def test_int8_header_without_ranges_gets_identity_normalisation():
    m = import_header(INT8_H)
    for arr, value in ((m.input_min, 0), (m.input_max, 1), (m.input_offset, 0), (m.input_scale, 1)):
        assert same_bits(arr, np.full(3, value, np.float32))


def test_12_8_4_1_header():
    text = BIG_H.read_text()
    m = import_header(BIG_H)
    assert m.dims == (12, 8, 4, 1) and m.n_params == 145
    assert m.activations == ("relu", "relu", "sigmoid")
    for k, layer in enumerate(m.layers, start=1):
        for name, arr in ((f"w{k}", layer.weights), (f"b{k}", layer.bias)):
            body = re.search(rf"\b{name}\[[^=]*=\s*\{{(.*?)\}};", text, re.DOTALL).group(1)
            literals = re.findall(r"-?\d+\.\d+(?=f)", body)
            assert same_bits(arr.ravel(), f32(literals))


@pytest.mark.parametrize("path", [FLOAT_H, INT8_H, BIG_H], ids=lambda p: p.stem)
def test_round_trip_through_model_file(tmp_path, path):
    m = import_header(path)
    out = tmp_path / "m.model"
    assert modelfile.save(m, out) == m.sha256
    back = modelfile.load(out)
    assert back.sha256 == m.sha256
    assert back.name == m.name and back.training == m.training
    for a, b in zip(m.layers, back.layers, strict=True):
        assert same_bits(a.weights, b.weights) and same_bits(a.bias, b.bias)
        assert (a.qweights is None) == (b.qweights is None)
        if a.qweights is not None:
            assert same_bits(a.qweights, b.qweights) and same_bits(a.scales, b.scales)
    for field in ("input_min", "input_max", "input_offset", "input_scale"):
        assert same_bits(getattr(m, field), getattr(back, field))


def test_predict_float_header_matches_hand_computation():
    m = import_header(FLOAT_H)
    layers = [(f32(FLOAT_LITERALS[f"w{k}"]), f32(FLOAT_LITERALS[f"b{k}"])) for k in (1, 2, 3)]
    X = np.array([[0.1, 0.7, 0.3], [0.9, 0.05, 0.6]], np.float32)
    out = forward.predict(m, X)
    for x, y in zip(X, out, strict=True):
        assert np.allclose(y, hand_predict(layers, ["relu", "tanh", "sigmoid"], x), atol=1e-6, rtol=0)


def test_predict_int8_header_matches_hand_computation():
    m = import_header(INT8_H)
    layers = [
        (
            np.array(INT8_Q[f"w{k}"], np.float64) * f32(INT8_LITERALS[f"w{k}_scales"])[:, None],
            f32(INT8_LITERALS[f"b{k}"]),
        )
        for k in (1, 2, 3)
    ]
    X = np.array([[0.1, 0.7, 0.3], [0.9, 0.05, 0.6]], np.float32)
    out = forward.predict(m, X)
    for x, y in zip(X, out, strict=True):
        want = hand_predict(layers, ["relu", "leaky_relu", "sigmoid"], x)
        assert np.allclose(y, want, atol=1e-6, rtol=0)


# --- accepted syntax --------------------------------------------------------------------

LOOSE = """\
// Architecture: 2-2-1
// Quantization: float
/* A block comment with a decoy: const float w1[2][2] = {{9, 9}, {9, 9}}; */
// const float b1[2] = {9, 9};
#include <stdint.h>
static
const
float  w1 [ 2 ]
  [2] PROGMEM
=
{ { 1.0f ,
   -2e-3f } ,
  {3.f, .5f,},
};
const __flash float b1[2] = {7, - 0.25f};
const PROGMEM float w2[1][2] = {0.1, 1E+2F};  /* brace elision is valid C */
float b2[1] = {LITERAL_B2};
void predict(const float *x, float *y) {
    // layer 1 (ReLU)
    // layer 2 (linear)
}
"""


def test_literal_forms_whitespace_qualifiers_and_comments(tmp_path):
    p = tmp_path / "loose.h"
    p.write_text(LOOSE.replace("LITERAL_B2", "-0.0"))
    m = import_header(p)
    assert m.activations == ("relu", "linear")
    assert same_bits(m.layers[0].weights, f32([["1.0", "-2e-3"], ["3.", ".5"]]))
    assert same_bits(m.layers[0].bias, f32(["7", "-0.25"]))
    assert same_bits(m.layers[1].weights, f32([["0.1", "1E+2"]]))
    assert same_bits(m.layers[1].bias, f32(["-0.0"]))


# Just above the float32 halfway point between 1 and its successor, but close enough that
# the nearest double is the halfway point itself: gcc rounds the "f" literal up, while an
# unsuffixed (double) literal converted to float ties to even, down to 1.0.
JUST_ABOVE_HALF = "1.000000059604644775390625000001"
FLT_MAX = np.finfo(np.float32).max


@pytest.mark.parametrize(
    "literal, value",
    [
        (JUST_ABOVE_HALF + "f", np.nextafter(np.float32(1), np.float32(2))),
        (JUST_ABOVE_HALF, np.float32(1)),
        ("3.4028235e38f", FLT_MAX),  # FLT_MAX as <float.h> spells it
        ("-3.4028235e+38F", -FLT_MAX),
        ("1e-50f", np.float32(0)),  # underflows to zero, as in C
    ],
)
def test_literals_round_like_a_c_compiler(tmp_path, literal, value):
    p = tmp_path / "round.h"
    p.write_text(LOOSE.replace("LITERAL_B2", literal))
    assert same_bits(import_header(p).layers[1].bias, np.array([value], np.float32))


def test_crlf_line_endings(tmp_path):
    p = tmp_path / "crlf.h"
    p.write_bytes(FLOAT_H.read_bytes().replace(b"\n", b"\r\n"))
    assert import_header(p).sha256 == import_header(FLOAT_H).sha256


def test_model_name_is_sanitised_file_stem(tmp_path):
    p = tmp_path / "my model-v2.h"
    p.write_text(FLOAT_H.read_text())
    m = import_header(p)
    assert m.name == "my_model_v2"
    assert m.training["path"] == "my model-v2.h"


# --- errors -----------------------------------------------------------------------------


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


# fmt: off
ERRORS = [
    # (id, fixture, old, new, message fragments, text on the reported line or None)
    ("no-architecture", FLOAT_H, "// Architecture: 3-4-2-1\n", "", ["no '// Architecture"], None),
    ("bad-architecture", FLOAT_H, "3-4-2-1\n", "3-x-1\n", ["Architecture '3-x-1'"], "3-x-1"),
    ("zero-width", FLOAT_H, "3-4-2-1\n", "3-0-2-1\n", ["Architecture '3-0-2-1'"], "3-0-2-1"),
    ("two-architectures", FLOAT_H, "// Parameters: 29", "// Architecture: 3-4-1",
     ["more than one '// Architecture"], "// Architecture: 3-4-1"),
    ("no-quantization", FLOAT_H, "// Quantization: float\n", "", ["no '// Quantization"], None),
    ("unknown-quantization", FLOAT_H, "Quantization: float", "Quantization: int4",
     ["unknown Quantization 'int4'", "float or int8"], "int4"),
    ("missing-bias", FLOAT_H, "static const float b2[2] PROGMEM", "static const float c2[2]",
     ["b2 is missing", "float b2[2]"], None),
    ("missing-weights", INT8_H, "int8_t w3[1][2]", "int8_t v3[1][2]", ["w3 is missing"], None),
    ("declared-size", FLOAT_H, "w1[4][3] PROGMEM", "w1[5][3] PROGMEM",
     ["w1 is declared [5][3]", "Architecture 3-4-2-1 needs [4][3]"], "w1[5][3]"),
    ("declared-size-1d", FLOAT_H, "b3[1] PROGMEM = {-0.3071276f}", "b3[2] PROGMEM = {1, 2}",
     ["b3 is declared [2]", "needs [1]"], "b3[2]"),
    ("macro-size", FLOAT_H, "w1[4][3]", "w1[H1][3]", ["w1 is declared [H1][3]"], "w1[H1]"),
    ("short-row", FLOAT_H, "0.6603958f, 0.3398214f}", "0.6603958f}",
     ["w1[3] has 2 values", "declared [4][3]"], "{-0.2866402f"),
    ("extra-row", FLOAT_H, "{1.9327764f, -2.2105818f}", "{1.9327764f, -2.2105818f}, {1, 2}",
     ["w3 has 2 rows", "declared [1][2]"], "w3[1][2]"),
    ("long-1d", FLOAT_H, "0.0f, 0.2517066f}", "0.0f, 0.2517066f, 0.5f}",
     ["b1 is declared [4] but its initializer has 5 values"], "b1[4]"),
    ("flat-too-short", FLOAT_H, "{\n    {1.9327764f, -2.2105818f}\n}", "{1.9327764f}",
     ["w3 is declared [1][2] but its initializer has 1 values"], "w3[1][2]"),
    ("nested-1d", FLOAT_H, "{-0.0591148f, 0.1380925f}", "{{-0.0591148f}, {0.1380925f}}",
     ["b2 has braces that do not fit"], "b2[2]"),
    ("empty-value", FLOAT_H, "{-0.5729813f, 1.2041937f", "{-0.5729813f,, 1.2041937f",
     ["w1 has an empty value"], "{-0.5729813f,,"),
    ("unparsable", FLOAT_H, "0.0831122f", "0.08311.22f", ["cannot read '0.08311.22f'"],
     "0.08311.22f"),
    ("int-with-f", FLOAT_H, "0.0831122f", "7f", ["cannot read '7f'"], "7f"),
    ("nan", FLOAT_H, "0.4422093f", "NAN", ["'NAN' is NaN or infinity"], "NAN"),
    ("inf", FLOAT_H, "-0.0591148f", "-INFINITY", ["'-INFINITY' is NaN or infinity"],
     "-INFINITY"),
    ("overflow", FLOAT_H, "-0.3071276f", "1e39f", ["'1e39f' is outside the float32 range"],
     "1e39f"),
    ("no-activation", FLOAT_H, "    // layer 2 (tanh)\n", "", ["no '// layer 2"], None),
    ("unknown-activation", FLOAT_H, "// layer 2 (tanh)", "// layer 2 (swish)",
     ["unknown activation 'swish'", "sigmoid"], "(swish)"),
    ("activation-layer-out-of-range", FLOAT_H, "// layer 3 (sigmoid)", "// layer 4 (sigmoid)",
     ["activation comment for layer 4", "3 layers"], "layer 4"),
    ("two-activations", FLOAT_H, "// Parameters: 29", "// layer 1 (tanh)",
     ["layer 1 is given two activations"], "// layer 1 (relu)"),
    ("extra-layer-array", FLOAT_H, "static inline void", "static const float b4[1] = {0};\nvoid",
     ["b4 is defined but 3-4-2-1 has only 3 layers"], "b4[1]"),
    ("defined-twice", FLOAT_H, "static inline void", "const float b3[1] = {0};\nvoid",
     ["b3 is defined twice"], "b3[1] = {0}"),
    ("unclosed-initializer", FLOAT_H, "{-0.3071276f};", "{-0.3071276f;",
     ["the initializer of b3 is not closed"], "b3[1]"),
    ("unterminated-comment", FLOAT_H, "#endif /* HASAKI_FLOAT_3_4_2_1_H */", "#endif /* oops",
     ["unterminated /* comment"], "/* oops"),
    ("int8-too-big", INT8_H, "{-127, 37, 0}", "{-127, 37, 128}",
     ["w1: 128 is outside the int8 range -128..127"], "128}"),
    ("int8-too-small", INT8_H, "{-128, 64, -1}", "{-129, 64, -1}",
     ["w1: -129 is outside the int8 range"], "-129"),
    ("int8-not-integer", INT8_H, "{99, 1, -73}", "{99, 0.5f, -73}",
     ["cannot read '0.5f' as an int8 integer"], "0.5f"),
    ("int8-type", INT8_H, "int8_t w2[2][4]", "float w2[2][4]", ["w2 is float, expected int8_t"],
     "float w2"),
    ("float-type", FLOAT_H, "float w2[2][4]", "int8_t w2[2][4]", ["w2 is int8_t, expected float"],
     "int8_t w2"),
    ("missing-scales", INT8_H, "w2_scales[2] PROGMEM", "w2_scale[2] PROGMEM",
     ["w2_scales is missing", "float w2_scales[2]"], None),
    ("zero-scale", INT8_H, "0.0078125f", "0.0f", ["w1_scales: '0.0f' is not positive"],
     "w1_scales"),
    ("negative-scale", INT8_H, "{0.0174062f}", "{-0.0174062f}",
     ["w3_scales: '-0.0174062f' is not positive"], "w3_scales"),
    ("infinite-scale", INT8_H, "0.0092611f", "INFINITY", ["'INFINITY' is NaN or infinity"],
     "INFINITY"),
    ("nan-scale", INT8_H, "0.0092611f", "NAN", ["w2_scales: 'NAN' is NaN or infinity"], "NAN"),
    ("scales-size", INT8_H, "w3_scales[1] PROGMEM = {0.0174062f}",
     "w3_scales[2] PROGMEM = {0.0174062f, 1}", ["w3_scales is declared [2]", "needs [1]"],
     "w3_scales[2]"),
    ("lone-input-min", FLOAT_H, "static const float input_max[3]", "static const float range[3]",
     ["input_min is defined without its partner"], "input_min[3]"),
    ("input-range-size", FLOAT_H, "input_min[3] = {-2.5f, 0.0f, 12.75f}",
     "input_min[2] = {-2.5f, 0.0f}", ["input_min is declared [2]", "needs [3]"], "input_min[2]"),
    ("input-range-order", FLOAT_H, "{2.5f, 1023.0f", "{-3.5f, 1023.0f",
     ["input_min[0] is above input_max[0]"], "input_min[3]"),
]
# fmt: on


@pytest.mark.parametrize("fixture, old, new, fragments, line_text", [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_errors_name_the_file_line_and_problem(tmp_path, fixture, old, new, fragments, line_text):
    text = fixture.read_text()
    assert text.count(old) == 1, "the fixture changed; update this case"
    bad = text.replace(old, new)
    path = tmp_path / "bad_header.h"
    path.write_text(bad)
    with pytest.raises(UserError) as e:
        import_header(path)
    message = str(e.value)
    where = f"{path}:{line_of(bad, line_text)}: " if line_text else f"{path}: "
    assert message.startswith(where), message
    for fragment in fragments:
        assert fragment in message, message


def test_unreadable_header_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match=r"cannot read header .*nope\.h"):
        import_header(tmp_path / "nope.h")


def test_not_a_hasaki_header_has_a_hint(tmp_path):
    p = tmp_path / "other.h"
    p.write_text("#include <stdio.h>\nint f(void);\n")
    with pytest.raises(UserError) as e:
        import_header(p)
    assert "Hasaki" in e.value.hint


# --- command line -----------------------------------------------------------------------


def test_cli_import_then_validate(tmp_path, capsys):
    from hasaki_hil.cli.main import main

    out = tmp_path / "imported.model"
    csv = tmp_path / "data.csv"
    csv.write_text("0.1,0.7,0.3,1\n0.9,0.05,0.6,0\n0.4,0.4,0.4,1\n0.0,1.0,0.2,0\n")
    assert main(["import", str(INT8_H), "-o", str(out)]) == 0
    assert import_header(INT8_H).sha256 in capsys.readouterr().out
    assert modelfile.load(out).sha256 == import_header(INT8_H).sha256
    assert main(["validate", str(out), str(csv)]) == 0
    assert "4 rows" in capsys.readouterr().out


def test_cli_import_bad_header_exits_2(tmp_path, capsys):
    from hasaki_hil.cli.main import main

    bad = tmp_path / "bad.h"
    bad.write_text(FLOAT_H.read_text().replace("// layer 2 (tanh)", "// layer 2 (swish)"))
    out = tmp_path / "never.model"
    assert main(["import", str(bad), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:" in err and "unknown activation 'swish'" in err
    assert not out.exists()
