"""The seed story, on a model imported from a Hasaki float header of the smoke detector:
Hasaki's weight-only int8 (one scale per row) fails the gate on its own training data, and
quantize-test prints the figures a Hasaki user knows (mean |output - label|, float vs int8-wo)
beside the float-referenced metrics. Skipped where ../shared is absent."""

import json
from pathlib import Path

import pytest

from .conftest import SMOKE

HEADER = Path(__file__).parent / "fixtures" / "hasaki_smoke_12_8_4_1.h"


@pytest.fixture(scope="module")
def hasaki_model(tmp_path_factory):
    if not (SMOKE / "train.csv").is_file():
        pytest.skip(f"smoke dataset not found at {SMOKE} (set HASAKI_SHARED to the folder holding datasets/)")
    from hasaki_hil.cli.main import main

    path = tmp_path_factory.mktemp("hasaki") / "smoke.model"
    assert main(["import", str(HEADER), "-o", str(path)]) == 0
    return path


def test_int8_wo_of_the_imported_hasaki_model_fails_with_hasaki_figures(hasaki_model, cli):
    args = ("quantize-test", hasaki_model, SMOKE / "train.csv", "--scheme", "int8-wo")
    code, out, err = cli(*args, "--json")
    r = json.loads(out)
    assert code == 1 and not r["passed"], err
    m = r["metrics"]
    assert r["rows"] == 28596 and m["flip_rate"] > 0.01
    # Hasaki's figure: the weight-only variant's error against the labels is many times the float one's
    assert m["reference_label_mae"] < 0.01 and m["label_mae"] > 5 * m["reference_label_mae"]

    code, out, _ = cli(*args)
    assert code == 1 and out.rstrip().endswith("Result: FAILED")
    figures = f"float {m['reference_label_mae']:.6f}, int8-wo {m['label_mae']:.6f}"
    assert f"  mean |output - label| (Hasaki's figure): {figures}" in out.splitlines()[2:5]
    assert "flip_rate" in out and "l2r" in out  # the float-referenced metrics stay beside it
