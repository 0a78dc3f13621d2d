"""The package's layering, as import-linter contracts (pyproject.toml), checked on the real tree and
shown to catch a wrong import in a scratch copy, so a passing check means something."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

LINT = Path(sys.executable).with_name("lint-imports")


def _lint(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT), "--config", str(tree / "pyproject.toml"), "--no-cache"],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tree)},
    )


def _scratch_copy(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    ignore = shutil.ignore_patterns("__pycache__", "*.so", "firmware", "examples")
    for name in ("hasaki_hil", "emulator"):
        shutil.copytree(ROOT / name, tree / name, ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


pytestmark = pytest.mark.skipif(not LINT.exists(), reason="import-linter is a dev dependency: pip install -e .[dev]")


def test_the_contracts_hold():
    r = _lint(ROOT)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Contracts: 3 kept, 0 broken." in r.stdout


@pytest.mark.parametrize(
    "module, wrong, broken",
    [
        ("hasaki_hil/model/mlp.py", "from hasaki_hil.commands import train", "cli -> commands -> domain packages"),
        ("emulator/harness.py", "import hasaki_hil.errors", "the emulator never imports hasaki_hil"),
        ("emulator/avr/usart.py", "from . import core", "no import cycles"),
    ],
)
def test_a_wrong_import_breaks_a_contract(tmp_path, module, wrong, broken):
    tree = _scratch_copy(tmp_path)
    path = tree / module
    path.write_text(path.read_text() + f"\n{wrong}  # deliberately wrong\n")
    r = _lint(tree)
    assert r.returncode != 0
    assert f"{broken}" in r.stdout and "BROKEN" in r.stdout, r.stdout
