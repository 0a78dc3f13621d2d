from pathlib import Path

import numpy as np
import pytest

from hasaki_hil.build import xtensa_toolchain
from hasaki_hil.codegen import cheader as codegen
from hasaki_hil.data import csvfile as data
from hasaki_hil.quant import quantize

from ..conftest import SMOKE
from ..test_codegen import random_model

HERE = Path(__file__).resolve().parent
SCHEMES = ("f32", "int8-wo", "int8")


@pytest.fixture(scope="session")
def smoke_inputs() -> np.ndarray:
    """The smoke detector's 7,150 test rows where ../shared has them, else 2,000 generated
    rows of the same width (the QEMU figures then come from those)."""
    if (SMOKE / "test.csv").is_file():
        return data.load_csv(SMOKE / "test.csv", 12, 1, "sigmoid").X
    return np.random.default_rng(5).normal(size=(2000, 12)) * 2


@pytest.fixture(scope="session")
def small_variants(smoke_inputs):
    """A 12-8-4-1 relu/relu/sigmoid model's three variants (as tests/unicorn's), calibrated
    on the first 200 input rows."""
    rng = np.random.default_rng(11)
    model = random_model(rng, (12, 8, 4, 1), ("relu", "relu", "sigmoid"))
    return {s: quantize.build(model, [s] * 3, smoke_inputs[:200], s) for s in SCHEMES}


def oracle_firmware(variant, workdir, harness=HERE / "batch_main.c", layout="qemu"):
    """``harness`` against the variant's generated header, with the ESP32 start-up and
    runtime, linked for QEMU (or for the chip with ``layout="chip"``)."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "hsk_model.h").write_text(codegen.generate(variant))
    elf, _ = xtensa_toolchain.build([harness], workdir, (workdir,), layout=layout)
    return elf
