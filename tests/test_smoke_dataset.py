"""Acceptance runs on the real smoke-detection data (skipped where ../shared is absent)."""

import json

import pytest

from hasaki_hil.cli.main import main

from .conftest import SMOKE

SMOKE_ARGS = ["--arch", "12,8,4,1", "--act", "relu,relu,sigmoid", "--seed", "7", "--epochs", "100", "--json"]


@pytest.fixture(scope="module")
def smoke_model(tmp_path_factory):
    if not (SMOKE / "train.csv").is_file():
        pytest.skip(f"smoke dataset not found at {SMOKE} (set HASAKI_SHARED to the folder holding datasets/)")
    path = tmp_path_factory.mktemp("smoke") / "a.model"
    assert main(["train", str(SMOKE / "train.csv"), *SMOKE_ARGS, "-o", str(path)]) == 0
    return path


def test_smoke_training_is_reproducible_and_accurate(smoke_model, tmp_path, cli):
    code, out, err = cli("train", SMOKE / "train.csv", *SMOKE_ARGS, "-o", tmp_path / "a.model")
    assert code == 0 and err == "", err
    assert (tmp_path / "a.model").read_bytes() == smoke_model.read_bytes()

    code, out, _ = cli("validate", smoke_model, SMOKE / "test.csv", "--min-accuracy", "0.995", "--json")
    result = json.loads(out)
    assert code == 0 and result["passed"]
    assert result["rows"] == 7150 and result["accuracy"] >= 0.995


def _gate(cli, model, scheme):
    code, out, err = cli(
        "quantize-test", model, SMOKE / "test.csv", "--calib", SMOKE / "train.csv", "--scheme", scheme, "--json"
    )
    assert code in (0, 1), err
    r = json.loads(out)
    assert (code == 0) == r["passed"]
    return r


def test_smoke_gate_f32_passes_int8_wo_fails_on_layer_1(smoke_model, cli):
    assert _gate(cli, smoke_model, "f32")["passed"]
    wo = _gate(cli, smoke_model, "int8-wo")
    assert not wo["passed"] and wo["responsible_layer"] == 1
    assert wo["metrics"]["flip_rate"] > 0.01


def test_smoke_auto_finds_an_int8_based_variant(smoke_model, cli, tmp_path):
    r = _gate(cli, smoke_model, "auto")
    assert r["passed"] and r["metrics"]["flip_rate"] <= 0.001
    assert any(kind != "f32" for kind in r["candidate"]["layers"])
    assert r["candidate"]["param_bytes"] < r["float_param_bytes"]


@pytest.mark.parametrize("board", ["attiny85", "esp32c3"])
def test_smoke_emulated_gate_on_the_boards(smoke_model, cli, tmp_path, board):
    """f32 passes on the emulated board; full int8 fails (exit 1); both write records."""
    for scheme, expected in (("f32", 0), ("int8", 1)):
        variant = tmp_path / f"{scheme}.variant"
        assert cli("quantize", smoke_model, "--scheme", scheme, "--calib", SMOKE / "train.csv", "-o", variant)[0] == 0
        code, out, err = cli(
            "test",
            variant,
            "--board",
            board,
            "--emulate",
            "--vectors",
            SMOKE / "test.csv",
            "--json",
            "--record",
            tmp_path / f"{board}-{scheme}.json",
        )
        r = json.loads(out)
        assert code == expected, (err, r["reasons"])
        assert r["rows"] == 7150 and r["host_reference_mismatches"] == 0
        assert (tmp_path / f"{board}-{scheme}.json").is_file()
