"""`hasaki-hil flash`: only a firmware whose exact sha256 passed validation is uploaded.

No board exists here, so the upload runs as --dry-run and the test checks the recorded
command line; the emulator gate itself runs for real (the uno's serial firmware on the
AVR core behind a pty)."""

import json

import numpy as np
import pytest

from hasaki_hil import quantize
from hasaki_hil import variant as variant_mod

from .test_quantize import pathology_data, pathology_model


@pytest.fixture
def setup(tmp_path):
    data = pathology_data(tmp_path / "vectors.csv", n=120, seed=2)
    X = np.loadtxt(data, delimiter=",")[:, :4]
    good, bad = tmp_path / "good.variant", tmp_path / "bad.variant"
    variant_mod.save(quantize.build(pathology_model(), ["f32", "f32"], None, "f32"), good)
    variant_mod.save(quantize.build(pathology_model(), ["int8-wo", "int8-wo"], X, "int8-wo"), bad)
    return tmp_path, data, good, bad


def test_flash_refuses_without_a_passing_record(setup, cli):
    d, data, good, bad = setup
    code, out, err = cli(
        "flash", good, "--board", "uno", "--build-dir", d / "fw", "--port", "/dev/ttyACM0", "--dry-run"
    )
    assert code == 1 and "no PASSED validation record" in err and out == ""
    # a failing variant: the emulator gate runs and fails, so still no upload
    code, _, err = cli(
        "flash",
        bad,
        "--board",
        "uno",
        "--build-dir",
        d / "fw",
        "--port",
        "/dev/ttyACM0",
        "--vectors",
        data,
        "--dry-run",
    )
    assert code == 1 and "verdict FAILED" in err


def test_flash_with_a_passing_gate_calls_the_uploader_with_the_right_arguments(setup, cli):
    d, data, good, _ = setup
    code, out, err = cli(
        "flash",
        good,
        "--board",
        "uno",
        "--build-dir",
        d / "fw",
        "--port",
        "/dev/ttyACM0",
        "--vectors",
        data,
        "--dry-run",
        "--json",
    )
    assert code == 0, err
    r = json.loads(out)
    assert r["gate"]["verdict"] == "PASSED" and r["record"] and not r["forced"]
    image = r["command"][-1][len("flash:w:") : -len(":i")]
    assert r["command"] == [
        "avrdude",
        "-p",
        "atmega328p",
        "-c",
        "arduino",
        "-P",
        "/dev/ttyACM0",
        "-b",
        "115200",
        "-D",
        "-U",
        f"flash:w:{image}:i",
    ]
    assert image.endswith("firmware.hex")
    # the record is for exactly this firmware: a second flash finds it without re-running the gate
    code, out, _ = cli(
        "flash", good, "--board", "uno", "--build-dir", d / "fw", "--port", "/dev/ttyACM0", "--dry-run", "--json"
    )
    assert code == 0 and json.loads(out)["gate"] is None


def test_flash_refuses_after_the_firmware_file_changes(setup, cli):
    d, data, good, _ = setup
    code, out, _ = cli(
        "flash",
        good,
        "--board",
        "uno",
        "--build-dir",
        d / "fw",
        "--port",
        "/dev/ttyACM0",
        "--vectors",
        data,
        "--dry-run",
        "--json",
    )
    assert code == 0
    elf = json.loads(out)["command"][-1][len("flash:w:") : -len(":i")].replace("firmware.hex", "firmware.elf")
    with open(elf, "ab") as f:
        f.write(b"\x00")  # the file on disk is no longer what was validated
    code, _, err = cli("flash", good, "--board", "uno", "--firmware", elf, "--port", "/dev/ttyACM0", "--dry-run")
    assert code == 1 and "no PASSED validation record" in err


def test_force_is_loud_and_recorded(setup, cli):
    d, data, good, _ = setup
    code, out, err = cli(
        "flash",
        good,
        "--board",
        "uno",
        "--build-dir",
        d / "fw",
        "--port",
        "/dev/ttyACM0",
        "--force",
        "--dry-run",
        "--json",
    )
    r = json.loads(out)
    assert code == 0 and r["forced"] and r["record"] is None and "WARNING: --force" in err
