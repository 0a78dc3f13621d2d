import json
import os
import signal
import subprocess
import sys
import time

import pytest

from hasaki_hil.model import modelfile

from .conftest import EXAMPLE


def test_train_info_predict_validate_json(tmp_path, cli):
    out = tmp_path / "ex.model"
    code, stdout, err = cli(
        "train",
        EXAMPLE / "train.csv",
        "--arch",
        "12,8,4,1",
        "--act",
        "relu,relu,sigmoid",
        "--epochs",
        "30",
        "--seed",
        "3",
        "-o",
        out,
        "--json",
    )
    assert code == 0 and err == ""
    r = json.loads(stdout)
    assert r["sha256"] == modelfile.load(out).sha256 and r["epochs_run"] <= 30
    assert r["rows_train"] == 1600 and r["rows_validation"] == 400
    assert not (tmp_path / "ex.model.partial").exists()

    code, stdout, _ = cli("info", out, "--json")
    info = json.loads(stdout)
    assert code == 0 and info["dims"] == [12, 8, 4, 1] and info["training"]["seed"] == 3
    assert info["parameters"] == 12 * 8 + 8 + 8 * 4 + 4 + 4 + 1

    row = (EXAMPLE / "test.csv").read_text().splitlines()[0].split(",")
    code, stdout, _ = cli("predict", out, "--input", ",".join(row[:12]), "--json")
    pred = json.loads(stdout)
    assert code == 0 and len(pred["outputs"]) == 1 and 0 <= pred["outputs"][0][0] <= 1

    code, stdout, _ = cli("validate", out, EXAMPLE / "test.csv", "--json", "--per-row", tmp_path / "rows.csv")
    v = json.loads(stdout)
    assert code == 0 and v["rows"] == 600
    assert sum(map(sum, v["confusion"][0])) == 600
    assert (tmp_path / "rows.csv").read_text().count("\n") == 601

    # A validation threshold that the model cannot meet is a FAILED verdict: exit 1.
    code, stdout, _ = cli("validate", out, EXAMPLE / "test.csv", "--min-accuracy", "1.0")
    assert code == 1 and "Result: FAILED" in stdout


def test_same_seed_same_hash_other_seed_differs(tmp_path, cli):
    shas = []
    for i, seed in enumerate((11, 11, 12)):
        code, stdout, _ = cli(
            "train",
            EXAMPLE / "train.csv",
            "--arch",
            "12,4,1",
            "--epochs",
            "5",
            "--seed",
            seed,
            "-o",
            tmp_path / f"m{i}.model",
            "--json",
        )
        assert code == 0
        shas.append(json.loads(stdout)["sha256"])
    assert shas[0] == shas[1] != shas[2]


def test_resume_continues_from_a_model(tmp_path, cli):
    first = tmp_path / "a.model"
    cli("train", EXAMPLE / "train.csv", "--arch", "12,4,1", "--epochs", "3", "-o", first, "--json")
    code, stdout, _ = cli(
        "train", EXAMPLE / "train.csv", "--resume", first, "--epochs", "3", "-o", tmp_path / "b.model", "--json"
    )
    assert code == 0
    resumed = modelfile.load(tmp_path / "b.model")
    assert resumed.training["resumed_from"] == modelfile.load(first).sha256
    code, _, err = cli(
        "train", EXAMPLE / "train.csv", "--resume", first, "--arch", "12,8,1", "-o", tmp_path / "c.model"
    )
    assert code == 2 and "differs from the resumed model" in err


def test_tiny_dataset_trains_and_validates_on_all_rows(tmp_path, cli):
    rows = (EXAMPLE / "train.csv").read_text().splitlines()[:6]
    (tmp_path / "tiny.csv").write_text("\n".join(rows) + "\n")
    code, stdout, _ = cli(
        "train", tmp_path / "tiny.csv", "--arch", "12,3,1", "--epochs", "2", "-o", tmp_path / "t.model", "--json"
    )
    r = json.loads(stdout)
    assert code == 0 and r["rows_train"] == r["rows_validation"] == 6


@pytest.mark.parametrize(
    "args,message",
    [
        (["--arch", "12,x,1"], "not a list of layer widths"),
        (["--arch", "12"], "at least an input and an output"),
        (["--arch", "12,8,1", "--act", "relu,bogus"], "unknown activation 'bogus'"),
        (["--arch", "12,8,1", "--act", "relu,relu,relu"], "3 activations for 2 layers"),
        (["--arch", "12,8,2", "--act", "softmax,sigmoid"], "softmax is supported on the output layer only"),
        (["--arch", "12,8,1", "--lr", "-1"], "argument --lr: must be a finite number > 0"),
        (["--arch", "12,8,1", "--dropout", "1.0"], "--dropout must be in [0, 1)"),
        (["--arch", "12,8,1", "--seed", "-2"], "--seed must be >= 0"),
        (["--arch", "12,8,1", "--epochs", "0"], "argument --epochs: must be a whole number >= 1"),
        ([], "--arch is required"),
    ],
)
def test_bad_training_options_exit_2(tmp_path, cli, args, message):
    out = tmp_path / "m.model"
    code, stdout, err = cli("train", EXAMPLE / "train.csv", "-o", out, *args)
    assert code == 2 and message in err
    assert not out.exists()


def test_wrong_width_for_the_data_exit_2(tmp_path, cli):
    code, _, err = cli("train", EXAMPLE / "train.csv", "--arch", "10,4,1", "-o", tmp_path / "m.model")
    assert code == 2 and "train.csv" in err and "13" in err


def test_ctrl_c_keeps_the_best_so_far_model(tmp_path):
    out = tmp_path / "long.model"
    side = tmp_path / "long.model.partial"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hasaki_hil.cli.main",
            "train",
            str(EXAMPLE / "train.csv"),
            "--arch",
            "12,8,4,1",
            "--epochs",
            "100000",
            "--patience",
            "100000",
            "--min-delta",
            "0",
            "-o",
            str(out),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        deadline = time.monotonic() + 60
        while not side.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
        assert side.exists(), "no side file appeared during training"
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 130
    assert "best-so-far model kept in" in err
    kept = modelfile.load(side)
    assert kept.training["partial"] is True and kept.dims == (12, 8, 4, 1)
    assert not out.exists()
