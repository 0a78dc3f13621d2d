import json

import numpy as np
import pytest

from hasaki_hil.model import modelfile
from hasaki_hil.model import variant as variant_mod
from hasaki_hil.model.mlp import Layer, Model, identity_normalisation

from .test_quantize import pathology_data, pathology_model


@pytest.fixture
def pathology(tmp_path):
    model = tmp_path / "pathology.model"
    modelfile.save(pathology_model(), model)
    return model, pathology_data(tmp_path / "data.csv")


def test_int8_wo_fails_on_the_pathology_and_names_layer_1(pathology, cli):
    model, data = pathology
    code, out, _ = cli("quantize-test", model, data, "--scheme", "int8-wo", "--json")
    r = json.loads(out)
    assert code == 1 and r["passed"] is False
    assert r["responsible_layer"] == 1
    layer1 = next(row for row in r["per_layer"] if row["layer"] == 1)
    assert layer1["flips"] > 10 * max(1, next(row for row in r["per_layer"] if row["layer"] == 2)["flips"])
    code, out, _ = cli("quantize-test", model, data, "--scheme", "int8-wo")
    assert code == 1 and "most damage: layer 1" in out and "Result: FAILED" in out

    # equalisation, folded into the input normalisation, repairs it
    code, out, _ = cli("quantize-test", model, data, "--scheme", "int8-wo", "--equalize", "--json")
    assert code == 0 and json.loads(out)["metrics"]["flip_rate"] <= 0.001


def test_quantize_writes_variants(pathology, cli, tmp_path):
    model, data = pathology
    for scheme, extra in (
        ("f32", []),
        ("int8-wo", []),
        ("int8", ["--calib", data]),
        ("mixed", ["--layers", "int8,f32", "--calib", data]),
    ):
        out = tmp_path / f"{scheme}.variant"
        code, stdout, err = cli("quantize", model, "--scheme", scheme, *extra, "-o", out, "--json")
        assert code == 0, err
        r = json.loads(stdout)
        v = variant_mod.load(out)
        assert r["sha256"] == v.sha256 and v.parent_sha256 == modelfile.load(model).sha256
        assert r["param_bytes"] == v.param_bytes


@pytest.mark.parametrize(
    "args,message",
    [
        (["quantize-test", "{m}", "{d}", "--scheme", "mixed"], "--scheme mixed needs --layers"),
        (["quantize-test", "{m}", "{d}", "--scheme", "mixed", "--layers", "int8"], "names 1 layers; the model has 2"),
        (["quantize-test", "{m}", "{d}", "--scheme", "mixed", "--layers", "int8,int4"], "unknown layer kind 'int4'"),
        (["quantize-test", "{m}", "{d}", "--scheme", "int8", "--max-flip-rate", "2"], "flip-rate: must be within"),
        (["quantize-test", "{m}", "{d}", "--scheme", "int8", "--max-new-fn", "-1"], "--max-new-fn must be >= 0"),
        (["quantize-test", "{m}", "{d}", "--scheme", "int8", "--threshold", "1.5"], "--threshold: must be within"),
        (
            ["quantize-test", "{m}", "{d}", "--scheme", "int8", "--calib", "{narrow}"],
            "(or 4 without labels) expected, found 3",
        ),
        (["quantize", "{m}", "--scheme", "int8", "-o", "{out}"], "needs calibration data"),
        (["quantize", "{m}", "--scheme", "int8-wo", "--layers", "int8,f32", "-o", "{out}"], "only for --scheme mixed"),
    ],
)
def test_bad_quantize_requests_exit_2(pathology, cli, tmp_path, args, message):
    model, data = pathology
    narrow = tmp_path / "narrow.csv"
    narrow.write_text("0.1,0.2,0.3\n0.4,0.5,0.6\n")
    out = tmp_path / "v.variant"
    argv = [a.format(m=model, d=data, narrow=narrow, out=out) for a in args]
    code, stdout, err = cli(*argv)
    assert code == 2 and message in err, err
    assert not out.exists()


def test_softmax_hidden_layer_cannot_take_int8(tmp_path, cli):
    rng = np.random.default_rng(0)
    layers = (
        Layer(rng.normal(size=(3, 2)).astype(np.float32), np.zeros(3, np.float32), "softmax"),
        Layer(rng.normal(size=(1, 3)).astype(np.float32), np.zeros(1, np.float32), "sigmoid"),
    )
    modelfile.save(Model(layers=layers, **identity_normalisation(2)), tmp_path / "s.model")
    (tmp_path / "d.csv").write_text("0.1,0.2,1\n0.3,0.1,0\n")
    code, _, err = cli("quantize-test", tmp_path / "s.model", tmp_path / "d.csv", "--scheme", "int8")
    assert code == 2 and "softmax only on the output layer" in err
    code, out, _ = cli("quantize-test", tmp_path / "s.model", tmp_path / "d.csv", "--scheme", "int8-wo", "--json")
    assert code in (0, 1) and json.loads(out)["scheme"] == "int8-wo"


def test_qat_fine_tuning_from_the_cli(pathology, cli, tmp_path):
    model, data = pathology
    out = tmp_path / "qat.model"
    code, stdout, err = cli("train", data, "--resume", model, "--qat", "int8", "--epochs", "3", "-o", out, "--json")
    assert code == 0, err
    tuned = modelfile.load(out)
    assert tuned.training["qat"] == "int8" and tuned.training["resumed_from"] == modelfile.load(model).sha256
    code, stdout, _ = cli("quantize-test", out, data, "--scheme", "int8", "--reference", model, "--json")
    r = json.loads(stdout)
    assert r["reference_sha256"] == modelfile.load(model).sha256 and r["model_sha256"] == tuned.sha256
    code, _, err = cli("train", data, "--resume", model, "--qat", "int4", "-o", out)
    assert code == 2
