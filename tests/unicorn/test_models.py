"""The project's generated firmware on the three emulated chips against the host references:
int8 bit for bit, float within the host proof's ULP bound."""

import numpy as np
import pytest

from emulator.harness import run_vector
from emulator.unicorn import UnicornCore
from hasaki_hil.quant import quantize, reference

from ..test_codegen import assert_floats_close, random_model
from .conftest import CHIPS, SCHEMES
from .firmware import model_firmware

N_VECTORS = 300


def emulate(core: UnicornCore, variant, native: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Outputs [n, n_out] in the firmware's native type, and the inference cycles per vector."""
    last = variant.layers[-1]
    dtype = np.int8 if last.kind == "int8" and last.activation != "softmax" else np.float32
    outs, cycles = [], []
    for row in native:
        run = run_vector(core, row.tobytes(), max_cycles=50_000_000)
        outs.append(np.frombuffer(run.output, dtype))
        cycles.append(run.cycles)
    return np.array(outs), np.array(cycles)


def check(variant, native: np.ndarray, got: np.ndarray) -> None:
    ref = reference.run(variant, native, native=True)
    if got.dtype == np.int8:
        assert np.array_equal(got, ref.q_outputs)
    else:
        assert_floats_close(got, ref.outputs)


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("chip", CHIPS)
def test_outputs_match_the_reference(small_variants, model_elf, chip, scheme):
    v = small_variants[scheme]
    X = np.random.default_rng([CHIPS.index(chip), SCHEMES.index(scheme)]).normal(size=(N_VECTORS, 12)) * 2
    native = reference.native_inputs(v, X)
    core = UnicornCore(chip)
    core.load(model_elf(chip, scheme))
    got, cycles = emulate(core, v, native)
    check(v, native, got)
    assert cycles.min() > 0


@pytest.mark.parametrize("chip", CHIPS)
def test_a_mixed_softmax_model(tmp_path, chip):
    """tanh into a softmax output, int8 then float layers: table activations and expf on the target."""
    rng = np.random.default_rng(4)
    model = random_model(rng, (6, 5, 3), ("tanh", "softmax"))
    X = rng.normal(size=(200, 6))
    v = quantize.build(model, ["int8", "f32"], X, "mixed")
    native = reference.native_inputs(v, X)
    core = UnicornCore(chip)
    core.load(model_firmware(v, chip, tmp_path))
    check(v, native, emulate(core, v, native)[0])
