"""PlatformIO builds for real: an isolated PlatformIO core made offline by
../shared/platformio/offline-core.sh (the atmelavr platform snapshot, Debian's avr-gcc, SCons),
`build --toolchain pio` for the attiny85 and the uno with both harnesses, byte-identical
firmware.hex from both drivers, the gate on the PlatformIO-built ELF, and the upload command
PlatformIO would run. The core and the builds are made once per session."""

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hasaki_hil.build import builder as build
from hasaki_hil.targets.emulated_serial import EmulatedSerialBoard

from .conftest import SHARED, SMOKE
from .farm import smoke_variant

OFFLINE_CORE = SHARED / "platformio" / "offline-core.sh"
CASES = [("attiny85", "emu"), ("attiny85", "serial"), ("uno", "emu"), ("uno", "serial")]


@pytest.fixture(scope="session")
def pio_core(tmp_path_factory):
    """A private PLATFORMIO_CORE_DIR (never ~/.platformio) with the offline atmelavr platform."""
    if not OFFLINE_CORE.is_file():
        pytest.skip(f"{OFFLINE_CORE} not found (the project's shared folder; set HASAKI_SHARED)")
    if shutil.which("avr-gcc") is None:
        pytest.skip("avr-gcc not installed (apt-get install gcc-avr avr-libc binutils-avr)")
    pio = build.pio_executable()
    if pio is None:
        pytest.skip("platformio not installed (it is a dependency: pip install -e .)")
    core = tmp_path_factory.mktemp("pio-core")
    env = dict(os.environ, PLATFORMIO_CORE_DIR=str(core), PIO=pio, PYTHON=sys.executable)
    done = subprocess.run(["bash", str(OFFLINE_CORE)], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return core


@pytest.fixture(scope="session")
def builds(pio_core, tmp_path_factory):
    """Each (board, harness) built once by PlatformIO and once by the system driver."""
    if not (SMOKE / "train.csv").is_file():
        pytest.skip(f"smoke dataset not found at {SMOKE}")
    d = tmp_path_factory.mktemp("pio-builds")
    variant, vectors = smoke_variant(d, SMOKE)
    out = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PLATFORMIO_CORE_DIR", str(pio_core))
        for board, harness in CASES:
            for driver in ("pio", "system"):
                out[board, harness, driver] = build.build(
                    variant, board, harness, driver, out_dir=d / f"{driver}-{board}-{harness}"
                )
    return d, variant, vectors, out


@pytest.fixture
def pio_env(pio_core, monkeypatch):
    monkeypatch.setenv("PLATFORMIO_CORE_DIR", str(pio_core))


@pytest.mark.parametrize("board, harness", CASES)
def test_pio_run_builds_and_the_hex_is_byte_identical_to_the_system_drivers(builds, board, harness, capsys):
    _, _, _, out = builds
    pio, system = out[board, harness, "pio"], out[board, harness, "system"]
    fw = pio["firmware"]
    assert fw["toolchain"] == "pio" and fw["command"][0] == "env"
    project = Path(fw["elf"]).parent / "pio-project"  # its platformio.ini includes the package's envs
    assert fw["command"][-5:] == ["run", "-d", str(project), "-e", board]
    assert system["firmware"]["toolchain"] == "system"
    theirs = open(f"{fw['image']}".replace("firmware.hex", f"pio/{board}/firmware.hex"), "rb").read()
    ours = open(fw["image"], "rb").read()
    assert theirs == ours == open(system["firmware"]["image"], "rb").read()
    # the same code, so the same sizes and the same stack bound (PlatformIO's .su files are read too)
    assert fw["flash_bytes"] == system["firmware"]["flash_bytes"] and fw["ram_bytes"] == system["firmware"]["ram_bytes"]
    assert fw["stack"] == system["firmware"]["stack"] and fw["stack"]["bytes"] > 0
    with capsys.disabled():  # the CI log shows what PlatformIO built
        print(
            f"\npio {' '.join(fw['command'][-5:])} ({harness} harness): firmware.hex {len(ours)} B, sha256 "
            f"{hashlib.sha256(ours).hexdigest()[:16]}, byte-identical to the system driver's"
        )


def test_the_gate_runs_on_the_platformio_built_elf(builds, pio_env, cli, tmp_path):
    d, variant, vectors, out = builds
    emu = out["uno", "emu", "pio"]["firmware"]
    code, stdout, err = cli(
        "test", variant, "--board", "uno", "--emulate", "--firmware", emu["elf"], "--vectors", vectors,
        "--json", "--record", tmp_path / "emu.json",
    )  # fmt: skip
    emulated = json.loads(stdout)
    assert code == 0 and emulated["verdict"] == "PASSED", err
    assert emulated["firmware_sha256"] == emu["sha256"]
    serial = out["uno", "serial", "pio"]["firmware"]
    with EmulatedSerialBoard(serial["elf"], "uno") as port:
        code, stdout, err = cli(
            "test", variant, "--board", "uno", "--port", port, "--firmware", serial["elf"], "--vectors", vectors,
            "--json", "--record", tmp_path / "serial.json",
        )  # fmt: skip
    board = json.loads(stdout)
    assert code == 0 and board["verdict"] == "PASSED" and board["firmware_sha256"] == serial["sha256"]
    assert board["cycles"]["median"] == emulated["cycles"]["median"]  # Timer1 on the core == exact count
    # --toolchain pio builds the firmware itself (attiny85: the software-UART board)
    code, stdout, err = cli(
        "test", variant, "--board", "attiny85", "--emulate", "--toolchain", "pio", "--vectors", vectors, "--json",
        "--record", tmp_path / "t85.json",
    )  # fmt: skip
    assert code == 0, err
    t85 = json.loads(stdout)
    fw = json.loads((tmp_path / "t85.json").read_text())
    assert t85["verdict"] == "PASSED" and fw["firmware_sha256"] == t85["firmware_sha256"]


def test_flash_dry_run_shows_platformios_upload_of_the_gated_image(builds, pio_env, cli, tmp_path):
    d, variant, vectors, out = builds
    folder = tmp_path / "flash"
    code, stdout, err = cli(
        "flash", variant, "--board", "uno", "--port", "/dev/ttyACM0", "--toolchain", "pio", "--vectors", vectors,
        "--build-dir", folder, "--dry-run", "--json",
    )  # fmt: skip
    assert code == 0, err
    r = json.loads(stdout)
    assert r["gate"]["verdict"] == "PASSED"  # the emulator gate ran on PlatformIO's ELF
    made = json.loads((folder / "firmware.json").read_text())["command"]  # the build's own command
    assert f"PLATFORMIO_BUILD_DIR={folder / 'pio'}" in made and made[-6:] == [
        build.pio_executable(), "run", "-d", str(folder / "pio-project"), "-e", "uno",
    ]  # fmt: skip
    assert r["command"] == made + ["-t", "nobuild", "-t", "upload", "--upload-port", "/dev/ttyACM0"]
    uploaded = (folder / "pio" / "uno" / "firmware.hex").read_bytes()  # what `-t nobuild -t upload` writes
    assert uploaded == open(out["uno", "serial", "system"]["firmware"]["image"], "rb").read()
    # an image that is not the gated one is refused before anything runs
    (folder / "pio" / "uno" / "firmware.hex").write_bytes(uploaded.replace(b":00000001FF", b":00000001FE"))
    code, _, err = cli(
        "flash", variant, "--board", "uno", "--port", "/dev/ttyACM0", "--toolchain", "pio", "--firmware",
        folder / "firmware.elf", "--dry-run",
    )  # fmt: skip
    assert code == 2 and "is not the image of the gated firmware" in err


@pytest.fixture(scope="session")
def pio_avrdude(pio_core, tmp_path_factory):
    """PlatformIO's tool-avrdude package made from Debian's avrdude, as offline-core.sh does for
    the compiler, so `pio run -t upload` runs here and shows the avrdude call it makes."""
    if shutil.which("avrdude") is None or not os.path.isfile("/etc/avrdude.conf"):
        pytest.skip("avrdude not installed (apt-get install avrdude; CI installs it from .ci/apt-packages)")
    pkg = tmp_path_factory.mktemp("tool") / "tool-avrdude"
    pkg.mkdir()
    (pkg / "avrdude").symlink_to(shutil.which("avrdude"))
    (pkg / "avrdude.conf").symlink_to("/etc/avrdude.conf")
    meta = {"name": "tool-avrdude", "version": "1.60300.0", "system": "*", "description": "Debian avrdude"}
    (pkg / "package.json").write_text(json.dumps(meta))
    env = dict(os.environ, PLATFORMIO_CORE_DIR=str(pio_core))
    cmd = [build.pio_executable(), "pkg", "install", "-g", "--skip-dependencies", "-t", f"file://{pkg}"]
    subprocess.run(cmd, env=env, capture_output=True, check=True, timeout=120)
    piopm = pio_core / "packages" / "tool-avrdude" / ".piopm"  # PlatformIO's own package, to the platform
    record = json.loads(piopm.read_text())
    record["spec"]["owner"] = "platformio"
    piopm.write_text(json.dumps(record))
    return pio_core


def _options(argv: list[str]) -> tuple[set, bytes]:
    """avrdude's options as (flag, value) pairs, and the bytes of the image its -U writes."""
    with_value = {"-p", "-C", "-c", "-P", "-b", "-U"}
    pairs, i = set(), 0
    while i < len(argv):
        flag = argv[i]
        pairs.add((flag, argv[i + 1] if flag in with_value else None))
        i += 2 if flag in with_value else 1
    image = next(v for f, v in pairs if f == "-U").removeprefix("flash:w:").removesuffix(":i")
    drop = {"-C", "-v", "-U"}  # PlatformIO's config file path and its verbose flag; the image by content
    return {(f, v) for f, v in pairs if f not in drop}, open(image, "rb").read()


@pytest.mark.parametrize("board, port", [("attiny85", None), ("uno", "net:127.0.0.1:9")])
def test_platformios_upload_runs_the_avrdude_call_flash_runs(builds, pio_avrdude, board, port):
    """`pio run -t nobuild -t upload -v` for real: PlatformIO prints the avrdude call, which then
    fails (no USBasp on the USB bus; nothing listens on the uno's net: port); it is the call
    flash makes itself, on the same image. The build folder survives the upload target."""
    from hasaki_hil import boards
    from hasaki_hil.build.pio_upload import upload_command
    from hasaki_hil.commands.flash import uploader_command

    fw = builds[3][board, "serial", "pio"]["firmware"]
    cmd = upload_command(boards.get(board), fw, port) + ["-v"]
    env = dict(os.environ, PLATFORMIO_CORE_DIR=str(pio_avrdude))
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    calls = [ln.split() for ln in done.stdout.splitlines() if ln.startswith("avrdude ")]
    assert len(calls) == 1, done.stdout[-2000:]
    ours = uploader_command(boards.get(board), fw, port)
    assert _options(calls[0][1:]) == _options(ours[1:])
    assert (Path(fw["elf"]).parent / "pio" / boards.get(board).pio_env / "firmware.hex").is_file()


def test_flash_runs_platformios_upload_and_reports_its_failure(builds, pio_avrdude, cli, monkeypatch, tmp_path):
    """Not a dry run: flash gates the PlatformIO build, runs PlatformIO's upload, which runs
    avrdude, which finds no USBasp here; the failure is a user error with PlatformIO's words."""
    monkeypatch.setenv("PLATFORMIO_CORE_DIR", str(pio_avrdude))
    d, variant, vectors, _ = builds
    code, out, err = cli(
        "flash", variant, "--board", "attiny85", "--toolchain", "pio", "--vectors", vectors, "--build-dir",
        tmp_path / "t85",
    )  # fmt: skip
    assert code == 2 and out == "" and "Traceback" not in err
    assert "error: upload failed:" in err and "usbasp" in err.lower() and "hint: env HSK_MODEL_DIR=" in err
    assert not (tmp_path / "t85" / "flash.json").exists()  # nothing claims an upload happened


def test_an_int8x16_variant_builds_byte_identical_with_platformio(pio_env, tmp_path):
    """The int8x16 kernels' headers (the ATtiny's table walk, the ATmega's MULS and requantisation)
    reach PlatformIO's build too, and it makes the same image as the system driver."""
    import numpy as np

    from hasaki_hil.model import variant as variant_mod
    from hasaki_hil.quant import quantize

    from .test_quantize import pathology_data, pathology_model

    X = np.loadtxt(pathology_data(tmp_path / "d.csv", n=100), delimiter=",")[:, :4]
    path = tmp_path / "x16.variant"
    variant_mod.save(quantize.build(pathology_model(), ["int8x16", "int8x16"], X, "int8x16"), path)
    for board in ("attiny85", "uno"):
        fw = {
            driver: build.build(path, board, "emu", driver, out_dir=tmp_path / f"{driver}-{board}")["firmware"]
            for driver in ("pio", "system")
        }
        assert fw["pio"]["toolchain"] == "pio"
        assert open(fw["pio"]["image"], "rb").read() == open(fw["system"]["image"], "rb").read(), board
