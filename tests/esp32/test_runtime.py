"""The freestanding runtime of the ESP32 builds (firmware/system/esp32_rt.c), compiled for
Xtensa and run on QEMU: division bit-exact against IEEE 754 (numpy's float32 division is
correctly rounded), roundf exact, expf and tanhf within 2 float steps of the correctly
rounded value, the 64-bit multiply exact."""

import numpy as np
import pytest

from hasaki_hil.build import xtensa_toolchain

from ..test_codegen import ulp_distance
from . import qemu
from .conftest import HERE


@pytest.fixture(scope="module")
def rt_elf(tmp_path_factory):
    d = tmp_path_factory.mktemp("rt")
    return xtensa_toolchain.build([HERE / "rt_main.c"], d, layout="qemu")[0]


def run_op(elf, tmp_path, op: int, a: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    sym = qemu.symbols(elf)
    files = {"op": np.uint32(op), "n": np.uint32(len(a)), "a": a, "b": a if b is None else b}
    loads = []
    for name, arr in files.items():
        (tmp_path / f"{name}.bin").write_bytes(np.ascontiguousarray(arr).view(np.uint8).tobytes())
        loads.append((tmp_path / f"{name}.bin", sym[f"hsk_rt_{name}"]))
    done = qemu.run(elf, loads, timeout=120)
    assert done.returncode == 0, done.stderr[-400:]
    return np.frombuffer(done.stdout, np.uint32)


def specials() -> np.ndarray:
    """Zeros, subnormals, the normal limits, infinities, NaNs, and values near them."""
    edges = [0, 1, 2, 0x7FFFFF, 0x800000, 0x800001, 0x7F7FFFFF, 0x7F800000, 0x7FC00000, 0x7F800001, 0x3F800000]
    edges += [0x3F7FFFFF, 0x3F800001, 0x00400000, 0x34000000, 0x4B000000, 0x4AFFFFFF, 0x3F000000, 0x3EFFFFFF]
    edges = np.array(edges, np.uint32)
    return np.concatenate([edges, edges | 0x80000000])


def test_division_is_correctly_rounded(rt_elf, tmp_path):
    rng = np.random.default_rng(1)
    n = 200_000
    a = rng.integers(0, 2**32, n, dtype=np.uint64).astype(np.uint32)
    b = rng.integers(0, 2**32, n, dtype=np.uint64).astype(np.uint32)
    # quotients near 1 and results that turn subnormal or overflow, where rounding is hardest
    a[: n // 4] = (a[: n // 4] & 0x807FFFFF) | 0x3F800000
    b[: n // 4] = (b[: n // 4] & 0x807FFFFF) | 0x3F800000
    s = specials()
    a = np.concatenate([a, np.repeat(s, len(s))])
    b = np.concatenate([b, np.tile(s, len(s))])
    got = run_op(rt_elf, tmp_path, 0, a, b).view(np.float32)
    with np.errstate(all="ignore"):
        want = a.view(np.float32) / b.view(np.float32)
    nan = np.isnan(want)
    assert np.array_equal(np.isnan(got), nan)
    assert np.array_equal(got[~nan].view(np.uint32), want[~nan].view(np.uint32))


def test_roundf_is_exact(rt_elf, tmp_path):
    rng = np.random.default_rng(2)
    x = np.concatenate([rng.normal(size=50_000) * 300, np.arange(-40, 40) / 4]).astype(np.float32)
    x = np.concatenate([x.view(np.uint32), specials()])
    got = run_op(rt_elf, tmp_path, 1, x).view(np.float32)
    f = x.view(np.float32)
    with np.errstate(all="ignore"):
        want = (np.sign(f) * np.floor(np.abs(f) + np.float32(0.5))).astype(np.float32)  # half away from zero
        want = np.where(np.abs(f) >= 2**23, f, want)  # already integral (and inf)
        want = np.where(np.abs(f) < 0.5, f * 0, want)  # signed zero
    nan = np.isnan(f)
    assert np.isnan(got[nan]).all()
    assert np.array_equal(got[~nan].view(np.uint32), want[~nan].astype(np.float32).view(np.uint32))


@pytest.mark.parametrize("op, fn, lo, hi", [(2, np.exp, -104.0, 89.0), (3, np.tanh, -12.0, 12.0)])
def test_exp_and_tanh_within_two_steps(rt_elf, tmp_path, op, fn, lo, hi):
    rng = np.random.default_rng(op)
    x = np.concatenate([rng.uniform(lo, hi, 100_000), rng.normal(size=50_000) * 0.5, rng.normal(size=20_000) * 1e-3])
    x = x.astype(np.float32)
    got = run_op(rt_elf, tmp_path, op, x.view(np.uint32)).view(np.float32)
    with np.errstate(over="ignore"):  # exp beyond 88.7 is inf in float32, as on the device
        want = fn(x.astype(np.float64)).astype(np.float32)  # correctly rounded but for rare double roundings
    assert int(ulp_distance(got, want).max()) <= 2


def test_64_bit_multiply(rt_elf, tmp_path):
    rng = np.random.default_rng(6)
    a = rng.integers(-(2**31), 2**31, 100_000).astype(np.int32)
    b = rng.integers(-(2**31), 2**31, 100_000).astype(np.int32)
    a[:4], b[:4] = [-(2**31), -(2**31), 2**31 - 1, -1], [-(2**31), 2**31 - 1, 2**31 - 1, -1]
    got = run_op(rt_elf, tmp_path, 4, a.view(np.uint32), b.view(np.uint32)).view(np.int64)
    assert np.array_equal(got, a.astype(np.int64) * b.astype(np.int64))
