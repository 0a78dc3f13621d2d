"""Builds with the system cross-compilers, the fit check, and platformio.ini."""

import json
import shutil
import subprocess

import pytest

from hasaki_hil.build import stack_depth as stack
from hasaki_hil.build import toolchain
from hasaki_hil.model import variant as variant_mod
from hasaki_hil.quant import quantize

from .conftest import ROOT
from .hasaki_style import random_float_model, write_float_header


@pytest.fixture(scope="module")
def variants(tmp_path_factory):
    d = tmp_path_factory.mktemp("variants")
    model = random_float_model((12, 8, 4, 1), ("relu", "relu", "sigmoid"), seed=3)
    import numpy as np

    X = np.random.default_rng(0).normal(size=(200, 12))
    paths = {}
    for scheme in ("f32", "int8-wo", "int8"):
        paths[scheme] = d / f"{scheme}.variant"
        variant_mod.save(quantize.build(model, [scheme] * 3, X, scheme), paths[scheme])
    return paths


@pytest.mark.parametrize("board", ["attiny85", "uno", "esp32c3", "pico", "nucleo_f446re"])
def test_system_builds_fit_with_stack_margin(variants, tmp_path, cli, board):
    for scheme, path in variants.items():
        code, out, err = cli("build", path, "--board", board, "-o", tmp_path / scheme, "--json")
        assert code == 0, err
        r = json.loads(out)
        fw, fit = r["firmware"], r["fit"]
        assert fit["passed"] and fit["stack_known"]
        if board in ("attiny85", "uno"):
            assert fw["sections"].get(".data", 0) == 0  # weights stay in flash
        assert fit["ram_static"] + fit["stack"] < 0.9 * fit["ram_limit"]
        assert fw["toolchain"] == "system" and fw["command"][0].endswith("gcc")
        assert r["sizes"]["groups"]["model constants"] > 0


@pytest.mark.parametrize("board, harness", [("attiny85", "emu"), ("pico", "serial")])  # pico: C, assembly, boot2 seal
def test_builds_are_reproducible(variants, tmp_path, cli, board, harness):
    shas = []
    for i in range(2):
        out_dir = tmp_path / str(i)
        code, out, _ = cli("build", variants["int8"], "--board", board, "--harness", harness, "-o", out_dir, "--json")
        shas.append(json.loads(out)["firmware"]["sha256"])
    assert code == 0 and shas[0] == shas[1]


def test_hasaki_plain_const_header_is_rejected_on_attiny85(tmp_path, cli):
    header = tmp_path / "smoke.h"
    write_float_header(random_float_model((12, 8, 4, 1), ("relu", "relu", "sigmoid")), header)
    code, out, err = cli("build", header, "--board", "attiny85", "-o", tmp_path / "b")
    assert code == 2 and out == ""
    assert "does not fit attiny85" in err and "B over" in err and "keep weights in flash" in err


def test_a_model_too_large_for_attiny85_is_rejected(tmp_path, cli):
    big = random_float_model((12, 64, 32, 1), ("relu", "relu", "sigmoid"))
    variant_mod.save(quantize.build(big, ["f32"] * 3, None, "f32"), tmp_path / "big.variant")
    code, _, err = cli("build", tmp_path / "big.variant", "--board", "attiny85", "-o", tmp_path / "b")
    assert code == 2 and "does not fit attiny85" in err and "flash:" in err and "B over" in err


def test_esp32_without_its_system_toolchain_says_what_to_install(variants, cli, tmp_path, monkeypatch):
    from hasaki_hil.build import xtensa_toolchain

    monkeypatch.setenv("PLATFORMIO_CORE_DIR", str(tmp_path / "no-pio"))
    monkeypatch.setitem(xtensa_toolchain.TOOLS, "cc", "clang-0-absent")
    code, _, err = cli("build", variants["int8"], "--board", "esp32", "-o", tmp_path / "b")
    assert code == 2 and "clang-0-absent not found" in err and "apt-get install clang-22" in err


def test_a_compiler_error_shows_its_first_lines_not_a_traceback(tmp_path, cli):
    header = tmp_path / "broken.h"
    header.write_text("// Architecture: 2-1\nstatic void predict(const float *x, float *y) { y[0] = x[0] +; }\n")
    code, _, err = cli("build", header, "--board", "attiny85", "-o", tmp_path / "b")
    assert code == 2 and "error:" in err and "Traceback" not in err and "broken.h" in err


