"""int8x16 layers: the host reference == the generated C on the host == the AVR core (ATtiny85's
table walk, ATmega328P's MULS) bit for bit, the chain rules, the file format, the smoke figures."""

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from hasaki_hil import boards
from hasaki_hil.build import builder
from hasaki_hil.codegen import cheader as codegen
from hasaki_hil.codegen import hostproof
from hasaki_hil.errors import UserError
from hasaki_hil.model import variant as variant_mod
from hasaki_hil.quant import int8x16, quantize, reference
from hasaki_hil.targets.base import FirmwareRef, Vectors
from hasaki_hil.targets.emulated import EmulatorTarget

from .test_codegen import assert_floats_close, random_model

FIRST_ACTS = ("relu", "linear", "sigmoid", "tanh", "leaky_relu")


def spread_model(rng, dims, acts, spread: float):
    """A random model whose weight columns differ by up to ``spread`` in every layer: what the
    per-column exponents are for."""
    model = random_model(rng, dims, acts)
    layers = []
    for layer in model.layers:
        n_in = layer.weights.shape[1]
        cols = np.exp(rng.uniform(-np.log(spread), np.log(spread), n_in)).astype(np.float32)
        layers.append(type(layer)(layer.weights * cols, layer.bias, layer.activation))
    return type(model)(
        layers=tuple(layers),
        name="random",
        input_min=model.input_min,
        input_max=model.input_max,
        input_offset=model.input_offset,
        input_scale=model.input_scale,
    )


def chain_kinds(depth: int, acts, rest: str) -> list[str]:
    """int8x16 for the first ``depth`` layers while the activation before allows int16, then ``rest``."""
    kinds = ["int8x16"]
    for k in range(1, len(acts)):
        chained = kinds[-1] == "int8x16" and k < depth and acts[k - 1] in int8x16.OUT16_ACTIVATIONS
        kinds.append("int8x16" if chained else rest)
    return kinds


@settings(max_examples=14, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(0, 2**31 - 1),
    n_in=st.integers(1, 40),
    hidden=st.lists(st.integers(1, 12), min_size=1, max_size=2),
    n_out=st.integers(1, 4),
    hidden_act=st.sampled_from(FIRST_ACTS),
    out_act=st.sampled_from(("sigmoid", "linear", "softmax", "relu")),
    depth=st.integers(1, 3),
    rest=st.sampled_from(("int8", "f32", "int8-wo")),
    fold=st.sampled_from((1.0, 0.5)),
    spread=st.floats(1.0, 100.0),
)
def test_generated_c_matches_the_reference_bit_for_bit(
    tmp_path_factory, seed, n_in, hidden, n_out, hidden_act, out_act, depth, rest, fold, spread
):
    rng = np.random.default_rng(seed)
    if rest != "int8":  # a float layer only as the output layer: float hidden layers after it can
        hidden = hidden[:1]  # cancel in their sums, beyond the float kernels' per-output ULP bound
    dims = (n_in, *hidden, n_out)
    acts = (hidden_act,) * len(hidden) + (out_act,)
    model = spread_model(rng, dims, acts, spread)
    kinds = chain_kinds(depth, acts, rest)
    calib = rng.normal(size=(300, n_in)) * 2
    X = np.concatenate([rng.normal(size=(200, n_in)) * 3, calib[:50]])  # some beyond the calibrated range
    v = quantize.build(model, kinds, calib, "mixed", {"fold": fold})
    got = hostproof.prove(v, X, tmp_path_factory.mktemp("q16"))
    ref = reference.run(v, X)
    if got.dtype == np.int8:
        assert np.array_equal(got, ref.q_outputs)
    else:  # float layers after it: the float kernels' own bound (tests/test_codegen.py)
        assert_floats_close(got, ref.outputs)
    if "f32" not in kinds and "int8-wo" not in kinds and out_act != "softmax":
        assert got.dtype == np.int8  # integer to the end: the exact case


def run_emulated(v, board: str, X: np.ndarray, work) -> tuple[np.ndarray, np.ndarray]:
    """(the firmware's native outputs on the board's emulated core, the host reference's)."""
    path = work / "v.variant"
    variant_mod.save(v, path)
    rep = builder.build(path, board, harness="emu", toolchain_choice="system", out_dir=work / board, check_fit=False)
    native = reference.native_inputs(v, X)
    fw = rep["firmware"]
    run = EmulatorTarget(boards.get(board)).run(
        FirmwareRef(fw["elf"], fw["variant_sha256"]), Vectors.for_variant(v, native)
    )
    assert not run.faults, run.faults
    ref = reference.run(v, native, native=True)
    return run.outputs, (ref.q_outputs if v.output_is_int8 else ref.outputs)


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(0, 2**31 - 1),
    n_in=st.integers(1, 70),  # past the ATtiny table walk's 64 inputs: the planes' dot products
    n_hidden=st.integers(1, 10),
    depth=st.integers(1, 3),
    fold=st.sampled_from((1.0, 0.5)),
)
@example(seed=1, n_in=70, n_hidden=9, depth=3, fold=1.0)  # the ATtiny's table walk stops at 64 inputs
@example(seed=2, n_in=12, n_hidden=8, depth=3, fold=0.5)  # the smoke detector's shape
def test_host_reference_equals_the_avr_cores_bit_for_bit(tmp_path_factory, seed, n_in, n_hidden, depth, fold):
    rng = np.random.default_rng(seed)
    acts = ("relu", "linear", "sigmoid")
    model = spread_model(rng, (n_in, n_hidden, 3, 1), acts, 30.0)
    calib = rng.normal(size=(200, n_in)) * 2
    X = np.concatenate([rng.normal(size=(60, n_in)) * 3, calib[:20] * 40])  # and saturating inputs
    v = quantize.build(model, chain_kinds(depth, acts, "int8"), calib, "mixed", {"fold": fold})
    work = tmp_path_factory.mktemp("q16avr")
    for board in ("attiny85", "uno"):
        got, ref = run_emulated(v, board, X, work)
        assert np.array_equal(got, ref), board


