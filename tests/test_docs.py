"""Every `hasaki-hil` example in README.md and docs/*.md runs as written (from a folder that
has the repository's models/ and the example's CSVs in data/), in the order of its page, and exits 0. (The README's
`./dev demo` and `./dev test` are what CI itself runs.)"""

import re
import shlex
import shutil
from pathlib import Path

import pytest

from hasaki_hil.cli.main import main
from hasaki_hil.resources import EXAMPLE_DIR

from .conftest import ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def examples(page: Path) -> list[list[str]]:
    """The hasaki-hil command lines of a page: fenced sh blocks and `- run:` steps of YAML blocks."""
    commands = []
    for block in re.findall(r"```(?:sh|yaml)\n(.*?)```", page.read_text(), flags=re.DOTALL):
        for line in block.splitlines():
            line = re.sub(r"^\s*-\s*run:\s*", "", line).strip()
            if line.startswith("hasaki-hil "):
                commands.append(shlex.split(line)[1:])
    return commands


def test_the_docs_have_examples():
    assert sum(len(examples(p)) for p in DOCS) >= 10


@pytest.mark.parametrize("page", DOCS, ids=[p.name for p in DOCS])
def test_doc_examples_run(page, tmp_path, monkeypatch, capsys):
    (tmp_path / "models").symlink_to(ROOT / "models")
    (tmp_path / "data").mkdir()  # docs/ci.md's recipe reads the repository's data from data/
    for name in ("train.csv", "test.csv"):
        shutil.copy(EXAMPLE_DIR / name, tmp_path / "data" / name)
    monkeypatch.chdir(tmp_path)
    for argv in examples(page):
        code = main(argv)
        out, err = capsys.readouterr()
        assert code == 0, f"{page.name}: hasaki-hil {' '.join(argv)}\n{err}"
