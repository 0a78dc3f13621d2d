"""The generated model firmware for the ESP32, run on QEMU's Xtensa core: int8 outputs equal
the host integer reference bit for bit, float outputs stay within the host proof's ULP
bound, on every smoke test row (7,150; 2,000 generated rows where ../shared is absent)."""

import numpy as np
import pytest

from hasaki_hil.quant import quantize, reference

from ..test_codegen import CASES, MIXES, _kinds, assert_floats_close, random_model
from . import qemu
from .conftest import oracle_firmware


def run_batch(elf, native: np.ndarray, out_dtype, n_out: int, tmp_path) -> np.ndarray:
    """Every row of ``native`` through hsk_predict in one QEMU run (batch_main.c)."""
    sym = qemu.symbols(elf)
    (tmp_path / "n.bin").write_bytes(np.uint32(len(native)).tobytes())
    (tmp_path / "in.bin").write_bytes(np.ascontiguousarray(native).tobytes())
    done = qemu.run(
        elf, [(tmp_path / "n.bin", sym["hsk_batch_n"]), (tmp_path / "in.bin", sym["hsk_batch_in"])], timeout=120
    )
    assert done.returncode == 0, f"exit {done.returncode}: {done.stderr[-400:]!r}"
    got = np.frombuffer(done.stdout, out_dtype)
    assert got.size == len(native) * n_out, f"{got.size} outputs for {len(native)} vectors"
    return got.reshape(len(native), n_out)


def check(variant, native, got):
    ref = reference.run(variant, native, native=True)
    if got.dtype == np.int8:
        assert np.array_equal(got, ref.q_outputs), f"{np.count_nonzero(got != ref.q_outputs)} outputs differ"
    else:
        assert_floats_close(got, ref.outputs)


@pytest.mark.parametrize("scheme", ["f32", "int8-wo", "int8"])
def test_every_smoke_row_matches_the_reference(small_variants, smoke_inputs, tmp_path, scheme):
    v = small_variants[scheme]
    native = reference.native_inputs(v, smoke_inputs)
    assert len(native) >= 1000
    elf = oracle_firmware(v, tmp_path / "fw")
    got = run_batch(elf, native, v.output_dtype, 1, tmp_path)
    check(v, native, got)


def test_tanh_into_softmax_uses_the_runtime_libm(tmp_path):
    """tanhf, expf and the soft division (esp32_rt.c) inside a model, int8 then float layers."""
    rng = np.random.default_rng(4)
    model = random_model(rng, (6, 5, 3), ("tanh", "softmax"))
    X = rng.normal(size=(1000, 6)) * 2
    for mix in (["f32", "f32"], ["int8", "f32"]):
        v = quantize.build(model, mix, X[:200], "mixed")
        native = reference.native_inputs(v, X)
        elf = oracle_firmware(v, tmp_path / "-".join(mix))
        check(v, native, run_batch(elf, native, v.output_dtype, 3, tmp_path))


def test_the_emulator_harness_runs_as_the_gate_runs_it(small_variants, smoke_inputs, tmp_path):
    """emu_main.c itself: the input written into hsk_emu_input (.noinit) before reset, the
    markers around the call, the halt by BREAK, whose debug vector dumps DRAM on QEMU."""
    from hasaki_hil.resources import FIRMWARE

    for scheme in ("f32", "int8"):
        v = small_variants[scheme]
        native = reference.native_inputs(v, smoke_inputs[:5])
        elf = oracle_firmware(v, tmp_path / scheme, harness=FIRMWARE / "harness" / "emu_main.c")
        sym = qemu.symbols(elf)
        got = []
        for row in native:
            (tmp_path / "in.bin").write_bytes(row.tobytes())
            done = qemu.run(elf, [(tmp_path / "in.bin", sym["hsk_emu_input"])])
            assert done.returncode == 0, done.stderr[-400:]
            dram = done.stdout
            assert len(dram) == sym["__dram_end"] - sym["__dram_start"]

            def at(name, size, dram=dram, sym=sym):
                off = sym[name] - sym["__dram_start"]
                return dram[off : off + size]

            assert at("hsk_emu_marker", 4) == (2).to_bytes(4, "little")  # the end marker was written
            assert at("hsk_emu_status", 1) == b"\0"
            got.append(np.frombuffer(at("hsk_emu_output", 4 if scheme == "f32" else 1), v.output_dtype))
        check(v, native, np.array(got))


@pytest.mark.parametrize("dims,acts", CASES)
@pytest.mark.parametrize("mix", MIXES)
def test_every_codegen_case_and_mix(tmp_path, dims, acts, mix):
    """The host proof's models and layer mixes (tests/test_codegen.py) on the Xtensa core:
    every activation and kernel the generated C has, through clang's Xtensa back end."""
    rng = np.random.default_rng(len(dims) * 7 + len(mix))
    model = random_model(rng, dims, acts)
    X = rng.normal(size=(400, dims[0])) * 2
    v = quantize.build(model, _kinds(mix, len(acts)), X, "mixed")
    native = reference.native_inputs(v, X)
    check(v, native, run_batch(oracle_firmware(v, tmp_path / "fw"), native, v.output_dtype, dims[-1], tmp_path))
