import json

import numpy as np
import pytest

from hasaki_hil.errors import UserError
from hasaki_hil.model import variant as variant_mod
from hasaki_hil.model.forward import predict
from hasaki_hil.model.mlp import Layer, Model, identity_normalisation
from hasaki_hil.quant import quantize, reference
from hasaki_hil.train import qat, trainer


def pathology_model() -> Model:
    """Hasaki's pathology, constructed: inputs 1 and 2 live in [0, 1e-3], so their weights are
    ~1000x the others' and a per-row int8 scale wipes out the weights of inputs 0 and 3."""
    w1 = np.array([[1.0, 900.0, -900.0, 0.8], [-1.2, 700.0, 650.0, 1.1], [0.9, -800.0, 850.0, -1.0]], np.float32)
    b1 = np.array([-0.5, 0.1, 0.2], np.float32)
    w2 = np.array([[2.0, -1.5, 1.8]], np.float32)
    layers = (Layer(w1, b1, "relu"), Layer(w2, np.array([-0.3], np.float32), "sigmoid"))
    return Model(layers=layers, name="pathology", **identity_normalisation(4))


def pathology_data(path, n=2000, seed=0):
    rng = np.random.default_rng(seed)
    X = np.column_stack([rng.random(n), rng.random(n) * 1e-3, rng.random(n) * 1e-3, rng.random(n)])
    y = (predict(pathology_model(), X)[:, 0] >= 0.5).astype(int)
    np.savetxt(path, np.column_stack([X, y]), delimiter=",", fmt="%.9g")
    return path


def test_variant_file_round_trip_and_hash(tmp_path):
    m = pathology_model()
    X = np.random.default_rng(1).random((100, 4))
    for kinds in (["f32", "f32"], ["int8-wo", "int8-wo"], ["int8", "int8"], ["int8", "f32"]):
        v = quantize.build(m, kinds, X, "mixed")
        sha = variant_mod.save(v, tmp_path / "v.variant")
        back = variant_mod.load(tmp_path / "v.variant")
        assert back.sha256 == sha and back.parent_sha256 == m.sha256 and back.kinds == tuple(kinds)
        assert np.array_equal(reference.run(back, X).outputs, reference.run(v, X).outputs)
    doc = json.loads((tmp_path / "v.variant").read_text())
    doc["layers"][0]["qweights"][0][0] += 1
    (tmp_path / "v.variant").write_text(json.dumps(doc))
    with pytest.raises(UserError, match="does not match its sha256"):
        variant_mod.load(tmp_path / "v.variant")


def test_f32_variant_is_the_float_model():
    m = pathology_model()
    X = np.random.default_rng(2).random((50, 4))
    v = quantize.build(m, ["f32", "f32"], None, "f32")
    assert np.array_equal(reference.run(v, X).outputs, predict(m, X))


def test_int8_wo_reference_order():
    """y = (sum_i float(q) * x_i) * scale + bias, in float32, i ascending."""
    m = pathology_model()
    v = quantize.build(m, ["int8-wo", "f32"], None, "mixed")
    layer = v.layers[0]
    x = np.random.default_rng(3).random((1, 4)).astype(np.float32)
    acc = [np.float32(0)] * 3
    for o in range(3):
        for i in range(4):
            acc[o] = np.float32(acc[o] + np.float32(layer.qweights[o, i]) * x[0, i])
    expected = np.array([np.float32(acc[o] * layer.wscales[o]) + layer.bias[o] for o in range(3)], np.float32)
    assert np.array_equal(reference.dense_wo(x, layer)[0], expected)


def test_imported_int8_layers_keep_their_integers():
    m = pathology_model()
    q = np.array([[1, 127, -127, 1], [-1, 98, 91, 1], [1, -120, 127, -1]], np.int8)
    s = np.array([7.0, 7.1, 6.7], np.float32)
    layer = Layer((q.astype(np.float32) * s[:, None]).astype(np.float32), m.layers[0].bias, "relu", q, s)
    imported = Model(layers=(layer, m.layers[1]), **identity_normalisation(4))
    v = quantize.build(imported, ["int8-wo", "f32"], None, "mixed")
    assert np.array_equal(v.layers[0].qweights, q) and np.array_equal(v.layers[0].wscales, s)


def test_softmax_in_a_hidden_int8_layer_is_refused():
    rng = np.random.default_rng(0)
    layers = (
        Layer(rng.normal(size=(3, 2)).astype(np.float32), np.zeros(3, np.float32), "softmax"),
        Layer(rng.normal(size=(2, 3)).astype(np.float32), np.zeros(2, np.float32), "softmax"),
    )
    m = Model(layers=layers, **identity_normalisation(2))
    with pytest.raises(UserError, match="softmax only on the output layer"):
        quantize.build(m, ["int8", "int8"], rng.random((10, 2)), "int8")


def test_equalization_keeps_the_float_function():
    m = pathology_model()
    X = pathology_data_array()
    for float_acts in (True, False):
        eq = quantize.equalize(m, X, float_acts=float_acts)
        assert np.allclose(predict(eq, X), predict(m, X), atol=1e-5)
        before = np.abs(m.layers[0].weights).max(axis=0)
        after = np.abs(eq.layers[0].weights).max(axis=0)
        assert after.max() / after.min() < 0.1 * before.max() / before.min()


def pathology_data_array(n=500):
    rng = np.random.default_rng(0)
    return np.column_stack([rng.random(n), rng.random(n) * 1e-3, rng.random(n) * 1e-3, rng.random(n)])


def test_qat_forward_is_what_the_int8_variant_computes():
    """The fake-quantised training network and the built int8 variant agree (same grids)."""
    rng = np.random.default_rng(4)
    X = rng.random((400, 4)) * [1, 1e-3, 1e-3, 1]
    m = pathology_model()
    params = [(layer.weights.astype(np.float64), layer.bias.astype(np.float64)) for layer in m.layers]
    fq = qat.FakeQuant("int8", m.activations)
    fq.prepare(params, X)
    fake = trainer.forward(params, m.activations, X, quant=fq).acts_out[-1]
    v = quantize.build(m, ["int8", "int8"], X, "int8")
    real = reference.run(v, X).outputs
    # identical grids; only the int32 bias rounding and the 15-bit multiplier differ
    assert np.mean(np.abs(fake - real) <= 1 / 256 + 1e-9) > 0.99
