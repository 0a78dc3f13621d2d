"""The whole-layer AVR kernels (firmware/hsk/hsk_avr_rows.h) against the host reference, in simavr.

Random int8 variants (hypothesis draws the seeds), their requantisation constants drawn over
the whole legal range (every
byte alignment of the shift, zero multipliers, saturating rows, table activations), are
generated, built with the emulator harness for the ATtiny85 (squares) and the ATmega328P
(MUL) and run on random int8 inputs with their extremes: the outputs must equal
reference.run bit for bit (house rule 4). The smoke model's int8 variant is checked on all
7,150 test rows on both chips.
"""

import dataclasses
import json
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from hasaki_hil.build import toolchain
from hasaki_hil.codegen import avr_rows
from hasaki_hil.codegen import cheader as codegen
from hasaki_hil.model.mlp import Layer, Model, identity_normalisation
from hasaki_hil.quant import qmath, quantize, reference

from .emulator.oracle import simavr

MCUS = ("attiny85", "atmega328p")
ACTS = ("relu", "linear", "sigmoid", "tanh", "leaky_relu")


def _random_case(seed: int):
    """(variant, int8 inputs). Requantisation constants over their whole range, not only what
    calibration gives: most rows scaled so their outputs spread over the int8 range on these
    inputs (real multipliers 2^-1..2^-24 over the cases), others with any shift 16..40 (every
    byte alignment on both chips), some with a zero multiplier."""
    rng = np.random.default_rng(seed)
    depth = int(rng.integers(1, 4))
    dims = [int(rng.integers(1, 20))] + [int(rng.integers(1, 7)) for _ in range(depth)]
    acts = [str(rng.choice(ACTS)) for _ in range(depth)]
    wscale, bscale = 10.0 ** rng.uniform(-3, 1), 10.0 ** rng.uniform(-3, 2)
    layers = tuple(
        Layer(
            (rng.normal(size=(o, i)) * wscale).astype(np.float32), (rng.normal(size=o) * bscale).astype(np.float32), a
        )
        for i, o, a in zip(dims, dims[1:], acts)
    )
    model = Model(layers=layers, name="random", **identity_normalisation(dims[0]))
    v = quantize.build(model, ["int8"] * depth, rng.normal(size=(64, dims[0])) * 2, "int8")
    X = _inputs(rng, dims[0])
    q, vlayers = X, []
    for layer in v.layers:
        acc = qmath.fold_bias(layer.qbias, layer.qweights, layer.in_q.zero_point) + q.astype(np.int64) @ (
            layer.qweights.astype(np.int64).T
        )
        spread = np.maximum(np.abs(acc).max(axis=0), 1)
        ms = [qmath.quantize_multiplier(min(float(rng.uniform(60, 400)) / a, 0.49)) for a in spread]
        m = np.array([mm for mm, _ in ms])
        s = np.array([ss for _, ss in ms])
        wild = rng.random(layer.n_out) < 0.3
        m[wild] = rng.integers(2**14, 2**15, wild.sum())
        s[wild] = rng.integers(16, 41, wild.sum())
        s[0] = 16 if wild[0] else s[0]  # the smallest shift (the MUL kernel's 2-byte case)
        zero = rng.random(layer.n_out) < 0.1
        m[zero], s[zero] = 0, 1
        layer = dataclasses.replace(layer, multiplier=m.astype(np.int32), shift=s.astype(np.int32))
        vlayers.append(layer)
        q = reference.int8_layer(q, layer)
    return dataclasses.replace(v, layers=tuple(vlayers)), X


def _inputs(rng, n_in: int, rows: int = 120) -> np.ndarray:
    x = rng.integers(-128, 128, size=(rows, n_in))
    x[:4] = [[-128], [127], [0], [-1]]  # the extremes and the zero point of relu
    some = x[4 : rows // 3]
    some[rng.random(some.shape) < 0.5] = -128
    return x.astype(np.int8)


def _run(v, X: np.ndarray, mcu: str, tmp) -> np.ndarray:
    tmp.mkdir()
    (tmp / "hsk_model.h").write_text(codegen.generate(v))
    elf = toolchain.compile_harness(f"avr-{mcu}", tmp, tmp / "model.elf")
    batch = simavr.run_vectors(elf, mcu, [r.tobytes() for r in X], max_cycles=2_000_000)
    assert all(r.status == "done" for r in batch.runs)
    return np.array([np.frombuffer(r.output, np.int8) for r in batch.runs])


@pytest.mark.parametrize("mcu", MCUS)
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1))
@example(seed=0)
@example(seed=1)
@example(seed=2)
@example(seed=3)
@example(seed=4)
@example(seed=5)
def test_random_layers_match_the_reference(tmp_path, mcu, seed):
    """Seeds 0..5 always (their coverage is checked below), then random ones."""
    v, X = _random_case(seed)
    got = _run(v, X, mcu, Path(tempfile.mkdtemp(dir=tmp_path)) / mcu)
    want = reference.run(v, X, native=True).q_outputs
    bad = np.flatnonzero((got != want).any(axis=1))
    assert bad.size == 0, (X[bad[:3]], got[bad[:3]], want[bad[:3]])


