"""The smoke detector's int8 variant on all 7,150 test rows, on each emulated chip: the device
integers equal the host integer reference row for row."""

import numpy as np
import pytest

from emulator.unicorn import UnicornCore
from hasaki_hil.data import csvfile as data
from hasaki_hil.model import modelfile
from hasaki_hil.quant import quantize, reference
from hasaki_hil.train import training

from .conftest import CHIPS
from .firmware import model_firmware
from .test_models import emulate


@pytest.mark.slow
def test_smoke_int8_on_every_test_row(smoke_dir, tmp_path):
    training.train_file(
        smoke_dir / "train.csv",
        tmp_path / "smoke.model",
        arch="12,8,4,1",
        act="relu,relu,sigmoid",
        config={"epochs": 100},
        seed=7,
        show_progress=False,
    )
    model = modelfile.load(tmp_path / "smoke.model")
    calib = data.load_csv(smoke_dir / "train.csv", 12, 1, "sigmoid").X
    v = quantize.build(model, ["int8"] * 3, calib, "int8")
    native = reference.native_inputs(v, data.load_csv(smoke_dir / "test.csv", 12, 1, "sigmoid").X)
    expected = reference.run(v, native, native=True).q_outputs
    assert native.shape == (7150, 12)
    for chip in CHIPS:
        core = UnicornCore(chip)
        core.load(model_firmware(v, chip, tmp_path / chip))
        got, cycles = emulate(core, v, native)
        assert np.array_equal(got, expected), chip
        assert cycles.min() > 0
