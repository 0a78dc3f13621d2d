"""Differential test against simavr: real C programs compiled with avr-gcc -Os for both MCUs,
1,000 random input vectors each, identical outputs and identical cycle counts on every one."""

import zlib

import numpy as np
import pytest

from emulator.avr import MCUS

from .avrbuild import build_c
from .differential import assert_matches_simavr
from .workloads import PROGRAMS

VECTORS = 1000
MAX_CYCLES = 5_000_000


@pytest.mark.parametrize("mcu", list(MCUS))
@pytest.mark.parametrize("program", list(PROGRAMS))
def test_program_matches_simavr(program, mcu):
    rng = np.random.default_rng(zlib.crc32(f"{program}:{mcu}".encode()))
    vectors = PROGRAMS[program](rng, VECTORS)
    agreement = assert_matches_simavr(build_c(program, mcu), mcu, vectors, max_cycles=MAX_CYCLES)
    assert agreement.vectors == VECTORS
    assert agreement.inference_cycles[0] > 0


def test_inference_cycles_depend_on_data():
    """The comparison is not vacuous: soft-float and division take data-dependent time."""
    for program in ("dense_f32", "muldiv32"):
        rng = np.random.default_rng(7)
        agreement = assert_matches_simavr(
            build_c(program, "attiny85"), "attiny85", PROGRAMS[program](rng, 50), max_cycles=MAX_CYCLES
        )
        low, high = agreement.inference_cycles
        assert high > low