def test_the_random_cases_exercise_the_record_kernels():
    """The cases above run the assembly (not only the generic fallback) on outputs that are
    not all saturated, over every byte alignment of the shift."""
    layers, unsaturated = [], []
    for seed in range(6):
        v, X = _random_case(seed)
        q = X
        for layer in v.layers:
            q = reference.int8_layer(q, layer)
            layers.append(layer)
            unsaturated.append(((q > -128) & (q < 127)).mean())
    mul = [la for la in layers if avr_rows.mul_records(la) is not None]
    sq = [la for la in layers if avr_rows.sq_records(la) is not None]
    assert len(mul) >= 0.8 * len(layers) and len(sq) >= 0.6 * len(layers)
    assert np.mean(unsaturated) > 0.3

    def shifts(ls):
        return {int(s) for la in ls for s, m in zip(la.shift, la.multiplier) if m}

    assert {(s + 7) // 8 for s in shifts(mul)} >= {2, 3, 4, 5}  # MUL: k = 2..5
    assert {(s + 1 - 16) // 8 for s in shifts(sq)} >= {0, 1, 2}  # squares: l = 0..2
    # rows of one layer with different shifts: k, r and l read per row from the records
    assert any(avr_rows.mul_k(la) == 0 for la in mul) and any(-1 in avr_rows.sq_rl(la) for la in sq)


@pytest.mark.parametrize("mcu", MCUS)
def test_a_layer_too_wide_for_24_bits_falls_back_to_the_generic_kernel(tmp_path, mcu):
    v, X = _random_case(3)
    big = dataclasses.replace(v.layers[0], qbias=np.full(v.layers[0].n_out, 2**24, np.int32))
    assert avr_rows.mul_records(big) is None and avr_rows.sq_records(big) is None
    v = dataclasses.replace(v, layers=(big,) + v.layers[1:])
    assert np.array_equal(_run(v, X, mcu, tmp_path / mcu), reference.run(v, X, native=True).q_outputs)


def test_a_layer_of_more_than_255_rows_falls_back_and_compiles(tmp_path, mcu="atmega328p"):
    """The record kernels count rows in one 8-bit register; a wider layer (4-260-1, say) runs the
    per-call kernels instead of failing to compile (it did: -Werror=overflow). On the ATmega328P:
    two 260-byte activation buffers do not fit the ATtiny85's 512 B of RAM anyway."""
    from hasaki_hil.model.mlp import Layer, Model, identity_normalisation

    rng = np.random.default_rng(8)
    layers = (
        Layer(rng.normal(size=(260, 4)).astype(np.float32), rng.normal(size=260).astype(np.float32), "relu"),
        Layer(rng.normal(size=(1, 260)).astype(np.float32) * 0.1, np.zeros(1, np.float32), "sigmoid"),
    )
    X = rng.random((20, 4))
    v = quantize.build(Model(layers=layers, name="wide", **identity_normalisation(4)), ["int8", "int8"], X, "int8")
    assert avr_rows.mul_records(v.layers[0]) is None and avr_rows.sq_records(v.layers[0]) is None
    native = reference.native_inputs(v, X)
    assert np.array_equal(_run(v, native, mcu, tmp_path / mcu), reference.run(v, native, native=True).q_outputs)


@pytest.fixture(scope="module")
def smoke_int8(tmp_path_factory):
    """(int8 variant of the smoke model, test inputs), trained once for both chips."""
    from .conftest import SMOKE

    if not (SMOKE / "train.csv").is_file():
        pytest.skip(f"smoke dataset not found at {SMOKE} (set HASAKI_SHARED to the folder holding datasets/)")
    from hasaki_hil.data import csvfile as data
    from hasaki_hil.model import modelfile
    from hasaki_hil.train import training

    model_path = tmp_path_factory.mktemp("smoke") / "smoke.model"
    training.train_file(
        SMOKE / "train.csv", model_path, arch="12,8,4,1", act="relu,relu,sigmoid", config={"epochs": 30}, seed=7,
        show_progress=False,
    )  # fmt: skip
    test = data.load_csv(SMOKE / "test.csv", 12, 1, "sigmoid")
    calib = data.load_csv(SMOKE / "train.csv", 12, 1, "sigmoid").X
    return quantize.build(modelfile.load(model_path), ["int8"] * 3, calib, "int8"), test.X


@pytest.mark.parametrize("mcu", MCUS)
def test_smoke_int8_on_all_test_rows(smoke_int8, tmp_path, mcu):
    v, X = smoke_int8
    got = _run(v, reference.native_inputs(v, X), mcu, tmp_path / mcu)
    assert got.shape == (7150, 1)
    assert np.array_equal(got, reference.run(v, X).q_outputs)


@pytest.mark.parametrize("board", ["attiny85", "uno"])
def test_smoke_int8_on_the_own_avr_core(smoke_int8, tmp_path, board, cli):
    """The same kernels on the project's AVR core (hasaki-hil test --emulate): all 7,150 rows
    equal to the host reference, cycles exact."""
    from hasaki_hil.model import variant as variant_mod

    from .conftest import SMOKE

    v, _ = smoke_int8
    path = tmp_path / "int8.variant"
    variant_mod.save(v, path)
    code, out, err = cli("test", path, "--board", board, "--emulate", "--vectors", SMOKE / "test.csv", "--json")
    r = json.loads(out)
    assert code in (0, 1), err
    assert r["rows"] == 7150 and r["host_reference_mismatches"] == 0
    assert r["cycles"]["provenance"] == "exact" and r["cycles"]["max"] < 6000


@pytest.mark.parametrize("mcu", MCUS)
@pytest.mark.parametrize("shift", [16, 17, 23, 24, 31, 32, 39, 40, 47, 48, 60])
def test_layers_whose_rows_share_their_shift_take_it_as_an_immediate(tmp_path, mcu, shift):
    """One shift for every row of every layer: the kernels get k (MUL) or r and l (squares) as
    assembler immediates instead of record bytes (every k = 2..6, l = 0..3, r = 0..7 over the
    parameters), with relu (zp - lo = 0) and other activations; still bit for bit."""
    for seed in (0, 3):
        v, X = _random_case(seed)
        layers = []
        for la in v.layers:
            m = np.where(la.multiplier != 0, la.multiplier, 2**14 + 5).astype(np.int32)
            la = dataclasses.replace(la, multiplier=m, shift=np.full(la.n_out, shift, np.int32))
            assert avr_rows.mul_k(la) == ((shift + 7) // 8 if shift <= 40 else 3)  # k >= 6: m' = 0
            assert avr_rows.sq_rl(la) == ((shift - 15) % 8, min((shift - 15) // 8, 3))
            layers.append(la)
        recs = avr_rows.mul_records if mcu == "atmega328p" else avr_rows.sq_records
        assert any(recs(la) is not None for la in layers)  # the kernel runs, not only the fallback
        v = dataclasses.replace(v, layers=tuple(layers))
        got = _run(v, X, mcu, tmp_path / f"{mcu}-{seed}")
        assert np.array_equal(got, reference.run(v, X, native=True).q_outputs)


def test_rows_with_a_larger_l_share_the_smallest_one_by_more_shifts(tmp_path, mcu="attiny85"):
    """Squares kernel: a layer with one row at l = 1 among rows at l = 0 gives that row 8 more
    shifts (r + 8, up to 15) instead of reading l in every row; still bit for bit."""
    for seed in range(40):
        v, X = _random_case(seed)
        wide = [i for i, la in enumerate(v.layers) if la.n_out >= 4 and avr_rows.sq_records(la) is not None]
        if wide:
            break
    i = wide[0]
    la = v.layers[i]
    shift = np.full(la.n_out, 20, np.int32)  # a2's shift 21: l = 0, r = 5
    shift[1] = 24  # 25: l = 1, r = 1 -> r = 9 at l = 0
    m = np.where(la.multiplier != 0, la.multiplier, 2**14 + 3).astype(np.int32)
    la = dataclasses.replace(la, multiplier=m, shift=shift)
    r, lb, rows = avr_rows.sq_plan(la)
    assert (r, lb) == (-1, 0) and rows[0] == (5, 0) and rows[1] == (9, 0)
    v = dataclasses.replace(v, layers=v.layers[:i] + (la,) + v.layers[i + 1 :])
    assert np.array_equal(_run(v, X, mcu, tmp_path / mcu), reference.run(v, X, native=True).q_outputs)
