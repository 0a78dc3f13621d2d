"""Code GCC emits for the ESP32 and clang does not (zero-overhead loops, fused MADD.S, a MAC16
dot product), assembled with llvm-mc, gives the right results in the cycles the table predicts;
and C dot products compiled with clang give numpy's results."""

from __future__ import annotations

import struct
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from emulator.core import StopReason
from emulator.harness import run_vector
from emulator.xtensa import XtensaCore
from emulator.xtensa.cycles import CLASSES

from .build import image

N = 16
KERNELS = f"""
    .data
    .p2align 2
    .global xs, ys, fx, fy, hx, hy
xs: .space {N}
ys: .space {N}
fx: .space {4 * N}
fy: .space {4 * N}
hx: .space {4 * N + 4}
hy: .space {4 * N + 4}
    .text
    .global _start
    .p2align 2
_start: nop

# int8 dot product, GCC's zero-overhead loop: 8 instructions, 8 cycles an iteration (each load
# is used two instructions later, the product three), back edge free
    .global idot_start, idot_end
    .p2align 2
idot_start:
    movi a7, 0
    loop a4, 1f
    l8ui a5, a2, 0
    l8ui a6, a3, 0
    sext a5, a5, 7
    sext a6, a6, 7
    mull a5, a5, a6
    addi a2, a2, 1
    addi a3, a3, 1
    add a7, a7, a5
1:
idot_end: nop

# the same with the load used at once: one load-use interlock cycle an iteration
    .global stall_start, stall_end
    .p2align 2
stall_start:
    movi a7, 0
    loop a4, 1f
    l8ui a5, a2, 0
    add a7, a7, a5
    addi a2, a2, 1
1:
stall_end: nop

# float32 dot product with MADD.S (fused): 5 instructions, 5 cycles an iteration (the
# accumulator's 4-cycle latency is covered by the loop body)
    .global fdot_start, fdot_end
    .p2align 2
fdot_start:
    movi a5, 0
    wfr f0, a5
    loop a4, 1f
    lsi f1, a2, 0
    lsi f2, a3, 0
    addi a2, a2, 4
    addi a3, a3, 4
    madd.s f0, f1, f2
1:
fdot_end: nop

# MADD.S chained back to back: 3 stall cycles each on the accumulator
    .global fchain_start, fchain_end
    .p2align 2
fchain_start:
    madd.s f0, f1, f2
    madd.s f0, f1, f2
    madd.s f0, f1, f2
fchain_end: nop

# int16 dot product on MAC16: M0/M2 hold a word of each vector (two int16); per word
# MULA.DD.HH, MULA.DD.LL with the next X word loaded (LDINC), the next Y word: 3 cycles
    .global mac_start, mac_end
    .p2align 2
mac_start:
    movi a5, 0
    wsr a5, acclo
    wsr a5, acchi
    addi a2, a2, -4
    addi a3, a3, -4
    ldinc m0, a2
    ldinc m2, a3
    loop a4, 1f
    mula.dd.hh m0, m2
    mula.dd.ll.ldinc m0, a2, m0, m2
    ldinc m2, a3
1:
mac_end: nop
"""


@pytest.fixture(scope="module")
def core(tmp_path_factory):
    core = XtensaCore()
    core.load(image(tmp_path_factory.mktemp("xt-kern"), {"k": KERNELS}, startup=False))
    return core


def _put(core: XtensaCore, name: str, data: bytes) -> None:
    core.mem_write(core.symbol(name).address, data)


def _run(core: XtensaCore, name: str, **regs) -> int:
    """Run the kernel from <name>_start to <name>_end; its cycles."""
    core.reg_write("ps", 0x40020)
    core.reg_write("cpenable", 1)
    for reg, value in regs.items():
        core.reg_write(reg, value)
    core.reg_write("pc", core.symbol(f"{name}_start").address)
    before = core.cycles
    stop = core.run(f"{name}_end", max_cycles=100_000)
    assert stop.reason is StopReason.UNTIL
    return core.cycles - before


def test_int8_loop_dot_product(core):
    rng = np.random.default_rng(1)
    x, y = (rng.integers(-128, 128, N, dtype=np.int8) for _ in range(2))
    core.reset()
    _put(core, "xs", x.tobytes())
    _put(core, "ys", y.tobytes())
    cycles = _run(core, "idot", a2=core.symbol("xs").address, a3=core.symbol("ys").address, a4=N)
    assert core.reg_read("a7") == int(np.dot(x.astype(np.int32), y)) & 0xFFFFFFFF
    assert cycles == 1 + 1 + 8 * N  # movi, loop, the body N times


