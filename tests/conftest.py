import os
from pathlib import Path

import pytest

from hasaki_hil.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("HASAKI_SHARED", ROOT.parent / "shared"))
SMOKE = SHARED / "datasets" / "smoke"
EXAMPLE = ROOT / "models" / "example"


@pytest.fixture
def smoke_dir() -> Path:
    if not (SMOKE / "train.csv").is_file() or not (SMOKE / "test.csv").is_file():
        pytest.skip(f"smoke dataset not found at {SMOKE} (set HASAKI_SHARED to the folder holding datasets/)")
    return SMOKE


@pytest.fixture
def cli(capsys):
    """Run the CLI in-process: returns (exit code, stdout, stderr)."""

    def run(*argv):
        try:
            code = main([str(a) for a in argv])
        except SystemExit as e:  # argparse usage errors
            code = e.code
        out, err = capsys.readouterr()
        return code, out, err

    return run
