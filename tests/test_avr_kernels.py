"""The integer kernels of the C runtime against Python's integers, on AVR, in simavr.

hsk_dot8 and hsk_requantize are the hand-written ones of firmware/hsk/hsk_avr.h on the
ATtiny85 (no multiplier) and the generic C of hsk_runtime.h on the ATmega328P; both must
give exactly sum(q * x) and (acc * m + 2^(s-1)) >> s (hasaki_hil/qmath.py). A small
program built with the firmware flags reads one call's arguments from its .noinit input
and writes the int32 result.
"""

import random
import struct
import subprocess

import pytest

from hasaki_hil.build import toolchain
from hasaki_hil.resources import RUNTIME_DIR

from .emulator.oracle import simavr

MCUS = ("attiny85", "atmega328p")
N_MAX = 300  # inputs of one dot product; the ATtiny85 has 512 bytes of SRAM
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1


def _weights() -> list[int]:
    """The flash weights: every int8 value once (for single products), then runs of the
    extremes, then random values."""
    rnd = random.Random(85)
    return list(range(-128, 128)) + [-128] * N_MAX + [127] * N_MAX + [rnd.randint(-128, 127) for _ in range(600)]


WEIGHTS = _weights()
ALL_VALUES, MIN_RUN, MAX_RUN, RANDOM_RUN = 0, 256, 256 + N_MAX, 256 + 2 * N_MAX

PROGRAM = """\
#include "hsk_runtime.h"

static const int8_t weights[] HSK_FLASH = {%(weights)s};

struct call {
    uint8_t op; /* 0: hsk_requantize, 1: hsk_dot8 */
    uint8_t s;
    uint16_t n, qoff, m;
    int32_t acc;
    int8_t x[%(n_max)d];
};
struct call hsk_emu_input __attribute__((section(".noinit")));
int32_t hsk_emu_output;

void hsk_emu_done(void) __attribute__((noreturn, noinline));
void hsk_emu_done(void)
{
    for (;;)
        __asm__ volatile("cli\\n\\tsleep" ::: "memory");
}

int main(void)
{
    const struct call *c = &hsk_emu_input;
    hsk_emu_output = c->op ? hsk_dot8(c->x, &weights[c->qoff], c->n) : hsk_requantize(c->acc, c->m, c->s);
    hsk_emu_done();
}
"""


@pytest.fixture(scope="module")
def programs(tmp_path_factory):
    """{mcu: ELF} of the kernel program, built with the firmware's compiler flags."""
    tmp = tmp_path_factory.mktemp("avr_kernels")
    src = tmp / "kernels.c"
    src.write_text(PROGRAM % {"weights": ", ".join(map(str, WEIGHTS)), "n_max": N_MAX})
    elfs = {}
    for mcu in MCUS:
        target = toolchain.TARGETS[f"avr-{mcu}"]
        elfs[mcu] = tmp / f"kernels-{mcu}.elf"
        cmd = [toolchain.compiler(target), *target.flags, *toolchain.COMMON, "-I", str(RUNTIME_DIR)]
        result = subprocess.run([*cmd, str(src), "-o", str(elfs[mcu])], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
    return elfs


def _requantize_call(acc: int, m: int, s: int) -> bytes:
    return struct.pack("<BBHHHi", 0, s, 0, 0, m, acc)


def _dot_call(x: list[int], qoff: int) -> bytes:
    return struct.pack("<BBHHHi", 1, 0, len(x), qoff, 0, 0) + bytes(v & 0xFF for v in x)


def _run(elf, mcu: str, calls: list[bytes]) -> list[int]:
    batch = simavr.run_vectors(elf, mcu, calls, max_cycles=500_000)
    assert all(r.status == "done" for r in batch.runs)
    return [struct.unpack("<i", r.output)[0] for r in batch.runs]


def _mismatches(cases: list, got: list[int], want: list[int]) -> list:
    return [(case, g, w) for case, g, w in zip(cases, got, want) if g != w][:10]


@pytest.mark.parametrize("mcu", MCUS)
def test_requantize(programs, mcu):
    rnd = random.Random(1)
    accs = [INT32_MIN, INT32_MIN + 1, INT32_MAX, 0, 1, -1, 2**16 - 1, 2**16, 2**16 + 1, -(2**16) - 1, -(2**16),
            -(2**16) + 1, 2**23 - 1, 2**23, -(2**23), -(2**23) - 1, 2**15, -(2**15), 88515, -88515]  # fmt: skip
    accs += [rnd.randint(-(2**b), 2**b) for b in (8, 16, 20, 24, 28, 31)]
    ms = [0, 1, 2**14, 2**15 - 1, rnd.randrange(2**14, 2**15), rnd.randrange(2**15)]
    cases = [(a, m, s) for a in accs for m in ms for s in range(16, 63)]
    for _ in range(3000):
        s = rnd.randint(16, 62)
        cases.append((rnd.randint(INT32_MIN, INT32_MAX) >> rnd.randint(0, 31), rnd.randrange(2**15), s))
    got = _run(programs[mcu], mcu, [_requantize_call(*c) for c in cases])
    want = [(a * m + (1 << (s - 1))) >> s for a, m, s in cases]
    assert not _mismatches(cases, got, want)


@pytest.mark.parametrize("mcu", MCUS)
def test_dot8_single_products(programs, mcu):
    """Every product x * q of two int8 values."""
    cases = [(x, q) for x in range(-128, 128) for q in range(-128, 128)]
    got = _run(programs[mcu], mcu, [_dot_call([x], ALL_VALUES + q + 128) for x, q in cases])
    assert not _mismatches(cases, got, [x * q for x, q in cases])


@pytest.mark.parametrize("mcu", MCUS)
def test_dot8(programs, mcu):
    rnd = random.Random(2)
    cases = []  # (x, qoff)
    for n in (1, 2, 12, 254, 255, 256, 299, N_MAX):
        for xv, qoff in ((-128, MIN_RUN), (-128, MAX_RUN), (127, MIN_RUN), (127, MAX_RUN)):
            cases.append(([xv] * n, qoff))  # the extreme sums, e.g. 255 * (-128) * (-128)
        cases.append(([rnd.randint(-128, 127) for _ in range(n)], RANDOM_RUN + rnd.randint(0, 600 - n)))
    for _ in range(300):
        n, zero_share = rnd.randint(1, N_MAX), rnd.random()  # -128 (a zero point) takes a shortcut
        x = [-128 if rnd.random() < zero_share else rnd.randint(-128, 127) for _ in range(n)]
        cases.append((x, rnd.randint(0, len(WEIGHTS) - n)))
    got = _run(programs[mcu], mcu, [_dot_call(x, qoff) for x, qoff in cases])
    want = [sum(a * b for a, b in zip(x, WEIGHTS[qoff:])) for x, qoff in cases]
    assert not _mismatches([(len(x), qoff) for x, qoff in cases], got, want)
