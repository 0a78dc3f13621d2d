"""The integer reference against an independent scalar implementation, bit for bit."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from hasaki_hil.model.mlp import Layer, Model, identity_normalisation
from hasaki_hil.quant import qmath, quantize, reference

from .scalar_int8 import run_all_int8

HIDDEN = ("relu", "linear", "tanh", "sigmoid", "leaky_relu")
OUTPUT = HIDDEN + ("softmax",)


@st.composite
def models_and_inputs(draw):
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    dims = [draw(st.integers(1, 12))] + [draw(st.integers(1, 10)) for _ in range(draw(st.integers(1, 3)))]
    acts = [draw(st.sampled_from(HIDDEN)) for _ in dims[2:]] + [draw(st.sampled_from(OUTPUT))]
    if acts[-1] == "softmax" and dims[-1] < 2:
        dims[-1] = 2
    wscale = 10.0 ** draw(st.floats(-6, 2))
    bscale = 10.0 ** draw(st.floats(-3, 3))
    layers = tuple(
        Layer(
            (rng.normal(size=(o, i)) * wscale).astype(np.float32), (rng.normal(size=o) * bscale).astype(np.float32), a
        )
        for i, o, a in zip(dims, dims[1:], acts)
    )
    norm = identity_normalisation(dims[0])
    norm["input_offset"] = rng.normal(size=dims[0]).astype(np.float32)
    norm["input_scale"] = (10.0 ** rng.uniform(-2, 2, dims[0])).astype(np.float32)
    model = Model(layers=layers, **norm)
    calib = rng.normal(size=(50, dims[0])) * 3
    X = np.concatenate([rng.normal(size=(30, dims[0])) * 3, rng.normal(size=(5, dims[0])) * 100])
    return model, calib, X


@settings(max_examples=150, deadline=None)
@given(models_and_inputs())
def test_int8_reference_matches_scalar_implementation(case):
    model, calib, X = case
    v = quantize.build(model, ["int8"] * len(model.layers), calib, "int8")
    got = reference.run(v, X).q_outputs
    expected = np.array([run_all_int8(v, row) for row in X], np.int64)
    assert np.array_equal(got.astype(np.int64), expected)


@settings(max_examples=200, deadline=None)
@given(st.floats(1e-9, 1e4, allow_nan=False), st.integers(-(2**31) + 1, 2**31 - 1))
def test_requantize_is_close_to_the_real_multiplication(real, acc):
    m, s = qmath.quantize_multiplier(real)
    got = int(qmath.requantize(np.array([acc]), np.array([m]), np.array([s]))[0])
    exact = acc * real
    if m == 0:
        assert abs(exact) < 2**31 * 2.0**-47
        return
    assert 2**14 <= m < 2**15 and 1 <= s <= 62
    # 15-bit mantissa: relative error <= 2**-15, plus half a step of rounding
    assert abs(got - exact) <= abs(exact) * 2.0**-15 + 0.5 + 1e-9


def test_rounding_rules():
    assert qmath.round_half_away(np.array([0.5, -0.5, 1.5, -1.5, 2.4999998])).tolist() == [1, -1, 2, -2, 2]
    # requantisation rounds halves up: (acc * M + 2**(s-1)) >> s
    assert qmath.requantize(np.array([1, -1, 3, -3]), np.array([1 << 14]), np.array([15])).tolist() == [1, 0, 2, -1]
    # quantize multiplies by a float32 reciprocal, then rounds half away from zero, then clamps
    assert qmath.quantize(np.array([0.5, -0.5, 1e9, -1e9]), np.float32(1.0), 0).tolist() == [1, -1, 127, -128]


def test_quantize_multiplier_edges():
    assert qmath.quantize_multiplier(0.0) == (0, 1)
    assert qmath.quantize_multiplier(1e-30) == (0, 1)
    m, s = qmath.quantize_multiplier(1.0)
    assert (m, s) == (1 << 14, 14)
    m, s = qmath.quantize_multiplier(np.nextafter(1.0, 0))  # rounds up to the next power of two
    assert (m, s) == (1 << 14, 14)
