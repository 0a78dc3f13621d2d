"""Every user error exits 2 with `error:` on the first line of stderr, no traceback, and no
file changed; Ctrl-C exits 130. Each case is a real subprocess of the installed `hasaki-hil`
entry point, in its own copy of a small workspace, hashed before and after.

docs/errors.md holds the table of these cases, their exit codes and first stderr lines; it
is generated from these runs (HASAKI_UPDATE_DOCS=1 rewrites it) and checked here to match.
"""

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from .conftest import EXAMPLE, ROOT

HASAKI = str(Path(sys.executable).with_name("hasaki-hil"))
DOC = ROOT / "docs" / "errors.md"
ROW = "0.3,0.5,0.1,0,0.7,0.6,0.9,0,0,0,0,0"
TRAIN = ["train", "data.csv", "--arch", "12,4,1", "--epochs", "2"]
TEST = ["test", "v.variant", "--board", "attiny85", "--emulate", "--vectors", "data.csv"]
BENCH = ["bench", "v.variant", "--board", "uno", "--port", "loop://", "--vectors", "data.csv"]

# (id, what the case shows, argv). Paths are relative to the case's workspace (see `workspace`).
CASES = [
    ("out-folder", "-o is a folder", [*TRAIN, "-o", "outdir"]),
    ("out-below-file", "-o below a file", [*TRAIN, "-o", "data.csv/m.model"]),
    ("out-read-only", "-o in a read-only folder", [*TRAIN, "-o", "ro/m.model"]),
    ("out-read-only-missing", "-o in a missing folder under a read-only one", [*TRAIN, "-o", "ro/new/m.model"]),
    ("out-is-input", "-o is the input", [*TRAIN, "-o", "data.csv"]),
    ("out-hard-link", "-o is a hard link to the input", [*TRAIN, "-o", "data-hardlink.csv"]),
    ("out-symlink", "-o is a symlink to the input", [*TRAIN, "-o", "data-symlink.csv"]),
    ("out-dev-full", "-o is a device", [*TRAIN, "-o", "/dev/full"]),
    ("out-fifo", "-o is a FIFO", [*TRAIN, "-o", "fifo"]),
    ("out-partial-folder", "train's side file OUT.partial is a folder", [*TRAIN, "-o", "busy.model"]),
    ("per-row-input", "validate --per-row is the model", ["validate", "m.model", "data.csv", "--per-row", "m.model"]),
    ("quantize-out-input", "quantize -o is the model", ["quantize", "m.model", "--scheme", "f32", "-o", "m.model"]),
    (
        "two-outputs-one-file",
        "quantize-test -o and --junit are one file",
        ["quantize-test", "m.model", "data.csv", "--scheme", "f32", "-o", "q.variant", "--junit", "q.variant"],
    ),
    (
        "junit-folder",
        "quantize-test --junit is a folder",
        ["quantize-test", "m.model", "data.csv", "--scheme", "f32", "--junit", "outdir"],
    ),
    ("export-out-input", "export -o is the variant", ["export", "v.variant", "-o", "v.variant"]),
    ("import-out-input", "import -o is the header", ["import", "m.h", "-o", "m.h"]),
    ("record-input", "test --record is the vectors", [*TEST, "--record", "data.csv"]),
    ("report-out-input", "report -o is a record", ["report", "v.variant", "-o", "v.variant"]),
    ("build-dir-file", "build -o is a file", ["build", "v.variant", "--board", "attiny85", "-o", "data.csv"]),
    ("demo-workdir-file", "demo --workdir is a file", ["demo", "--workdir", "data.csv"]),
    ("arch-huge", "a layer of 10^9", ["train", "data.csv", "--arch", "12,1000000000,1", "-o", "n.model"]),
    ("arch-deep", "100 layers", ["train", "data.csv", "--arch", "12" + ",2" * 99 + ",1", "-o", "n.model"]),
    ("serve-missing", "serve-emulated on a missing file", ["serve-emulated", "missing.elf"]),
    ("serve-not-elf", "serve-emulated on a CSV file", ["serve-emulated", "data.csv"]),
    (
        "serve-other-arch",
        "serve-emulated on an ELF for another CPU",
        ["serve-emulated", sys.executable, "--board", "uno"],
    ),
    ("serve-no-record", "serve-emulated, no --board and no firmware.json", ["serve-emulated", sys.executable]),
    (
        "flash-not-elf",
        "flash --firmware on a CSV file",
        ["flash", "v.variant", "--board", "uno", "--firmware", "data.csv"],
    ),
    ("timeout-zero", "test --timeout 0", [*TEST, "--timeout", "0"]),
    ("seconds-negative", "serve-emulated --seconds -1", ["serve-emulated", "x.elf", "--seconds", "-1"]),
    ("rows-zero", "bench --rows 0", [*BENCH, "--rows", "0"]),
    ("repeat-zero", "bench --repeat 0", [*BENCH, "--repeat", "0"]),
    ("epochs-zero", "train --epochs 0", ["train", "data.csv", "--arch", "12,4,1", "--epochs", "0", "-o", "n.model"]),
    ("batch-negative", "train --batch-size -1", [*TRAIN, "-o", "n.model", "--batch-size", "-1"]),
    ("predict-1e300", "predict --input 1e300,...", ["predict", "m.model", "--input", "1e300" + ROW[3:]]),
    ("validate-1e39", "validate on a CSV with 1e39", ["validate", "m.model", "big.csv"]),
    (
        "quantize-test-1e39",
        "quantize-test on a CSV with 1e39",
        ["quantize-test", "m.model", "big.csv", "--scheme", "f32"],
    ),
    (
        "quantize-calib-1e39",
        "quantize --calib with 1e39",
        ["quantize", "m.model", "--scheme", "int8", "--calib", "big.csv", "-o", "q.variant"],
    ),
    ("test-1e39", "test --vectors with 1e39", [*TEST[:-1], "big.csv"]),
    ("train-1e39", "train on a CSV with 1e39", ["train", "big.csv", "--arch", "12,4,1", "-o", "n.model"]),
]


