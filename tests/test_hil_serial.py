"""`hasaki-hil test --port` against the uno's real serial firmware running on the AVR core
behind a pseudo-terminal: the same outputs as --emulate, and link faults handled."""

import json

import numpy as np
import pytest

from hasaki_hil.build import builder as build
from hasaki_hil.model import variant as variant_mod
from hasaki_hil.quant import quantize
from hasaki_hil.targets.emulated_serial import EmulatedSerialBoard

from .test_quantize import pathology_data, pathology_model


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    d = tmp_path_factory.mktemp("serial")
    data = pathology_data(d / "vectors.csv", n=150, seed=9)
    X = np.loadtxt(data, delimiter=",")[:, :4]
    path = d / "int8.variant"
    variant_mod.save(quantize.build(pathology_model(), ["int8", "int8"], X, "int8"), path)
    fw = build.build(path, "uno", harness="serial", toolchain_choice="system", out_dir=d / "fw")["firmware"]
    return d, data, path, fw


def test_serial_firmware_over_a_pty_matches_the_emulated_run(setup, cli):
    d, data, path, fw = setup
    code, out, err = cli(
        "test", path, "--board", "uno", "--emulate", "--vectors", data, "--json", "--record", d / "emu.json"
    )
    emulated = json.loads(out)
    board = EmulatedSerialBoard(fw["elf"], "uno")
    with board as port:
        code, out, err = cli(
            "test", path, "--board", "uno", "--port", port, "--vectors", data, "--json", "--record", d / "serial.json"
        )
    assert board.error is None, board.error
    serial = json.loads(out)
    assert serial["target"].startswith("serial:/dev/pts/")
    assert serial["host_reference_mismatches"] == 0 == emulated["host_reference_mismatches"]
    assert serial["metrics"]["flips"] == emulated["metrics"]["flips"]
    assert serial["metrics"]["max_abs_error"] == emulated["metrics"]["max_abs_error"]
    assert serial["verdict"] == emulated["verdict"] and code == (0 if serial["verdict"] == "PASSED" else 1)
    assert serial["cycles"]["provenance"] == "emulated" and emulated["cycles"]["provenance"] == "exact"
    for key in ("min", "median", "max"):
        assert serial["cycles"][key] == emulated["cycles"][key]


def test_the_boards_timer_count_equals_the_emulators_exact_count_on_every_vector(setup):
    """The serial firmware times hsk_predict with Timer1; the emulator counts the same window
    exactly (GPIOR0 markers). Same firmware model, per vector: identical outputs and cycles."""
    from hasaki_hil import boards
    from hasaki_hil.data import csvfile as data
    from hasaki_hil.errors import UserError
    from hasaki_hil.quant import reference
    from hasaki_hil.targets import serial as targets
    from hasaki_hil.targets.base import FirmwareRef, Target, Vectors
    from hasaki_hil.targets.emulated import EmulatorTarget

    d, csv, path, fw = setup
    v = variant_mod.load(path)
    vectors = Vectors.for_variant(v, reference.native_inputs(v, data.load_csv(csv, 4, 1, "sigmoid").X))
    emu_fw = build.build(path, "uno", toolchain_choice="system", out_dir=d / "emu")["firmware"]
    target = EmulatorTarget(boards.get("uno"))
    assert isinstance(target, Target) and target.kind == "emulator:avr:atmega328p"
    emulated = target.run(FirmwareRef(emu_fw["elf"], emu_fw["variant_sha256"]), vectors)
    with pytest.raises(UserError, match="not the variant under test"):
        target.run(FirmwareRef(emu_fw["elf"], "ab" * 32), vectors)
    with EmulatedSerialBoard(fw["elf"], "uno") as port:
        measured = targets.SerialTarget(port, 115200).run(None, vectors)
    assert np.array_equal(measured.outputs, emulated.outputs)
    assert np.array_equal(measured.cycles, emulated.cycles)
    assert measured.cycles.min() > 0


def test_a_firmware_for_another_variant_is_refused(setup, cli, tmp_path):
    d, data, path, fw = setup
    other = tmp_path / "other.variant"
    variant_mod.save(quantize.build(pathology_model(), ["f32", "f32"], None, "f32"), other)
    with EmulatedSerialBoard(fw["elf"], "uno") as port:
        code, _, err = cli("test", other, "--board", "uno", "--port", port, "--vectors", data)
    assert code == 2 and "refusing its results" in err


def test_a_board_whose_firmware_cannot_be_built_here_is_refused(setup, cli, monkeypatch, tmp_path):
    from hasaki_hil.build import xtensa_toolchain

    d, data, path, _ = setup
    monkeypatch.setenv("PLATFORMIO_CORE_DIR", str(tmp_path / "no-pio"))
    monkeypatch.setitem(xtensa_toolchain.TOOLS, "ld", "xtensa-ld-absent")
    code, _, err = cli("test", path, "--board", "esp32", "--port", "/dev/null", "--vectors", data)
    assert code == 2 and "xtensa-ld-absent not found" in err and "apt-get install" in err


def _serial_run(fw, data, path, cli, d, **board_kw):
    board = EmulatedSerialBoard(fw["elf"], "uno", **board_kw)
    with board as port:
        code, out, err = cli(
            "test",
            path,
            "--board",
            "uno",
            "--port",
            port,
            "--vectors",
            data,
            "--json",
            "--record",
            d / "faulty.json",
            "--timeout",
            "0.3",
        )
    return code, out, err


def test_corrupted_bytes_on_the_real_firmware_link(setup, cli):
    from hasaki_hil.targets.linkfaults import LinkFaults

    d, data, path, fw = setup
    code, out, err = _serial_run(fw, data, path, cli, d, faults=LinkFaults(flip_rate=0.01, seed=4))
    if code == 2:  # a clear stop is allowed; a wrong result or a hang is not
        assert "no valid reply" in err
        return
    r = json.loads(out)
    assert r["host_reference_mismatches"] == 0


def test_a_reset_of_the_real_firmware_mid_run_is_reported(setup, cli):
    d, data, path, fw = setup
    code, out, err = _serial_run(fw, data, path, cli, d, reset_after_bytes=600)
    assert code == 2 and "reset during vector" in err
