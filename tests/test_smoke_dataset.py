"""The foundation issue's acceptance run on the real smoke-detection data."""

import json

SMOKE_ARGS = ["--arch", "12,8,4,1", "--act", "relu,relu,sigmoid", "--seed", "7", "--epochs", "100", "--json"]


def test_smoke_training_is_reproducible_and_accurate(smoke_dir, tmp_path, cli):
    shas = []
    for name in ("a.model", "b.model"):
        code, out, err = cli("train", smoke_dir / "train.csv", *SMOKE_ARGS, "-o", tmp_path / name)
        assert code == 0 and err == "", err
        shas.append(json.loads(out)["sha256"])
    assert shas[0] == shas[1]
    assert (tmp_path / "a.model").read_bytes() == (tmp_path / "b.model").read_bytes().replace(b'"b"', b'"a"')

    code, out, _ = cli("validate", tmp_path / "a.model", smoke_dir / "test.csv", "--min-accuracy", "0.995", "--json")
    result = json.loads(out)
    assert code == 0 and result["passed"]
    assert result["rows"] == 7150 and result["accuracy"] >= 0.995
