"""The project's own generated model firmware on our AVR core and on simavr: identical
outputs and cycles on every vector, and outputs equal to the host reference.

Uses the smoke model (trained on ../shared/datasets/smoke) where the data set is present
and a random 12-8-4-1 model otherwise, so the check always runs."""

import numpy as np
import pytest

from hasaki_hil.build import builder as build
from hasaki_hil.data import csvfile as data
from hasaki_hil.model import modelfile
from hasaki_hil.model import variant as variant_mod
from hasaki_hil.quant import quantize, reference
from hasaki_hil.train import training
from tests.conftest import SMOKE
from tests.hasaki_style import random_float_model

from .differential import assert_matches_simavr

N_VECTORS = 1000


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    d = tmp_path_factory.mktemp("generated")
    if (SMOKE / "train.csv").is_file():
        path = d / "smoke.model"
        training.train_file(
            SMOKE / "train.csv",
            path,
            arch="12,8,4,1",
            act="relu,relu,sigmoid",
            config={"epochs": 100},
            seed=7,
            show_progress=False,
        )
        model = modelfile.load(path)
        calib = data.load_csv(SMOKE / "train.csv", 12, 1, "sigmoid").X
        X = data.load_csv(SMOKE / "test.csv", 12, 1, "sigmoid").X[:N_VECTORS]
    else:
        model = random_float_model((12, 8, 4, 1), ("relu", "relu", "sigmoid"), seed=11)
        rng = np.random.default_rng(11)
        calib, X = rng.random((500, 12)), rng.random((N_VECTORS, 12))
    return d, model, calib, X


@pytest.mark.parametrize("board,mcu", [("attiny85", "attiny85"), ("uno", "atmega328p")])
@pytest.mark.parametrize("scheme", ["f32", "int8"])
def test_generated_firmware_matches_simavr_and_the_reference(smoke, board, mcu, scheme):
    d, model, calib, X = smoke
    v = quantize.build(model, [scheme] * 3, calib, scheme)
    path = d / f"{scheme}.variant"
    variant_mod.save(v, path)
    fw = build.build(path, board, toolchain_choice="system", out_dir=d / f"{board}-{scheme}")["firmware"]
    native = reference.native_inputs(v, X)
    agreement = assert_matches_simavr(fw["elf"], mcu, [row.tobytes() for row in native], max_cycles=2_000_000)
    assert agreement.vectors == N_VECTORS
    # and the firmware computes what the host reference says (run once more on our core)
    from emulator.avr import AvrCore
    from emulator.harness import run_vector

    core = AvrCore(mcu)
    core.load(fw["elf"])
    ref = reference.run(v, native[:200], native=True)
    for k, row in enumerate(native[:200]):
        out = run_vector(core, row.tobytes(), max_cycles=2_000_000).output
        if scheme == "int8":
            assert np.frombuffer(out, np.int8).tolist() == ref.q_outputs[k].tolist()
        else:
            assert abs(float(np.frombuffer(out, np.float32)[0]) - float(ref.outputs[k, 0])) < 1e-6