def _make_workspace(folder: Path) -> None:
    from hasaki_hil.commands import quantize
    from hasaki_hil.train import training

    folder.mkdir()
    rows = (EXAMPLE / "train.csv").read_text().splitlines()[:40]
    (folder / "data.csv").write_text("\n".join(rows) + "\n")
    cells = rows[2].split(",")
    cells[1] = "1e39"  # finite in the file, inf in float32
    (folder / "big.csv").write_text("\n".join(rows[:2] + [",".join(cells)] + rows[3:]) + "\n")
    training.train_file(
        folder / "data.csv", folder / "m.model", arch="12,4,1", config={"epochs": 3}, show_progress=False
    )
    quantize.quantize(folder / "m.model", "f32", folder / "v.variant")
    shutil.copy(ROOT / "tests" / "fixtures" / "hasaki_float_3_4_2_1.h", folder / "m.h")
    (folder / "outdir").mkdir()
    (folder / "busy.model.partial").mkdir()
    (folder / "ro").mkdir()
    (folder / "data-symlink.csv").symlink_to("data.csv")


def _snapshot(folder: Path) -> dict:
    """Every entry below ``folder``: its kind, mode and content hash (files) or target (links)."""
    snap = {}
    for path in sorted(folder.rglob("*")):
        st = path.lstat()
        if path.is_symlink():
            snap[str(path)] = ("link", os.readlink(path))
        elif path.is_file():
            snap[str(path)] = ("file", st.st_mode, hashlib.sha256(path.read_bytes()).hexdigest())
        else:
            snap[str(path)] = ("other", st.st_mode)
    return snap


def _as_unprivileged(argv: list[str]) -> list[str]:
    """Root writes into a read-only folder anyway; without CAP_DAC_OVERRIDE it does not."""
    if os.geteuid() == 0:
        return ["setpriv", "--bounding-set=-dac_override,-dac_read_search", *argv]
    return argv


def _run(case_dir: Path, argv: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        _as_unprivileged([HASAKI, *argv]), cwd=case_dir, capture_output=True, text=True, timeout=60, **kw
    )


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict:
    """Every case run once, in parallel, each in its own copy of the workspace."""
    base = tmp_path_factory.mktemp("user_errors")
    _make_workspace(base / "template")

    def one(case):
        case_id, _, argv = case
        folder = base / case_id
        shutil.copytree(base / "template", folder, symlinks=True)
        os.mkfifo(folder / "fifo")  # copytree copies neither a FIFO nor a hard link
        os.link(folder / "data.csv", folder / "data-hardlink.csv")
        os.chmod(folder / "ro", 0o555)
        before = _snapshot(folder)
        done = _run(folder, argv)
        return case_id, done, before, _snapshot(folder)

    with ThreadPoolExecutor(max_workers=4) as pool:
        return {case_id: rest for case_id, *rest in pool.map(one, CASES)}


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_user_error_exits_2_cleanly(results, case):
    done, before, after = results[case[0]]
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("error: "), done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
    assert after == before, "a file changed"


def test_json_error_is_one_object(tmp_path):
    _make_workspace(tmp_path / "w")
    done = _run(tmp_path / "w", [*TRAIN, "-o", "data.csv", "--json"])
    assert done.returncode == 2 and done.stderr.startswith("error: ")
    obj = json.loads(done.stdout)
    assert obj["exit_code"] == 2 and "refusing to overwrite an input" in obj["error"]
    done = _run(tmp_path / "w", ["train", "data.csv", "--epochs", "0", "--json", "-o", "x"])  # a usage error
    assert json.loads(done.stdout)["error"] == "argument --epochs: must be a whole number >= 1, not 0"


