"""The int8x16 first layer: generated C == numpy reference bit for bit, file format, smoke figures."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hasaki_hil.codegen import cheader as codegen
from hasaki_hil.codegen import hostproof
from hasaki_hil.errors import UserError
from hasaki_hil.model import variant as variant_mod
from hasaki_hil.quant import int8x16, quantize, reference

from .test_codegen import random_model

FIRST_ACTS = ("relu", "linear", "sigmoid", "tanh", "leaky_relu")


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(0, 2**31 - 1),
    n_in=st.integers(1, 40),
    n_hidden=st.integers(1, 12),
    n_out=st.integers(1, 4),
    act=st.sampled_from(FIRST_ACTS),
    rest=st.sampled_from(("int8", "f32", "int8-wo")),
    out_act=st.sampled_from(("sigmoid", "linear", "softmax", "relu")),
    spread=st.floats(1.0, 100.0),
)
def test_generated_c_matches_the_reference_bit_for_bit(
    tmp_path_factory, seed, n_in, n_hidden, n_out, act, rest, out_act, spread
):
    rng = np.random.default_rng(seed)
    model = random_model(rng, (n_in, n_hidden, n_out), (act, out_act))
    # Columns of very different sizes: what the power-of-two column exponents are for.
    cols = np.exp(rng.uniform(-np.log(spread), np.log(spread), n_in)).astype(np.float32)
    first = model.layers[0]
    layers = (type(first)(first.weights * cols, first.bias, first.activation),) + model.layers[1:]
    model = type(model)(
        layers=layers,
        name="random",
        input_min=model.input_min,
        input_max=model.input_max,
        input_offset=model.input_offset,
        input_scale=model.input_scale,
    )
    calib = rng.normal(size=(300, n_in)) * 2
    X = np.concatenate([rng.normal(size=(200, n_in)) * 3, calib[:50]])  # some beyond the calibrated range
    v = quantize.build(model, ["int8x16", rest], calib, "mixed")
    got = hostproof.prove(v, X, tmp_path_factory.mktemp("q16"))
    ref = reference.run(v, X)
    if got.dtype == np.int8:
        assert np.array_equal(got, ref.q_outputs)
    else:  # float layers after it: the float kernels' own bound (tests/test_codegen.py)
        from .test_codegen import assert_floats_close

        assert_floats_close(got, ref.outputs)
    if rest == "int8" and out_act != "softmax":
        assert got.dtype == np.int8  # int8 to the end: the exact case


def test_a_single_int8x16_layer_and_the_int16_clamp(tmp_path):
    rng = np.random.default_rng(3)
    model = random_model(rng, (5, 3), ("relu",))
    calib = rng.normal(size=(100, 5))
    X = np.concatenate([calib, calib * 50])  # far outside the calibration: saturates at +-32767
    v = quantize.build(model, ["int8x16"], calib, "int8x16")
    q16 = int8x16.quantize_inputs(X, v.input_offset, v.layers[0].in_mul)
    assert np.abs(q16).max() == 32767
    assert np.array_equal(hostproof.prove(v, X, tmp_path), reference.run(v, X).q_outputs)


def test_only_a_first_layer_and_avr_row_records_are_not_made():
    rng = np.random.default_rng(1)
    model = random_model(rng, (4, 3, 2), ("relu", "linear"))
    X = rng.normal(size=(50, 4))
    with pytest.raises(UserError, match="first-layer kind"):
        quantize.build(model, ["int8", "int8x16"], X, "mixed")
    v = quantize.build(model, ["int8x16", "int8"], X, "mixed")
    text = codegen.generate(v)
    assert "hsk_dense_q16(" in text and "hsk_l1_q_rec" not in text and "hsk_l2_q_rec" in text


def test_file_version_is_2_only_with_an_int8x16_layer(tmp_path):
    rng = np.random.default_rng(2)
    model = random_model(rng, (4, 3, 1), ("relu", "sigmoid"))
    X = rng.normal(size=(50, 4))
    for kinds, version in ((["int8", "int8"], 1), (["int8x16", "int8"], 2)):
        v = quantize.build(model, kinds, X, "mixed")
        path = tmp_path / f"{kinds[0]}.json"
        variant_mod.save(v, path)
        assert variant_mod.to_dict(v)["version"] == version
        back = variant_mod.load(path)
        assert back.sha256 == v.sha256 and back.kinds == v.kinds
        assert np.array_equal(back.layers[0].qweights, v.layers[0].qweights)


# Measured on the smoke detector (12-8-4-1 relu,relu,sigmoid, defaults, seed 42; 7,150 test
# rows, calibrated on train.csv): int8 flips 553 (0 new false negatives), int8x16 12 (0),
# int8x16 with --equalize 4 (0).
SMOKE_FIGURES = {("int8x16", False): 12, ("int8x16", True): 4}


@pytest.mark.slow
def test_smoke_detector_flips(smoke_dir, tmp_path):
    from hasaki_hil.commands.quantize import quantize_test
    from hasaki_hil.train import training

    model = tmp_path / "smoke.model"
    training.train_file(
        smoke_dir / "train.csv", model, arch="12,8,4,1", act="relu,relu,sigmoid", seed=42, show_progress=False
    )
    for (scheme, eq), flips in SMOKE_FIGURES.items():
        r = quantize_test(model, smoke_dir / "test.csv", scheme, calib=smoke_dir / "train.csv", equalize=eq)
        m = r["metrics"]
        print(f"{scheme} equalize={eq}: flips {m['flips']} of {m['rows']}, new false negatives {m['new_fn']}")
        assert m["flips"] == flips and m["new_fn"] == [0]


@pytest.mark.parametrize("board", ["attiny85", "uno"])
def test_on_the_own_avr_core_equal_to_the_reference(tmp_path, board, cli):
    """hasaki-hil test --emulate: the firmware's int8 outputs equal the host reference on every
    row (hsk_dot8's quarter-square assembly on the ATtiny85, the generic C on the Uno)."""
    import json

    rng = np.random.default_rng(5)
    model = random_model(rng, (12, 8, 4, 1), ("relu", "relu", "sigmoid"))
    X = rng.normal(size=(300, 12)) * 2
    v = quantize.build(model, ["int8x16", "int8", "int8"], X[:200], "int8x16")
    path, vectors = tmp_path / "v.variant", tmp_path / "vectors.csv"
    variant_mod.save(v, path)
    labels = (reference.run(v, X).outputs[:, 0] > 0.5).astype(int)
    np.savetxt(vectors, np.column_stack([X, labels]), delimiter=",", fmt="%.6g")
    code, out, err = cli("test", path, "--board", board, "--emulate", "--vectors", vectors, "--json")
    r = json.loads(out)
    assert code in (0, 1), err
    assert r["rows"] == 300 and r["host_reference_mismatches"] == 0
    print(board, "median cycles", r["cycles"]["median"])


@pytest.mark.parametrize("target", ["avr-attiny85", "avr-atmega328p", "rv32imc", "cortex-m0plus", "cortex-m4f"])
def test_compiles_warning_free_on_the_cross_compilers(tmp_path, target):
    from hasaki_hil.build import toolchain

    rng = np.random.default_rng(5)
    model = random_model(rng, (12, 8, 4, 1), ("relu", "relu", "sigmoid"))
    v = quantize.build(model, ["int8x16", "int8", "int8"], rng.normal(size=(100, 12)), "int8x16")
    (tmp_path / "hsk_model.h").write_text(codegen.generate(v))
    link = target.startswith("avr")  # as tests/test_codegen.py: the AVR harness links bare, the others -c
    toolchain.compile_harness(target, tmp_path, tmp_path / ("model.elf" if link else "model.o"), link=link)


def test_the_cli_scheme_and_layers(cli, tmp_path):
    import json

    from hasaki_hil.model import modelfile

    from .test_quantize import pathology_data, pathology_model

    model, data = tmp_path / "p.model", pathology_data(tmp_path / "data.csv")
    modelfile.save(pathology_model(), model)
    for scheme, extra, kinds in (
        ("int8x16", [], ("int8x16", "int8")),
        ("mixed", ["--layers", "int8x16,f32"], ("int8x16", "f32")),
    ):
        out = tmp_path / f"{scheme}.variant"
        code, stdout, err = cli("quantize", model, "--scheme", scheme, *extra, "--calib", data, "-o", out, "--json")
        assert code == 0, err
        v = variant_mod.load(out)
        assert v.kinds == kinds and json.loads(stdout)["sha256"] == v.sha256
        assert json.loads(out.read_text())["version"] == 2
    code, _, err = cli("quantize-test", model, data, "--scheme", "int8x16", "--json")
    assert code in (0, 1), err
    for argv, message in (
        (["--scheme", "mixed", "--layers", "f32,int8x16", "--calib", data], "first-layer kind"),
        (["--scheme", "int8x16"], "needs calibration data"),
    ):
        code, _, err = cli("quantize", model, *argv, "-o", tmp_path / "bad.variant")
        assert code == 2 and message in err and "Traceback" not in err, err
