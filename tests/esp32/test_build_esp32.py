"""hasaki-hil build for the ESP32 with the system toolchain: the emulator and the serial
harness, the flash image esptool makes of the ELF, and what a compiler error looks like."""

import json
import subprocess
import sys

import numpy as np
import pytest
from elftools.elf.elffile import ELFFile
from esptool.bin_image import LoadFirmwareImage

from hasaki_hil.build import xtensa_toolchain
from hasaki_hil.errors import UserError
from hasaki_hil.model import variant as variant_mod
from hasaki_hil.quant import quantize

from ..test_codegen import random_model


@pytest.fixture(scope="module")
def variant_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("variants")
    rng = np.random.default_rng(3)
    model = random_model(rng, (12, 8, 4, 1), ("relu", "relu", "sigmoid"))
    X = rng.normal(size=(200, 12))
    paths = {}
    for scheme in ("f32", "int8"):
        paths[scheme] = d / f"{scheme}.variant"
        variant_mod.save(quantize.build(model, [scheme] * 3, X, scheme), paths[scheme])
    return paths


def loaded_bytes(elf) -> dict[int, bytes]:
    with open(elf, "rb") as f:
        e = ELFFile(f)
        return {s["p_vaddr"]: s.data() for s in e.iter_segments() if s["p_type"] == "PT_LOAD" and s["p_filesz"]}


@pytest.mark.parametrize("scheme", ["f32", "int8"])
def test_serial_firmware_image_is_the_elf_byte_for_byte(variant_files, tmp_path, cli, scheme):
    code, out, err = cli(
        "build", variant_files[scheme], "--board", "esp32", "--toolchain", "system", "--harness", "serial",
        "-o", tmp_path, "--json",
    )  # fmt: skip
    assert code == 0, err
    r = json.loads(out)
    assert r["firmware"]["toolchain"] == "system" and r["fit"]["passed"]
    # the stack bound follows CALLX8 through the literal pools down to the runtime
    stack = r["firmware"]["stack"]
    assert r["fit"]["stack_known"] and stack["path"][0] == "main" and "hsk_predict" in stack["path"]
    assert r["fit"]["stack"] == stack["bytes"] >= 96
    assert r["image"] == {"path": str(tmp_path / "firmware.bin"), "address": "0x1000"}
    info = subprocess.run(
        [sys.executable, "-m", "esptool", "image-info", str(tmp_path / "firmware.bin")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert info.returncode == 0, info.stderr
    assert "Checksum:" in info.stdout and "(valid)" in info.stdout and "invalid" not in info.stdout
    # every segment the ROM loads is an ELF segment, unchanged, and nothing else is loaded
    image = LoadFirmwareImage("esp32", str(tmp_path / "firmware.bin"))
    elf = tmp_path / "firmware.elf"
    segments = {s.addr: bytes(s.data) for s in image.segments}
    assert segments == loaded_bytes(elf)
    with open(elf, "rb") as f:
        assert image.entrypoint == ELFFile(f)["e_entry"]
    # esptool writes exactly this image where the ROM looks for it, its header untouched
    from hasaki_hil.boards import registry as boards
    from hasaki_hil.commands import flash as flash_cmd

    upload = flash_cmd.uploader_command(boards.get("esp32"), r["firmware"], "/dev/ttyUSB0")
    assert upload[-2:] == ["0x1000", str(tmp_path / "firmware.bin")]
    assert upload[upload.index("write_flash") + 1 :][:6] == [
        "--flash_mode",
        "keep",
        "--flash_freq",
        "keep",
        "--flash_size",
        "keep",
    ]
    # warning-free: the recorded compile of the harness, run again, prints nothing at all
    cmd = r["firmware"]["command"]
    first = cmd[: cmd.index("&&")]
    assert first[-3].endswith("serial_esp32.c")
    again = subprocess.run(first, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert again.returncode == 0 and again.stderr == ""


def test_emulator_firmware_builds_reproducibly(variant_files, tmp_path, cli):
    shas = []
    for k in range(2):  # two folders: no path may leak into the image
        argv = ["build", variant_files["int8"], "--board", "esp32", "--toolchain", "system", "-o", tmp_path / str(k)]
        code, out, err = cli(*argv)
        assert code == 0, err
        assert "esp32 (system toolchain, emu harness)" in out
        shas.append([(tmp_path / str(k) / name).read_bytes() for name in ("firmware.elf", "firmware.bin")])
    assert shas[0] == shas[1]


def test_a_warning_is_an_error_with_the_compilers_own_lines(tmp_path):
    (tmp_path / "hsk_model.h").write_text(
        '#include "hsk_runtime.h"\n#define HSK_N_IN 1\n#define HSK_N_OUT 1\ntypedef float hsk_in_t;\n'
        "typedef float hsk_out_t;\nstatic hsk_status hsk_predict(const float *x, float *y)\n"
        "{ int unused; y[0] = x[0]; return HSK_OK; }\n"
    )
    with pytest.raises(UserError) as e:
        xtensa_toolchain.harness(tmp_path, tmp_path)
    msg = str(e.value)
    assert "clang for esp32 (emu_main.c) failed" in msg
    assert "hsk_model.h:7:" in msg and "error: unused variable 'unused'" in msg and "-Werror" in msg


def test_stack_bound_follows_literal_calls():
    from hasaki_hil.build import xtensa_stack

    dis = (
        "40080000 <main>:\n"
        "40080000: 36 a1 00     \tentry\ta1, 80\n"
        "40080003: 81 ff ff     \tl32r\ta8, 0x40080100\n"
        "40080006: e0 08 00     \tcallx8\ta8\n"
        "40080009: 82 27 00     \tl32i\ta8, a7, 0\n"
        "4008000c: e0 08 00     \tcallx8\ta8\n"
        "40080020 <f>:\n"
        "40080020: 36 41 00     \tentry\ta1, 32\n"
        "40080030 <g>:\n"
        "40080030: 36 81 00     \tentry\ta1, 64\n"
    )
    funcs = {"main": (0x40080000, 0x40080010), "f": (0x40080020, 0x40080030), "g": (0x40080030, 0x40080040)}
    literals = {0x40080100: 0x40080020, 0x40080104: 0x40080030}
    graph = xtensa_stack.call_graph(xtensa_stack.parse_disassembly(dis), funcs, literals.get)
    assert graph["main"] == {"frame": 80, "calls": {"f"}, "indirect": False}  # the reload from a7 can only be f
    assert xtensa_stack.bound(graph) == {"bytes": 112, "path": ["main", "f"], "note": xtensa_stack.NOTE}
    graph["f"]["calls"] = {"main"}
    assert xtensa_stack.bound(graph)["bytes"] is None and "recursion" in xtensa_stack.bound(graph)["note"]


def test_a_model_too_large_for_the_dram_is_refused_with_the_linkers_words(tmp_path, cli):
    """The image's constants live in the 176 KB DRAM region: ld says by how much it is over."""
    big = random_model(np.random.default_rng(0), (12, 256, 256, 1), ("relu", "relu", "sigmoid"))
    variant_mod.save(quantize.build(big, ["f32"] * 3, None, "f32"), tmp_path / "big.variant")
    code, out, err = cli("build", tmp_path / "big.variant", "--board", "esp32", "--toolchain", "system", "-o", tmp_path)
    assert code == 2 and out == "" and "Traceback" not in err
    assert "region `dram' overflowed by" in err