def test_broken_pipe_is_quiet(tmp_path):
    """Far more output than a pipe holds, read one line of: no traceback, no message."""
    _make_workspace(tmp_path / "w")
    inputs = [arg for _ in range(4000) for arg in ("--input", ROW)]
    p = subprocess.Popen(
        [HASAKI, "predict", "m.model", *inputs], cwd=tmp_path / "w", stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    first = p.stdout.readline()
    p.stdout.close()
    err = p.stderr.read().decode()
    assert p.wait(timeout=60) == 2
    assert b" -> class " in first and err == ""


def _wait_for(predicate, timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.005)


def _interrupted(folder: Path, argv: list[str], ready) -> subprocess.CompletedProcess:
    p = subprocess.Popen([HASAKI, *argv], cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for(lambda: ready(p))
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=60)
    return subprocess.CompletedProcess(argv, p.returncode, out, err)


def _loading_numpy(p) -> bool:
    """The process is importing its libraries: numpy's extension is mapped, the command not begun."""
    try:
        return "numpy" in Path(f"/proc/{p.pid}/maps").read_text()
    except OSError:
        return False


@pytest.fixture(scope="module")
def interrupts(tmp_path_factory) -> dict:
    base = tmp_path_factory.mktemp("interrupts")
    _make_workspace(base / "w")
    w = base / "w"
    slow = ["train", "data.csv", "--arch", "12,64,64,1", "--epochs", "100000", "--patience", "100000", "-o", "s.model"]
    return {
        "start-up": _interrupted(w, ["boards"], _loading_numpy),
        "start-up --json": _interrupted(w, ["boards", "--json"], _loading_numpy),
        "training": _interrupted(w, slow, lambda p: (w / "s.model.partial").exists()),
        "workdir": w,
    }


def test_ctrl_c_at_start_up_exits_130(interrupts):
    done = interrupts["start-up"]
    assert done.returncode == 130 and done.stderr.startswith("interrupted") and "Traceback" not in done.stderr


def test_ctrl_c_under_json_is_one_object(interrupts):
    done = interrupts["start-up --json"]
    assert done.returncode == 130 and json.loads(done.stdout) == {
        "error": "interrupted",
        "hint": None,
        "exit_code": 130,
    }


def test_ctrl_c_while_training_keeps_the_best_model(interrupts):
    from hasaki_hil.model import modelfile

    done = interrupts["training"]
    assert done.returncode == 130 and "Traceback" not in done.stderr
    # after the progress lines, the one message
    assert (
        done.stderr.splitlines()[-1] == "interrupted: training interrupted; best-so-far model kept in s.model.partial"
    )
    kept = modelfile.load(interrupts["workdir"] / "s.model.partial")  # a complete, loadable model
    assert kept.training["partial"] is True and not (interrupts["workdir"] / "s.model").exists()


def _table(results: dict, interrupts: dict) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = [
        "| case | command | exit | stderr: the first line (interrupted: the last) |",
        "| --- | --- | --- | --- |",
    ]
    for case_id, what, argv in CASES:
        done = results[case_id][0]
        shown = " ".join("PYTHON" if a == sys.executable else a if len(a) < 40 else a[:30] + "..." for a in argv)
        first = done.stderr.splitlines()[0].replace(sys.executable, "PYTHON")
        lines.append(f"| {what} | `hasaki-hil {cell(shown)}` | {done.returncode} | {cell(first)} |")
    for what, key, shown in (
        ("Ctrl-C while the libraries load", "start-up", "boards"),
        ("Ctrl-C while training", "training", "train data.csv --arch 12,64,64,1 ... -o s.model"),
    ):
        done = interrupts[key]
        last = done.stderr.splitlines()[-1]  # after the progress lines
        lines.append(f"| {what} | `hasaki-hil {shown}` | {done.returncode} | {cell(last)} |")
    return "\n".join(lines) + "\n"


def test_docs_table_matches_the_runs(results, interrupts):
    table = _table(results, interrupts)
    text = DOC.read_text()
    start, end = text.index("<!-- cases -->\n") + len("<!-- cases -->\n"), text.index("<!-- /cases -->")
    if os.environ.get("HASAKI_UPDATE_DOCS"):
        DOC.write_text(text[:start] + table + text[end:])
        text, end = DOC.read_text(), start + len(table)
    assert text[start:end] == table, "docs/errors.md is out of date: run with HASAKI_UPDATE_DOCS=1"