def test_a_single_int8x16_layer_and_the_int16_clamp(tmp_path):
    rng = np.random.default_rng(3)
    model = random_model(rng, (5, 3), ("relu",))
    calib = rng.normal(size=(100, 5))
    X = np.concatenate([calib, calib * 50])  # far outside the calibration: saturates at +-32767
    v = quantize.build(model, ["int8x16"], calib, "int8x16")
    q16 = reference.native_inputs(v, X)
    assert q16.dtype == np.int16 and np.abs(q16).max() == 32767 and v.input_dtype == np.int16
    assert np.array_equal(hostproof.prove(v, X, tmp_path), reference.run(v, X).q_outputs)


def test_hidden_int16_activations_saturate_and_relu_clamps_at_zero():
    rng = np.random.default_rng(4)
    model = spread_model(rng, (6, 5, 2), ("relu", "linear"), 30.0)
    calib = rng.normal(size=(200, 6))
    v = quantize.build(model, ["int8x16", "int8x16"], calib, "int8x16")
    first = v.layers[0]
    assert first.out_steps is not None and first.out_steps.shape == (5,) and v.layers[1].out_steps is None
    acc = int8x16.accumulate(reference.native_inputs(v, calib * 100), first)
    h = int8x16.finish16(acc, first)
    assert h.min() == 0 and h.max() == 32767  # relu at 0, saturation far beyond the calibration
    # the int16 steps follow each channel's calibrated range (per-channel activation scales)
    assert len(set(np.round(np.log2(first.out_steps)).tolist())) > 1


def test_the_chain_rules():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(50, 4))
    model = random_model(rng, (4, 3, 2), ("relu", "linear"))
    with pytest.raises(UserError, match="int16 output of an int8x16 layer"):
        quantize.build(model, ["int8", "int8x16"], X, "mixed")
    with pytest.raises(UserError, match="int16 output of an int8x16 layer"):
        quantize.build(model, ["f32", "int8x16"], X, "mixed")
    sigmoid_hidden = random_model(rng, (4, 3, 2), ("sigmoid", "linear"))
    with pytest.raises(UserError, match="relu or linear activation"):
        quantize.build(sigmoid_hidden, ["int8x16", "int8x16"], X, "mixed")
    v = quantize.build(model, ["int8x16", "int8"], X, "mixed")
    text = codegen.generate(v)
    assert "hsk_dense_q16(" in text and "hsk_l1_q_rec" not in text and "hsk_l2_q_rec" in text
    assert "typedef int16_t hsk_in_t;" in text and "#define HSK_IN_INT16 1" in text


def test_file_versions(tmp_path):
    rng = np.random.default_rng(2)
    model = random_model(rng, (4, 3, 1), ("relu", "sigmoid"))
    X = rng.normal(size=(50, 4))
    cases = ((["int8", "int8"], 1, {}), (["int8x16", "int8"], 2, {}), (["int8x16", "int8x16"], 3, {"fold": 0.5}))
    for kinds, version, options in cases:
        v = quantize.build(model, kinds, X, "mixed", options)
        path = tmp_path / f"{version}.json"
        variant_mod.save(v, path)
        assert variant_mod.to_dict(v)["version"] == version
        back = variant_mod.load(path)
        assert back.sha256 == v.sha256 and back.kinds == v.kinds and back.options == v.options
        for a, b in zip(back.layers, v.layers):
            assert np.array_equal(a.qweights, b.qweights)
            assert (a.out_steps is None) == (b.out_steps is None)


# Measured on the smoke detector (12-8-4-1 relu,relu,sigmoid, `hasaki-hil train` defaults, seed
# 42; 7,150 test rows, calibrated on train.csv): flips and new false negatives per scheme.
SMOKE_FIGURES = {
    ("mixed", "int8x16,int8,int8", False, "full"): (12, 0),
    ("mixed", "int8x16,int8,int8", True, "full"): (4, 0),
    ("int8x16", None, False, "full"): (0, 0),
    ("int8x16", None, False, "half"): (2, 0),
}


