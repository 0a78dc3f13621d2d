"""`hasaki-hil flash`: only a firmware whose exact sha256 passed validation is uploaded.

No board exists here, so the upload runs as --dry-run and the test checks the recorded
command line; the emulator gate itself runs for real (the uno's serial firmware on the
AVR core behind a pty). The other boards' uploaders (esptool, openocd) are checked on the
command lines they would run: from firmware records the build writes, and for the ESP
boards' ESP-IDF images, which only PlatformIO builds (not here), from a record with the
fields such a build writes. No validation record is ever written by hand."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from elftools.elf.elffile import ELFFile

from hasaki_hil import boards
from hasaki_hil.build import firmware
from hasaki_hil.commands import flash as flash_cmd
from hasaki_hil.errors import UserError
from hasaki_hil.model import variant as variant_mod
from hasaki_hil.quant import quantize

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


ESPTOOL_TAIL = ["--before", "default_reset", "--after", "hard_reset", "write_flash", "-z", "--flash_mode", "dio"]


@pytest.mark.parametrize(
    "board, baud, freq, bootloader", [("esp32", "921600", "40m", "0x1000"), ("esp32c3", "460800", "80m", "0x0")]
)
def test_esptool_writes_the_esp_idf_images_as_platformio_does(tmp_path, board, baud, freq, bootloader):
    # what a PlatformIO ESP-IDF build leaves in .pio/build/ENV: the ELF and the three images next to it
    out = tmp_path / ".pio" / "build" / boards.get(board).pio_env
    out.mkdir(parents=True)
    for name in ("firmware.elf", "bootloader.bin", "partitions.bin", "firmware.bin"):
        (out / name).write_bytes(b"\0")
    fw = {"board": board, "harness": "serial", "toolchain": "pio", "elf": str(out / "firmware.elf"), "image": ""}
    cmd = flash_cmd.uploader_command(boards.get(board), fw, "/dev/ttyUSB0")
    assert cmd[0] in ("esptool.py", "esptool")
    assert cmd[1:] == [
        "--chip",
        board,
        "--port",
        "/dev/ttyUSB0",
        "--baud",
        baud,
        *ESPTOOL_TAIL,
        "--flash_freq",
        freq,
        "--flash_size",
        "detect",
        bootloader,
        str(out / "bootloader.bin"),
        "0x8000",
        str(out / "partitions.bin"),
        "0x10000",
        str(out / "firmware.bin"),
    ]
    with pytest.raises(UserError, match="give --port"):
        flash_cmd.uploader_command(boards.get(board), fw, None)
    (out / "partitions.bin").unlink()
    with pytest.raises(UserError, match="partitions.bin not found"):
        flash_cmd.uploader_command(boards.get(board), fw, "/dev/ttyUSB0")


def test_a_bare_metal_esp32c3_image_is_refused(setup, cli):
    d, _, good, _ = setup
    # the flash command builds the serial firmware (system driver: the emulator image) and refuses it
    code, out, err = cli("flash", good, "--board", "esp32c3", "--build-dir", d / "fw", "--port", "COM7", "--dry-run")
    assert code == 2 and out == "" and "bare-metal esp32c3 build (toolchain system)" in err
    assert "ESP-IDF image" in err and "--toolchain pio" in err
    assert not (d / "fw" / "flash.json").exists()
    # the same from the record that build wrote, even with --force: the chip cannot boot it
    fw = firmware.load(d / "fw" / "firmware.json").as_dict()
    assert fw["toolchain"] == "system" and fw["harness"] == "serial"
    with pytest.raises(UserError, match="only PlatformIO builds"):
        flash_cmd.uploader_command(boards.get("esp32c3"), fw, "COM7")
    code, _, err = cli("flash", good, "--board", "esp32c3", "--firmware", fw["elf"], "--port", "COM7", "--force")
    assert code == 2 and "bare-metal" in err and "WARNING" not in err


def test_openocd_programs_the_nucleo_over_its_st_link(setup, cli):
    d, data, good, _ = setup
    code, out, err = cli("build", good, "--board", "nucleo_f446re", "--harness", "serial", "-o", d / "fw", "--json")
    assert code == 0, err
    fw = firmware.load(d / "fw" / "firmware.json").as_dict()
    expected = [
        "openocd",
        "-f",
        "interface/stlink.cfg",
        "-c",
        "transport select hla_swd",
        "-f",
        "target/stm32f4x.cfg",
        "-c",
        f"program {{{fw['elf']}}} verify reset; shutdown;",
    ]
    # SWD needs no serial port; the port only serves the handshake after the upload
    assert flash_cmd.uploader_command(boards.get("nucleo_f446re"), fw, None) == expected
    # no record yet: refused; with --vectors the gate runs this exact firmware on the emulated
    # STM32F446 behind a pty, passes, and the upload command follows
    code, out, err = cli("flash", good, "--board", "nucleo_f446re", "--firmware", fw["elf"], "--dry-run", "--json")
    assert code == 1 and "no PASSED validation record" in err
    code, out, err = cli(
        "flash", good, "--board", "nucleo_f446re", "--firmware", fw["elf"], "--vectors", data, "--dry-run", "--json"
    )
    assert code == 0, err
    result = json.loads(out)
    assert result["command"] == expected and result["gate"]["verdict"] == "PASSED" and not result["forced"]
    record = json.loads((d / "fw" / "validation-serial-emulated.json").read_text())
    assert record["firmware_sha256"] == fw["sha256"] and record["target"].startswith("serial:/dev/pts/")


def test_picotool_loads_the_pico_image_the_emulated_rp2040_booted(setup, cli, tmp_path):
    """The pico's serial firmware carries boot2 with its checksum; the gate boots that exact
    image on the emulated RP2040 (boot2 first, as the boot ROM runs it) and passes."""
    d, data, good, _ = setup
    code, out, err = cli(
        "flash", good, "--board", "pico", "--build-dir", d / "pico", "--vectors", data, "--dry-run", "--json"
    )
    assert code == 0, err
    fw = firmware.load(d / "pico" / "firmware.json").as_dict()
    result = json.loads(out)
    assert result["command"] == ["picotool", "load", "-v", "-x", fw["elf"]]
    assert result["gate"]["verdict"] == "PASSED" and not result["forced"]
    # an image whose boot2 checksum is wrong would not start: refused before any upload
    broken = tmp_path / "broken.elf"
    data_bytes = bytearray(Path(fw["elf"]).read_bytes())
    with open(fw["elf"], "rb") as f:
        offset = ELFFile(f).get_section_by_name(".boot2")["sh_offset"]
    data_bytes[offset + 252] ^= 0xFF
    broken.write_bytes(data_bytes)
    with pytest.raises(UserError, match="no valid boot2 stage"):
        flash_cmd.uploader_command(boards.get("pico"), {**fw, "elf": str(broken)}, None)


@pytest.mark.parametrize(
    "board, tool, package",
    [
        ("uno", "avrdude", "apt-get install avrdude"),
        ("nucleo_f446re", "openocd", "apt-get install openocd"),
        ("pico", "picotool", "RPI-RP2 drive"),
    ],
)
def test_a_missing_uploader_names_its_package(setup, cli, monkeypatch, board, tool, package):
    d, _, good, _ = setup
    which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None if name == tool else which(name, *a, **k))
    code, _, err = cli("flash", good, "--board", board, "--build-dir", d / "fw", "--port", "/dev/ttyACM0", "--force")
    assert code == 2 and f"{tool} not found" in err and package in err
    assert "pip install esptool" in flash_cmd.INSTALL_HINT[flash_cmd.esptool_executable().removesuffix(".py")]
