"""Safety by default: a binary classifier's gate allows no new false negative against the float
model unless told otherwise, and quantize-test says what is newly missed first, in words,
beside Hasaki's own figure (mean |output - label|)."""

import json

import numpy as np
import pytest

from hasaki_hil.gate import metrics
from hasaki_hil.gate import verdict as gate
from hasaki_hil.model import forward, modelfile
from hasaki_hil.model.mlp import Layer, Model, identity_normalisation
from hasaki_hil.quant import quantize, reference

ROWS = 2000  # one flip in 2,000 rows stays within the default flip rate (0.1%) and accuracy drop


def _outputs_with_one_new_miss():
    """(candidate, reference, labels) of a sigmoid model: the candidate misses one positive the
    reference catches, and catches one the reference misses (the net count does not move)."""
    rng = np.random.default_rng(3)
    ref = rng.uniform(0, 1, (ROWS, 1))
    labels = (ref >= 0.5).astype(np.float64)
    labels[1] = 1.0  # a positive the reference misses ...
    ref[1] = 0.3
    cand = ref.copy()
    cand[1] = 0.7  # ... which the candidate catches
    ref[0], labels[0] = 0.8, 1.0  # a positive the reference catches ...
    cand[0] = 0.4  # ... and the candidate misses
    return cand, ref, labels


def test_one_new_false_negative_fails_a_binary_classifier_by_default():
    cand, ref, labels = _outputs_with_one_new_miss()
    m = metrics.compare(cand, ref, "sigmoid", labels)
    assert m["binary"] and m["new_fn"] == [1] and m["fn_change"] == [0] and m["flips"] == 2
    judged = gate.verdict(m, gate.Thresholds())
    passed, reasons = judged.passed, list(judged.reasons)
    assert not passed and reasons[0] == "new false negatives 1 > 0"
    assert gate.verdict(m, gate.Thresholds(max_new_fn=1)).passed
    assert gate.verdict(m, gate.Thresholds(max_new_fn=None)).passed  # --max-new-fn off


def test_the_default_is_off_for_other_models():
    cand, ref, labels = _outputs_with_one_new_miss()
    two = np.hstack([1 - ref, ref]), np.hstack([1 - cand, cand]), np.hstack([1 - labels, labels])
    m = metrics.compare(two[1], two[0], "softmax", two[2])
    assert not m["binary"] and m["new_fn"][1] == 1
    assert gate.verdict(m, gate.Thresholds()).passed
    assert gate.Thresholds().resolve(binary=False).max_new_fn is None
    assert gate.Thresholds().resolve(binary=True).max_new_fn == 0
    assert gate.Thresholds(max_new_fn=3).resolve(binary=True).max_new_fn == 3


def _model() -> Model:
    rng = np.random.default_rng(11)
    layers = (
        Layer(rng.normal(size=(6, 4)).astype(np.float32), rng.normal(size=6).astype(np.float32) * 0.1, "relu"),
        Layer(rng.normal(size=(1, 6)).astype(np.float32), np.array([-0.5], np.float32), "sigmoid"),
    )
    return Model(layers=layers, name="one_miss", **identity_normalisation(4))


@pytest.fixture
def one_new_miss(tmp_path):
    """A model file, calibration CSV and test CSV on which its int8 variant misses exactly one
    positive the float model catches, and otherwise decides every row as the float model does."""
    model = _model()
    rng = np.random.default_rng(12)
    calib = rng.uniform(-2, 2, (400, 4))
    v = quantize.build(model, ["int8", "int8"], calib, "int8")
    X = rng.uniform(-2, 2, (200_000, 4))
    ref = forward.predict(model, X)[:, 0] >= 0.5
    q = reference.run(v, X).outputs[:, 0] >= 0.5
    miss = np.flatnonzero(ref & ~q)
    agree = np.flatnonzero(ref == q)
    assert miss.size and agree.size >= ROWS
    rows = np.concatenate([miss[:1], agree[: ROWS - 1]])
    labels = ref[rows].astype(int)  # the float model is right on every row
    paths = tmp_path / "m.model", tmp_path / "calib.csv", tmp_path / "test.csv"
    modelfile.save(model, paths[0])
    np.savetxt(paths[1], np.hstack([calib, np.zeros((len(calib), 1))]), fmt="%.9g", delimiter=",")
    np.savetxt(paths[2], np.hstack([X[rows], labels[:, None]]), fmt="%.17g", delimiter=",")
    return paths


def test_quantize_test_fails_one_new_miss_by_default_and_says_so_first(one_new_miss, cli):
    model, calib, test = one_new_miss
    args = ("quantize-test", model, test, "--calib", calib, "--scheme", "int8")
    code, out, err = cli(*args)
    assert code == 1, err
    lines = out.splitlines()
    assert lines[2] == "  new false negatives: 1 fire the float model catches is missed"
    assert lines[3] == "  new false positives: 0 alarms the float model does not raise"
    assert lines[4].startswith("  mean |output - label| (Hasaki's figure): float ")
    assert "thresholds: max_flip_rate=0.001, max_accuracy_drop=0.005, max_new_fn=0" in out
    assert "max_new_fn: 0 by default for a binary (sigmoid) classifier" in out
    assert "  new false negatives 1 > 0" in out and out.rstrip().endswith("Result: FAILED")

    code, out, _ = cli(*args, "--json")
    r = json.loads(out)
    assert r["metrics"]["new_fn"] == [1] and r["thresholds"]["max_new_fn"] == 0 and not r["passed"]
    for override in ("off", "1"):
        code, out, _ = cli(*args, "--max-new-fn", override, "--json")
        assert code == 0 and json.loads(out)["passed"], override


def test_max_new_fn_takes_a_count_or_off(one_new_miss, cli):
    model, calib, test = one_new_miss
    code, _, err = cli("quantize-test", model, test, "--calib", calib, "--scheme", "int8", "--max-new-fn", "some")
    assert code == 2 and "--max-new-fn" in err