@pytest.mark.slow
def test_smoke_detector_flips(smoke_dir, tmp_path):
    from hasaki_hil.commands.quantize import quantize_test
    from hasaki_hil.train import training

    model = tmp_path / "smoke.model"
    training.train_file(
        smoke_dir / "train.csv", model, arch="12,8,4,1", act="relu,relu,sigmoid", seed=42, show_progress=False
    )
    for (scheme, layers, eq, fold), (flips, new_fn) in SMOKE_FIGURES.items():
        r = quantize_test(
            model, smoke_dir / "test.csv", scheme, calib=smoke_dir / "train.csv", layers=layers, equalize=eq, fold=fold
        )
        m = r["metrics"]
        print(f"{scheme} {layers} equalize={eq} fold={fold}: flips {m['flips']}, new false negatives {m['new_fn']}")
        assert m["flips"] == flips and m["new_fn"] == [new_fn]


@pytest.mark.parametrize("target", ["avr-attiny85", "avr-atmega328p", "rv32imc", "cortex-m0plus", "cortex-m4f"])
def test_compiles_warning_free_on_the_cross_compilers(tmp_path, target):
    from hasaki_hil.build import toolchain

    rng = np.random.default_rng(5)
    model = random_model(rng, (12, 8, 4, 1), ("relu", "relu", "sigmoid"))
    v = quantize.build(model, ["int8x16", "int8x16", "int8x16"], rng.normal(size=(100, 12)), "int8x16")
    (tmp_path / "hsk_model.h").write_text(codegen.generate(v))
    link = target.startswith("avr")  # as tests/test_codegen.py: the AVR harness links bare, the others -c
    toolchain.compile_harness(target, tmp_path, tmp_path / ("model.elf" if link else "model.o"), link=link)


def test_the_cli_scheme_layers_and_fold(cli, tmp_path):
    import json

    from hasaki_hil.model import modelfile

    from .test_quantize import pathology_data, pathology_model

    model, data = tmp_path / "p.model", pathology_data(tmp_path / "data.csv")
    modelfile.save(pathology_model(), model)
    for scheme, extra, kinds, version in (
        ("int8x16", [], ("int8x16", "int8x16"), 3),
        ("int8x16", ["--fold", "half"], ("int8x16", "int8x16"), 3),
        ("mixed", ["--layers", "int8x16,f32"], ("int8x16", "f32"), 2),
    ):
        out = tmp_path / f"{scheme}{len(extra)}.variant"
        code, stdout, err = cli("quantize", model, "--scheme", scheme, *extra, "--calib", data, "-o", out, "--json")
        assert code == 0, err
        v = variant_mod.load(out)
        assert v.kinds == kinds and json.loads(stdout)["sha256"] == v.sha256
        assert json.loads(out.read_text())["version"] == version
        assert v.options.get("fold", 1.0) == (0.5 if "half" in extra else 1.0)
    code, _, err = cli("quantize-test", model, data, "--scheme", "int8x16", "--json")
    assert code in (0, 1), err
    for argv, message in (
        (["--scheme", "mixed", "--layers", "f32,int8x16", "--calib", data], "int16 output of an int8x16 layer"),
        (["--scheme", "int8x16"], "needs calibration data"),
        (["--scheme", "int8", "--fold", "half", "--calib", data], "--fold applies to int8x16 layers"),
    ):
        code, _, err = cli("quantize", model, *argv, "-o", tmp_path / "bad.variant")
        assert code == 2 and message in err and "Traceback" not in err, err


def test_int16_inputs_over_the_serial_link(cli, tmp_path):
    """The uno's real serial firmware of an all-int8x16 variant behind a pty: 2 bytes per input on
    the wire, HELLO flag bit 3, the same outputs and Timer1 counts as the emulated run."""
    import json

    from hasaki_hil.targets.emulated_serial import EmulatedSerialBoard

    from .test_quantize import pathology_data, pathology_model

    data = pathology_data(tmp_path / "vectors.csv", n=120, seed=4)
    X = np.loadtxt(data, delimiter=",")[:, :4]
    path = tmp_path / "x16.variant"
    v = quantize.build(pathology_model(), ["int8x16", "int8x16"], X, "int8x16")
    variant_mod.save(v, path)
    fw = builder.build(path, "uno", harness="serial", toolchain_choice="system", out_dir=tmp_path / "fw")["firmware"]
    code, out, err = cli("test", path, "--board", "uno", "--emulate", "--vectors", data, "--json")
    emulated = json.loads(out)
    board = EmulatedSerialBoard(fw["elf"], "uno")
    with board as port:
        code, out, err = cli("test", path, "--board", "uno", "--port", port, "--vectors", data, "--json")
    assert board.error is None, board.error
    serial = json.loads(out)
    assert code in (0, 1), err
    assert serial["host_reference_mismatches"] == 0 == emulated["host_reference_mismatches"]
    assert serial["rows"] == 120 and serial["cycles"]["median"] == emulated["cycles"]["median"]
    assert serial["verdict"] == emulated["verdict"]
