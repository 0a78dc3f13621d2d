"""Generated C proved on the host compiler, on the cross-compilers, and against a golden file."""

import os
import subprocess

import numpy as np
import pytest

from hasaki_hil.build import toolchain
from hasaki_hil.codegen import cheader as codegen
from hasaki_hil.codegen import hostproof
from hasaki_hil.model.mlp import Layer, Model, identity_normalisation
from hasaki_hil.quant import quantize, reference

from .conftest import ROOT

# Float outputs of the host-compiled C vs the numpy reference: within 8 float32 steps, or
# 1e-7 absolute for outputs so close to zero that a step is meaningless (cancellation).
# Observed: the smoke model 1 ULP; tanh feeding softmax 5 ULP (libm's tanhf is not exactly
# the correctly rounded value the reference uses).
HOST_ULP_BOUND = 8
ABS_FLOOR = 1e-7
GOLDEN = ROOT / "tests" / "golden" / "tiny_int8_model.h"


def ulp_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance in float32 steps (ULPs); +0 and -0 are the same value."""

    def ordered(x):
        i = np.asarray(x, np.float32).view(np.int32).astype(np.int64)
        return np.where(i < 0, -(i & 0x7FFFFFFF), i)

    return np.abs(ordered(a) - ordered(b))


def assert_floats_close(got, ref):
    ok = (ulp_distance(got, ref) <= HOST_ULP_BOUND) | (np.abs(got.astype(np.float64) - ref) <= ABS_FLOOR)
    assert ok.all(), f"max {ulp_distance(got, ref).max()} ULP"


def random_model(rng, dims, acts) -> Model:
    layers = tuple(
        Layer(
            (rng.normal(size=(o, i)) / np.sqrt(i)).astype(np.float32), (rng.normal(size=o) * 0.1).astype(np.float32), a
        )
        for i, o, a in zip(dims, dims[1:], acts)
    )
    norm = identity_normalisation(dims[0])
    norm["input_offset"] = rng.normal(size=dims[0]).astype(np.float32) * 0.1
    norm["input_scale"] = rng.uniform(0.5, 2, dims[0]).astype(np.float32)
    return Model(layers=layers, name="random", **norm)


CASES = [
    ((5, 7, 3, 1), ("relu", "relu", "sigmoid")),
    ((4, 6, 3), ("tanh", "softmax")),
    ((6, 5, 4, 2), ("leaky_relu", "linear", "tanh")),
    ((3, 8, 2), ("sigmoid", "linear")),
]
MIXES = [("f32",), ("int8-wo",), ("int8",), ("int8", "f32"), ("f32", "int8"), ("int8-wo", "int8"), ("int8", "int8-wo")]


def _kinds(mix, n):
    return list(mix) * n if len(mix) == 1 else [mix[k % len(mix)] for k in range(n)]


@pytest.mark.parametrize("dims,acts", CASES)
@pytest.mark.parametrize("mix", MIXES)
def test_host_compiled_c_matches_the_reference(tmp_path, dims, acts, mix):
    rng = np.random.default_rng(len(dims) * 7 + len(mix))
    model = random_model(rng, dims, acts)
    X = rng.normal(size=(400, dims[0])) * 2
    v = quantize.build(model, _kinds(mix, len(acts)), X, "mixed")
    got = hostproof.prove(v, X, tmp_path)
    ref = reference.run(v, X)
    if got.dtype == np.int8:
        assert np.array_equal(got, ref.q_outputs)
    else:
        assert_floats_close(got, ref.outputs)


def test_smoke_variants_on_all_test_rows(smoke_dir, tmp_path):
    from hasaki_hil.data import csvfile as data
    from hasaki_hil.train import training

    model_path = tmp_path / "smoke.model"
    training.train_file(
        smoke_dir / "train.csv",
        model_path,
        arch="12,8,4,1",
        act="relu,relu,sigmoid",
        config={"epochs": 30},
        seed=7,
        show_progress=False,
    )
    from hasaki_hil.model import modelfile

    model = modelfile.load(model_path)
    test = data.load_csv(smoke_dir / "test.csv", 12, 1, "sigmoid")
    calib = data.load_csv(smoke_dir / "train.csv", 12, 1, "sigmoid").X
    for scheme in ("f32", "int8-wo", "int8"):
        v = quantize.build(model, [scheme] * 3, calib, scheme)
        got = hostproof.prove(v, test.X, tmp_path / scheme)
        ref = reference.run(v, test.X)
        assert got.shape == (7150, 1)
        if scheme == "int8":
            assert np.array_equal(got, ref.q_outputs)
        else:
            assert_floats_close(got, ref.outputs)


def _tiny_variant():
    w1 = np.array([[0.5, -1.25], [2.0, 0.75], [-0.3, 0.1]], np.float32)
    w2 = np.array([[1.5, -2.0, 0.25]], np.float32)
    layers = (
        Layer(w1, np.array([0.1, -0.2, 0.05], np.float32), "relu"),
        Layer(w2, np.array([0.3], np.float32), "sigmoid"),
    )
    model = Model(layers=layers, name="tiny", **identity_normalisation(2))
    X = np.array([[0, 0], [1, 1], [-1, 2], [2, -1], [0.5, 0.25]], np.float64)
    return quantize.build(model, ["int8", "int8"], X, "int8")


def test_golden_file():
    """A generator change that alters emitted C must update this file deliberately:
    HSK_UPDATE_GOLDEN=1 ./dev test tests/test_codegen.py -k golden"""
    text = codegen.generate(_tiny_variant())
    if os.environ.get("HSK_UPDATE_GOLDEN"):
        GOLDEN.write_text(text)
    assert GOLDEN.read_text() == text, "generated C changed; review it and update the golden file"


@pytest.mark.parametrize("target", ["avr-attiny85", "avr-atmega328p", "rv32imc", "cortex-m0plus", "cortex-m4f"])
def test_generated_c_compiles_warning_free_on_the_cross_compilers(tmp_path, target):
    rng = np.random.default_rng(5)
    model = random_model(rng, (12, 8, 4, 1), ("relu", "relu", "sigmoid"))
    X = rng.normal(size=(100, 12))
    for scheme in ("f32", "int8-wo", "int8"):
        d = tmp_path / scheme
        d.mkdir()
        (d / "hsk_model.h").write_text(codegen.generate(quantize.build(model, [scheme] * 3, X, scheme)))
        link = target.startswith("avr")  # the AVR harness links bare; the others are checked with -c here
        toolchain.compile_harness(target, d, d / ("model.elf" if link else "model.o"), link=link)


def _avr_sizes(elf) -> dict:
    out = subprocess.run(["avr-size", "-A", str(elf)], capture_output=True, text=True, check=True).stdout
    return {p[0]: int(p[1]) for p in (ln.split() for ln in out.splitlines()) if len(p) >= 2 and p[1].isdigit()}


def test_attiny85_builds_keep_weights_in_flash(tmp_path):
    rng = np.random.default_rng(6)
    model = random_model(rng, (12, 8, 4, 1), ("relu", "relu", "sigmoid"))
    X = rng.normal(size=(100, 12))
    for scheme in ("f32", "int8"):
        d = tmp_path / scheme
        d.mkdir()
        v = quantize.build(model, [scheme] * 3, X, scheme)
        (d / "hsk_model.h").write_text(codegen.generate(v))
        sizes = _avr_sizes(toolchain.compile_harness("avr-attiny85", d, d / "model.elf"))
        # nothing initialised in SRAM: the weights stay in flash
        assert sizes.get(".data", 0) == 0
        # SRAM holds only the work buffer, the I/O buffers and the status byte
        assert sizes[".bss"] + sizes.get(".noinit", 0) < 4 * 2 * 12 + 4 * (12 + 1) + 8
        assert sizes[".text"] > v.param_bytes


@pytest.mark.parametrize(
    "requested,expected",
    [
        ("smoke", "smoke"),
        ("smoke-detector", "smoke_detector"),
        ("2nd model", "m_2nd_model"),
        ("int", "int_model"),
        ("__x", "x_model"),
        ("", "model"),
        ("Ωmega", "_mega"),
    ],
)
def test_c_identifiers_are_sanitised_with_a_note(requested, expected):
    ident = codegen.c_identifier(requested)
    assert ident.name == expected
    assert (ident.note is None) == (requested == expected)


def test_export_cli_writes_a_self_contained_header(tmp_path, cli):
    from hasaki_hil.model import variant as variant_mod

    variant_mod.save(_tiny_variant(), tmp_path / "tiny.variant")
    code, out, err = cli(
        "export", tmp_path / "tiny.variant", "-o", tmp_path / "model.h", "--name", "my-model", "--board", "attiny85"
    )
    assert code == 0 and "using 'my_model'" in err
    text = (tmp_path / "model.h").read_text()
    assert '#include "hsk_' not in text and "my_model_predict" in text
    (tmp_path / "use.c").write_text(
        '#include "model.h"\nint main(void) { int8_t q[2] = {0, 0}; int8_t o[1];\n'
        "  return my_model_predict(q, o) == HSK_OK ? 0 : 1; }\n"
    )
    subprocess.run(
        [
            "gcc",
            "-std=c99",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-pedantic",
            str(tmp_path / "use.c"),
            "-o",
            str(tmp_path / "use"),
            "-lm",
        ],
        check=True,
    )
    subprocess.run([str(tmp_path / "use")], check=True)
    code, _, err = cli("export", tmp_path / "tiny.variant", "-o", tmp_path / "m2.h", "--board", "nosuch")
    assert code == 2 and "unknown board 'nosuch'" in err and not (tmp_path / "m2.h").exists()