def test_load_use_interlock(core):
    core.reset()
    _put(core, "xs", bytes(range(1, N + 1)))
    cycles = _run(core, "stall", a2=core.symbol("xs").address, a4=N)
    assert core.reg_read("a7") == sum(range(1, N + 1))
    assert cycles == 1 + 1 + (3 + 1) * N


def _fma32(a: np.float32, b: np.float32, c: np.float32) -> np.float32:
    return np.float32(float(Fraction(float(a)) * Fraction(float(b)) + Fraction(float(c))))


def test_madd_float_dot_product_is_fused(core):
    rng = np.random.default_rng(2)
    x, y = (rng.standard_normal(N).astype(np.float32) for _ in range(2))
    core.reset()
    _put(core, "fx", x.tobytes())
    _put(core, "fy", y.tobytes())
    cycles = _run(core, "fdot", a2=core.symbol("fx").address, a3=core.symbol("fy").address, a4=N)
    want = np.float32(0)
    for a, b in zip(x, y):
        want = _fma32(a, b, want)
    assert core.reg_read("f0") == struct.unpack("<I", want.tobytes())[0]
    assert cycles == 2 + 1 + 5 * N  # movi, wfr, loop, the body N times


def test_back_to_back_madd_waits_for_the_accumulator(core):
    core.reset()
    assert _run(core, "fchain") == 1 + 4 + 4  # each dependent MADD.S issues 4 cycles after the last


def test_mac16_int16_dot_product(core):
    rng = np.random.default_rng(3)
    x, y = (rng.integers(-32768, 32768, 2 * N, dtype=np.int16) for _ in range(2))
    core.reset()
    _put(core, "hx", x.tobytes())
    _put(core, "hy", y.tobytes())
    cycles = _run(core, "mac", a2=core.symbol("hx").address, a3=core.symbol("hy").address, a4=N)
    acc = core.reg_read("acc")
    acc = acc - (1 << 40) if acc >> 39 else acc
    assert acc == int(np.dot(x.astype(np.int64), y))
    assert cycles == 7 + 1 + 3 * N


def test_clang_dot_products(tmp_path):
    src = Path(__file__).parent / "c" / "dot.c"
    core = XtensaCore()
    core.load(image(tmp_path, {}, c_sources=(src,)))
    rng = np.random.default_rng(4)
    fa, fb = (rng.standard_normal(256).astype(np.float32) for _ in range(2))
    ia, ib = (rng.integers(-128, 128, 256, dtype=np.int8) for _ in range(2))
    for name, arr in (("fa", fa), ("fb", fb), ("ia", ia), ("ib", ib)):
        core.write_symbol(name, arr.tobytes())
    stop = core.run(max_cycles=1_000_000)
    assert stop.reason is StopReason.HALT
    iout = int.from_bytes(core.read_symbol("iout"), "little", signed=True)
    assert iout == int(np.dot(ia.astype(np.int32), ib))
    want = np.float32(0)
    for a, b in zip(fa, fb):  # clang emits mul.s then add.s: two roundings
        want = np.float32(want + np.float32(a * b))
    assert core.read_symbol("fout") == want.tobytes()


def test_clang_firmware_with_the_emulator_harness(tmp_path):
    """C built with clang and the harness convention runs through emulator.harness.run_vector:
    the outputs are numpy's, the inference cycles come from the markers."""
    src = Path(__file__).parent / "c" / "dense.c"
    core = XtensaCore()
    core.load(image(tmp_path, {}, c_sources=(src,)))
    # the layer's constants as the image holds them
    weights = np.frombuffer(core.read_symbol("weights"), np.int8).reshape(4, 16).astype(np.int32)
    bias = np.frombuffer(core.read_symbol("bias"), "<i4")
    rng = np.random.default_rng(5)
    cycles = set()
    for _ in range(20):
        x = rng.integers(-128, 128, 16, dtype=np.int8)
        run = run_vector(core, x.tobytes(), max_cycles=100_000)
        want = np.maximum(weights @ x.astype(np.int32) + bias, 0)
        assert np.frombuffer(run.output, "<i4").tolist() == want.tolist()
        cycles.add(run.cycles)
        assert 4 * 16 * 4 < run.cycles < run.total_cycles  # at least a few cycles a multiply-add
    # only the ReLU's branch depends on the data: a taken branch per output at most
    assert max(cycles) - min(cycles) <= 4 * CLASSES["branch"].taken