def test_unknown_board_and_bad_options(variants, cli):
    code, _, err = cli("build", variants["int8"], "--board", "pdp11")
    assert code == 2 and "unknown board 'pdp11'" in err and "attiny85" in err


@pytest.mark.skipif(
    shutil.which("pio") is None and not (ROOT / ".venv/bin/pio").exists(), reason="platformio not installed"
)
def test_platformio_ini_parses_and_matches_the_system_flags():
    pio = shutil.which("pio") or str(ROOT / ".venv/bin/pio")
    out = subprocess.run(
        [pio, "project", "config", "--json-output", "-d", str(ROOT)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env={"HSK_MODEL_DIR": "/m", "HSK_HARNESS": "emu_main.c", "PATH": "/usr/bin:/bin"},
    ).stdout
    config = {section: dict(items) for section, items in json.loads(out)}
    # our flags apply to our sources only (build_src_flags), never to a framework's (ESP-IDF, CMSIS)
    src_flags = config["env"]["build_src_flags"]
    assert [f for f in src_flags if f != "-fstack-usage"] == toolchain.COMMON
    assert [f for f in config["env"]["build_flags"] if not f.startswith("-I")] == []
    from hasaki_hil.boards.registry import BOARDS

    for board in BOARDS:
        env = config[f"env:{board.pio_env}"]
        assert env["platform"].split("@")[0].strip() == board.pio.platform and env["board"] == board.pio.board
        assert "arduino" not in env.get("framework", []), "an Arduino core owns main(): our harnesses cannot build"
        if board.arch == "avr":  # the platform defines F_CPU from this; the harness times the UART with it
            assert int(env["board_build.f_cpu"].rstrip("L")) == board.clock_hz
    assert config["env:attiny85"]["upload_protocol"] == "usbasp"
    for env in ("esp32dev", "esp32-c3"):  # ESP-IDF's headers are GNU C: the same flags, gnu99 last
        assert config[f"env:{env}"]["framework"] == ["espidf"]
        assert config[f"env:{env}"]["build_src_flags"] == src_flags + ["-std=gnu99"]
    assert config["env:nucleo_f446re"]["framework"] == ["cmsis"]
    assert config["env:nucleo_f446re"]["build_flags"][-2:] == list(toolchain.TARGETS["cortex-m4f"].flags[2:])


def test_stack_parsers():
    su = "emu_main.c:32:5:main\t8\tdynamic,bounded\nhsk_runtime.h:146:24:hsk_dense_q.constprop\t45\tstatic\n"
    assert stack.parse_su(su) == {"main": 8, "hsk_dense_q.constprop": 45}
    dis = (
        "00000a42 <main>:\n a42:\t1f 92       \tpush\tr1\n"
        " a7a:\t2a de       \trcall\t.-940    \t; 0x6d0 <f.constprop.1>\n\n"
        "000006d0 <f.constprop.1>:\n 6d0:\t2f 92       \tpush\tr2\n 6d2:\t08 95       \tret\n"
    )
    bound = stack.analyse("avr", dis, {"main": 8, "f.constprop": 45})
    assert bound.bytes == 8 + 2 + 45 and bound.path == ("main", "f.constprop.1")
    arm = (
        "00000100 <main>:\n 100:\tb510      \tpush\t{r4, lr}\n 102:\tf000 f801 \tbl\t108 <g>\n\n"
        "00000108 <g>:\n 108:\tb082      \tsub\tsp, #8\n"
    )
    assert stack.analyse("arm", arm, {}).bytes == 8 + 8
    rec = "00000100 <main>:\n 100:\tf000 f801 \tbl\t100 <main>\n"
    assert stack.analyse("arm", rec, {}).bytes is None and "recursion" in stack.analyse("arm", rec, {}).note
    # libgcc's shared entry points call their own label: a local subroutine, not recursion
    lib = "00000100 <main>:\n 100:\tf000 f801 \tbl\t108 <__fp>\n\n00000108 <__fp>:\n 108:\tf000 f801 \tbl\t108 <__fp>\n"
    assert stack.analyse("arm", lib, {}).bytes == 0
