"""The ESP32 proved before flashing, on our own Xtensa LX6 core: the model firmware gives the
outputs QEMU's Xtensa core gives for the same vectors (bit for bit, floats too), int8 equals the
host reference on every smoke row, and `test --emulate`, `serve-emulated` and `flash --dry-run`
work as on the other boards, with estimated cycles."""

import json

import numpy as np
import pytest

from hasaki_hil import boards
from hasaki_hil.build import builder
from hasaki_hil.model import variant as variant_mod
from hasaki_hil.quant import reference
from hasaki_hil.targets.base import FirmwareRef, Vectors
from hasaki_hil.targets.emulated import EmulatorTarget

from ..conftest import EXAMPLE
from .conftest import oracle_firmware
from .test_qemu_models import run_batch

ESP32 = boards.get("esp32")


def _gate_firmware(v, tmp_path) -> FirmwareRef:
    path = tmp_path / f"{v.sha256[:8]}.variant"
    variant_mod.save(v, path)
    fw = builder.build(path, ESP32, harness="emu", toolchain_choice="system", out_dir=tmp_path / "emu")
    return FirmwareRef(fw["firmware"]["elf"], v.sha256)


@pytest.mark.parametrize("scheme", ["f32", "int8"])
def test_our_core_gives_qemus_outputs_and_the_host_references(small_variants, smoke_inputs, tmp_path, scheme):
    v = small_variants[scheme]
    native = reference.native_inputs(v, smoke_inputs)
    ours = EmulatorTarget(ESP32).run(_gate_firmware(v, tmp_path), Vectors.for_variant(v, native))
    assert ours.faults == [] and len(ours.outputs) == len(native)
    assert ours.provenance == "estimate" and ours.cycles.min() > 100
    # the same vectors through the same model code on QEMU (linked for its RAM): identical bytes
    first = native[:1000]
    qemu_out = run_batch(oracle_firmware(v, tmp_path / "qemu"), first, v.output_dtype, 1, tmp_path)
    assert np.array_equal(ours.outputs[:1000].view(np.uint8), qemu_out.view(np.uint8))
    ref = reference.run(v, native, native=True)
    if scheme == "int8":  # every row (7,150 smoke rows where ../shared is present)
        assert np.array_equal(ours.outputs, ref.q_outputs)
    else:
        np.testing.assert_allclose(ours.outputs, ref.outputs, rtol=1e-5, atol=1e-6)


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    """The built-in example trained, and its f32 (passes) and int8 (fails: 8.5% flips) variants."""
    from hasaki_hil.cli.main import main

    d = tmp_path_factory.mktemp("esp32gate")
    assert (
        main(
            [
                "train",
                str(EXAMPLE / "train.csv"),
                "--arch",
                "12,8,4,1",
                "--seed",
                "1",
                "-o",
                str(d / "m.model"),
                "--json",
            ]
        )
        == 0
    )
    for s in ("f32", "int8"):
        args = ["quantize", str(d / "m.model"), "--scheme", s, "--calib", str(EXAMPLE / "train.csv")]
        assert main([*args, "-o", str(d / f"{s}.variant"), "--json"]) == 0
    return d


def test_the_gate_and_the_flash_on_the_emulated_esp32(example, cli, monkeypatch):
    monkeypatch.chdir(example)
    vectors = EXAMPLE / "test.csv"
    code, out, err = cli("test", "f32.variant", "--board", "esp32", "--emulate", "--vectors", vectors, "--json")
    r = json.loads(out)
    assert code == 0 and r["verdict"] == "PASSED" and r["cycles"]["provenance"] == "estimate", err
    assert r["target"] == "emulator:xtensa:esp32" and r["host_reference_mismatches"] == 0
    code, out, _ = cli("test", "int8.variant", "--board", "esp32", "--emulate", "--vectors", vectors, "--json")
    assert code == 1 and json.loads(out)["verdict"] == "FAILED"
    # flash runs the gate on the exact serial firmware, on the emulated core behind a pty
    code, out, err = cli(
        "flash", "int8.variant", "--board", "esp32", "--port", "/dev/ttyUSB0", "--vectors", vectors, "--dry-run"
    )
    assert code == 1 and "FAILED" in err
    code, out, err = cli(
        "flash", "f32.variant", "--board", "esp32", "--port", "/dev/ttyUSB0", "--vectors", vectors, "--dry-run"
    )
    assert code == 0, err
    assert "emulator gate on the exact firmware: PASSED" in out + err
    command = next(line for line in (out + err).splitlines() if line.startswith("would run:"))
    assert "--chip esp32" in command and "write_flash" in command and " 0x1000 " in command
    assert command.rstrip().endswith("firmware.bin") and "--flash_mode keep" in command
