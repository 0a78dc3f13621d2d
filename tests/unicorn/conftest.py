import numpy as np
import pytest

from hasaki_hil.quant import quantize

from ..test_codegen import random_model
from .firmware import model_firmware

CHIPS = ("esp32c3", "rp2040", "stm32f446re")
SCHEMES = ("f32", "int8-wo", "int8")


@pytest.fixture(scope="session")
def small_variants():
    """A 12-8-4-1 relu/relu/sigmoid model's three variants, calibrated on random inputs."""
    rng = np.random.default_rng(11)
    model = random_model(rng, (12, 8, 4, 1), ("relu", "relu", "sigmoid"))
    X = rng.normal(size=(200, 12)) * 2
    return {s: quantize.build(model, [s] * 3, X, s) for s in SCHEMES}


@pytest.fixture(scope="session")
def model_elf(small_variants, tmp_path_factory):
    """model_elf(chip, scheme): the small model's firmware, built once per session."""
    built = {}

    def get(chip: str, scheme: str):
        if (chip, scheme) not in built:
            d = tmp_path_factory.mktemp(f"{chip}-{scheme}")
            built[chip, scheme] = model_firmware(small_variants[scheme], chip, d)
        return built[chip, scheme]

    return get
