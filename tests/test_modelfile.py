import json

import numpy as np
import pytest

from hasaki_hil.errors import UserError
from hasaki_hil.model import modelfile
from hasaki_hil.model.mlp import Layer, Model, identity_normalisation


def small_model() -> Model:
    rng = np.random.default_rng(0)
    layers = (
        Layer(rng.normal(size=(3, 4)).astype(np.float32), rng.normal(size=3).astype(np.float32), "relu"),
        Layer(rng.normal(size=(1, 3)).astype(np.float32), np.array([0.1], np.float32), "sigmoid"),
    )
    return Model(layers=layers, name="tiny", training={"seed": 1}, **identity_normalisation(4))


def test_round_trip_is_exact(tmp_path):
    m = small_model()
    path = tmp_path / "m.model"
    sha = modelfile.save(m, path)
    back = modelfile.load(path)
    assert back.sha256 == sha == m.sha256
    for a, b in zip(m.layers, back.layers):
        assert a.weights.tobytes() == b.weights.tobytes() and a.bias.tobytes() == b.bias.tobytes()
    assert back.dims == (4, 3, 1) and back.activations == ("relu", "sigmoid")
    assert back.training == {"seed": 1}
    assert not list(tmp_path.glob(".*tmp")), "atomic write left a temp file"


def test_hash_covers_weights_not_training_metadata():
    m = small_model()
    other = Model(layers=m.layers, name="x", training={"seed": 99}, **identity_normalisation(4))
    assert other.sha256 == m.sha256
    w = m.layers[0].weights.copy()
    w[0, 0] = np.nextafter(w[0, 0], np.float32(np.inf))
    changed = Model(layers=(Layer(w, m.layers[0].bias, "relu"), m.layers[1]), **identity_normalisation(4))
    assert changed.sha256 != m.sha256


def _write(path, doc):
    path.write_text(json.dumps(doc))
    return path


@pytest.mark.parametrize(
    "mutate,message",
    [
        (lambda d: d["layers"][0]["weights"][0].__setitem__(0, 0.5), "does not match its sha256"),
        (lambda d: d.__setitem__("version", 99), "newer hasaki-hil"),
        (lambda d: d.__delitem__("layers"), "missing field"),
        (lambda d: d["layers"][1].__setitem__("bias", [1.0, 2.0]), "layer 2 bias has shape"),
        (lambda d: d.__setitem__("format", "other"), "not a hasaki-hil model file"),
        (lambda d: d["layers"][0]["weights"][0].__setitem__(1, "NaN"), "damaged"),
    ],
)
def test_damaged_files_are_rejected(tmp_path, mutate, message):
    path = tmp_path / "m.model"
    modelfile.save(small_model(), path)
    doc = json.loads(path.read_text())
    mutate(doc)
    _write(path, doc)
    with pytest.raises(UserError, match=message):
        modelfile.load(path)


def test_truncated_and_missing_files(tmp_path):
    path = tmp_path / "m.model"
    modelfile.save(small_model(), path)
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(UserError, match="damaged or not JSON"):
        modelfile.load(path)
    with pytest.raises(UserError, match="cannot read model file"):
        modelfile.load(tmp_path / "absent.model")


def test_cli_reports_damaged_model_with_exit_2(tmp_path, cli):
    path = tmp_path / "m.model"
    modelfile.save(small_model(), path)
    path.write_text(path.read_text().replace('"relu"', '"relu", "x": 1', 1)[:-40])
    for cmd in (["info", path], ["predict", path, "--input", "1,2,3,4"]):
        code, out, err = cli(*cmd)
        assert code == 2 and out == ""
        assert "m.model" in err and "damaged" in err


def test_atomic_writes_get_the_mode_a_plain_open_would(tmp_path):
    import os

    from hasaki_hil.files import atomic

    atomic.write_text(tmp_path / "out.json", "{}")
    mask = os.umask(0)
    os.umask(mask)
    assert (tmp_path / "out.json").stat().st_mode & 0o777 == 0o666 & ~mask
