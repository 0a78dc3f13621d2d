"""The serial firmware of the ESP32-C3, the Pico and the Nucleo-F446RE, run on the unicorn
cores with their UART behind a pseudo-terminal: `test --port` talks to real firmware bytes
and must agree with `test --emulate`; link faults end in a correct result or a clear stop."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from hasaki_hil import boards
from hasaki_hil.build import builder as build
from hasaki_hil.data import csvfile as data
from hasaki_hil.model import variant as variant_mod
from hasaki_hil.quant import quantize, reference
from hasaki_hil.targets import serial as targets
from hasaki_hil.targets.base import FirmwareRef, Vectors
from hasaki_hil.targets.emulated import EmulatorTarget
from hasaki_hil.targets.emulated_serial import EmulatedSerialBoard

from ..test_quantize import pathology_data, pathology_model

BOARDS = ("esp32c3", "pico", "nucleo_f446re")
COUNTERS = {"esp32c3": "riscv-mcycle", "pico": "systick", "nucleo_f446re": "dwt-cyccnt"}
CLOCKS = {"esp32c3": 40_000_000, "pico": 12_000_000, "nucleo_f446re": 16_000_000}


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    d = tmp_path_factory.mktemp("useral")
    csv = pathology_data(d / "vectors.csv", n=120, seed=5)
    X = np.loadtxt(csv, delimiter=",")[:, :4]
    variants = {}
    for scheme, kinds, calib in (("int8", ["int8", "int8"], X), ("f32", ["f32", "f32"], None)):
        variants[scheme] = d / f"{scheme}.variant"
        variant_mod.save(quantize.build(pathology_model(), kinds, calib, scheme), variants[scheme])
    return d, csv, variants


def _firmware(d, variant, board, harness):
    out = d / f"{board}-{variant.stem}-{harness}"
    return build.build(variant, board, harness=harness, toolchain_choice="system", out_dir=out)["firmware"]


@pytest.mark.parametrize("board", BOARDS)
@pytest.mark.parametrize("scheme", ["int8", "f32"])
def test_serial_firmware_matches_the_emulated_run_on_every_vector(setup, board, scheme):
    """Per vector: the outputs are identical and the board's own counter reads what the
    emulator's marker window counts (the same estimate, read through the chip's counter)."""
    d, csv, variants = setup
    v = variant_mod.load(variants[scheme])
    vectors = Vectors.for_variant(v, reference.native_inputs(v, data.load_csv(csv, 4, 1, "sigmoid").X))
    emu_fw = _firmware(d, variants[scheme], board, "emu")
    emulated = EmulatorTarget(boards.get(board)).run(FirmwareRef(emu_fw["elf"], emu_fw["variant_sha256"]), vectors)
    fw = _firmware(d, variants[scheme], board, "serial")
    served = EmulatedSerialBoard(fw["elf"], board)
    with served as port:
        measured = targets.SerialTarget(port, 115200).run(None, vectors)
    assert served.error is None, served.error
    assert np.array_equal(measured.outputs, emulated.outputs)
    assert measured.counter == COUNTERS[board] and measured.info["clock_hz"] == CLOCKS[board]
    assert measured.cycles.min() > 100
    # Inside hsk_predict both count the same estimate, so per vector the two differ by one
    # constant: the few instructions around the call that the compiler places differently
    # around a counter read than around the emulator harness's marker store.
    offset = measured.cycles.astype(np.int64) - emulated.cycles
    assert np.all(offset == offset[0]) and abs(offset[0]) <= 8, offset[:5]


@pytest.mark.parametrize("board", BOARDS)
def test_test_port_gives_the_verdict_and_record_of_test_emulate(setup, cli, board):
    d, csv, variants = setup
    path = variants["int8"]
    code_e, out, _ = cli(
        "test", path, "--board", board, "--emulate", "--vectors", csv, "--json", "--record", d / f"{board}-e.json"
    )
    emulated = json.loads(out)
    fw = _firmware(d, path, board, "serial")
    with EmulatedSerialBoard(fw["elf"], board) as port:
        code, out, err = cli(
            "test",
            path,
            "--board",
            board,
            "--port",
            port,
            "--vectors",
            csv,
            "--json",
            "--record",
            d / f"{board}-s.json",
        )
    serial = json.loads(out)
    assert serial["target"].startswith("serial:/dev/pts/")
    assert serial["host_reference_mismatches"] == 0 == emulated["host_reference_mismatches"]
    assert serial["metrics"] == emulated["metrics"]
    assert serial["verdict"] == emulated["verdict"] and code == code_e
    assert serial["firmware_sha256"] == fw["sha256"]
    record = json.loads((d / f"{board}-s.json").read_text())
    assert record["verdict"] == serial["verdict"] and record["cycles"]["provenance"] == "emulated"


def _faulty_run(setup, cli, board, **kw):
    d, csv, variants = setup
    fw = _firmware(d, variants["int8"], board, "serial")
    with EmulatedSerialBoard(fw["elf"], board, **kw) as port:
        return cli(
            "test", variants["int8"], "--board", board, "--port", port, "--vectors", csv, "--json", "--timeout", "0.3"
        )


@pytest.mark.parametrize("board", ["esp32c3", "nucleo_f446re"])
def test_one_percent_of_bytes_flipped(setup, cli, board):
    from hasaki_hil.targets.linkfaults import LinkFaults

    code, out, err = _faulty_run(setup, cli, board, faults=LinkFaults(flip_rate=0.01, seed=11))
    if code == 2:  # a clear stop is allowed; a wrong result or a hang is not
        assert "no valid reply" in err
        return
    assert json.loads(out)["host_reference_mismatches"] == 0


@pytest.mark.parametrize("board", ["pico", "nucleo_f446re"])
def test_a_reset_mid_run_is_reported(setup, cli, board):
    code, _, err = _faulty_run(setup, cli, board, reset_after_bytes=500)
    assert code == 2 and "reset during vector" in err


def test_bench_on_the_emulated_nucleo_gives_the_ratio_to_the_emulator(setup, cli):
    d, csv, variants = setup
    fw = _firmware(d, variants["int8"], "nucleo_f446re", "serial")
    with EmulatedSerialBoard(fw["elf"], "nucleo_f446re") as port:
        code, out, err = cli(
            "bench", variants["int8"], "--board", "nucleo_f446re", "--port", port, "--vectors", csv,
            "--rows", "5", "--repeat", "3", "--json",
        )  # fmt: skip
    assert code == 0, err
    r = json.loads(out)
    assert r["counter"] == "dwt-cyccnt" and r["clock_hz"] == 16_000_000
    assert r["provenance"] == "emulated" and "ratio_board_to_emulator" not in r  # not a hardware figure
    assert r["ratio_emulated_link_to_emulator"] == pytest.approx(1.0, abs=0.01) and r["spread_per_vector"] == 0


def test_serve_emulated_puts_the_esp32c3_firmware_on_a_pty_for_another_process(setup, cli):
    """The CLI as a user runs it: one process serves the board (named by the firmware.json beside
    the ELF, no --board), another tests against its port."""
    d, csv, variants = setup
    fw = _firmware(d, variants["int8"], "esp32c3", "serial")
    exe = shutil.which("hasaki-hil") or str(Path(sys.executable).parent / "hasaki-hil")
    server = subprocess.Popen(
        [exe, "serve-emulated", fw["elf"], "--seconds", "60"],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = server.stderr.readline()
        assert line.startswith("esp32c3 firmware running"), line
        port = re.search(r"port (/dev/pts/\d+)", line).group(1)
        code, out, err = cli("test", variants["int8"], "--board", "esp32c3", "--port", port, "--vectors", csv, "--json")
        assert code in (0, 1), err
        assert json.loads(out)["host_reference_mismatches"] == 0
    finally:
        server.terminate()
        server.wait(timeout=10)
