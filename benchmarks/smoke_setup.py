"""The smoke model the benchmarks measure: the one from --model, or trained as the issues
specify (12-8-4-1, relu/relu/sigmoid, seed 7, 100 epochs); with the test and calibration data."""

from pathlib import Path

from hasaki_hil.data import csvfile as data
from hasaki_hil.model import modelfile
from hasaki_hil.train import training

ROOT = Path(__file__).resolve().parents[1]
SMOKE = ROOT.parent / "shared" / "datasets" / "smoke"


def smoke(model_path, workdir: Path):
    """(model, test Dataset, calibration inputs)."""
    if model_path is None:
        model_path = workdir / "smoke.model"
        training.train_file(
            SMOKE / "train.csv",
            model_path,
            arch="12,8,4,1",
            act="relu,relu,sigmoid",
            config={"epochs": 100},
            seed=7,
            show_progress=False,
        )
    test = data.load_csv(SMOKE / "test.csv", 12, 1, "sigmoid")
    calib = data.load_csv(SMOKE / "train.csv", 12, 1, "sigmoid").X
    return modelfile.load(model_path), test, calib
