"""The package as users get it: the wheel, built here and installed into a fresh virtualenv outside
the checkout, runs `hasaki-hil demo` and docs/ci.md's recipe from an empty folder, finding its C
runtime, harnesses and example inside the installed package and writing only under that folder."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT
from .test_docs import examples

pytestmark = pytest.mark.slow


def _run(cmd, cwd, timeout=900, env=None):
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
    assert r.returncode == 0, f"{' '.join(map(str, cmd))}\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return r


def _package_files(venv: Path) -> set[str]:
    site = next((venv / "lib").glob("python3*/site-packages"))
    return {
        str(p) for name in ("hasaki_hil", "emulator") for p in (site / name).rglob("*") if "__pycache__" not in p.parts
    }


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    base = tmp_path_factory.mktemp("wheel")
    src = base / "src"  # a clean copy: the wheel must not pick up build leftovers of the checkout
    leftovers = shutil.ignore_patterns(".venv", ".git", ".pio", "*.so", "__pycache__", "*.egg-info")

    def ignore(folder, names):
        top = {"build"} if Path(folder) == ROOT else set()  # ./build is output; hasaki_hil/build is code
        return leftovers(folder, names) | (top & set(names))

    shutil.copytree(ROOT, src, symlinks=True, ignore=ignore)
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", base / "dist", src],
        base,
    )
    wheel = next((base / "dist").glob("hasaki_hil-*.whl"))
    venv = base / "venv"
    _run([sys.executable, "-m", "venv", venv], base)
    _run([venv / "bin" / "python", "-m", "pip", "install", "-q", wheel], base)
    return venv


def test_the_wheel_carries_the_firmware_and_the_example(installed):
    out = _run(
        [
            installed / "bin" / "python",
            "-c",
            "from hasaki_hil.resources import RUNTIME_DIR, EXAMPLE_DIR, FIRMWARE; "
            "print(RUNTIME_DIR); print(EXAMPLE_DIR); print(FIRMWARE)",
        ],
        installed,
    ).stdout.split()
    runtime, example, firmware = map(Path, out)
    assert str(runtime).startswith(str(installed)) and (runtime / "hsk_runtime.h").is_file()
    assert (example / "train.csv").is_file() and (firmware / "platformio-envs.ini").is_file()
    assert (firmware / "harness" / "emu_main.c").is_file() and (firmware / "system" / "cortex_m.ld").is_file()
    # every file of the source tree's firmware and example, however deep (esp32_include/math.h)
    for name, installed_dir in (("firmware", firmware), ("examples/smoke", example)):
        source = ROOT / "hasaki_hil" / name
        ours = {p.relative_to(source) for p in source.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
        theirs = {p.relative_to(installed_dir) for p in installed_dir.rglob("*") if p.is_file()}
        assert ours <= theirs, f"missing from the wheel: {sorted(map(str, ours - theirs))}"


def test_demo_and_the_ci_recipe_from_an_empty_folder(installed, tmp_path):
    work = tmp_path / "empty"
    work.mkdir()
    before = _package_files(installed)
    exe = installed / "bin" / "hasaki-hil"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{installed / 'bin'}:{env.get('PATH', '/usr/bin:/bin')}"
    _run([exe, "demo"], work, env=env)
    assert (work / "build" / "demo" / "report.html").is_file()
    example = Path(
        _run(
            [installed / "bin" / "python", "-c", "from hasaki_hil.resources import EXAMPLE_DIR; print(EXAMPLE_DIR)"],
            work,
        ).stdout.strip()
    )
    (work / "data").mkdir()
    for name in ("train.csv", "test.csv"):
        shutil.copy(example / name, work / "data" / name)
    for argv in examples(ROOT / "docs" / "ci.md"):
        _run([exe, *argv], work, env=env)
    assert (work / "build" / "ci" / "report.html").is_file()
    assert _package_files(installed) == before, "nothing may be written inside the installed package"
