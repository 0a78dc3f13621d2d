"""`hasaki-hil report`: validation records from `test --emulate` gathered into HTML, Markdown and JSON,
and the HTML page checked the way a reader sees it, in headless Chromium."""

import contextlib
import io
import json
import shutil
import subprocess
from dataclasses import replace

import numpy as np
import pytest

from hasaki_hil.gate import record as record_mod
from hasaki_hil.model import variant as variant_mod
from hasaki_hil.quant import quantize

from .test_quantize import pathology_data, pathology_model

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",  # tests run as root here and in CI, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def records(tmp_path_factory):
    """Three emulated records (a passing and a failing variant on the ATtiny85, the passing one on the
    ESP32-C3) and one board record made from the ESP32-C3 one: no board is attached here, so its
    cycles are the emulator's scaled, which is enough to exercise the emulator-vs-board comparison."""
    from hasaki_hil.cli.main import main

    d = tmp_path_factory.mktemp("report")
    data = pathology_data(d / "vectors.csv", n=80, seed=5)
    X = np.loadtxt(data, delimiter=",")[:, :4]
    m = pathology_model()
    good, bad = d / "good.variant", d / "bad.variant"
    variant_mod.save(quantize.build(m, ["f32", "f32"], None, "f32"), good)
    variant_mod.save(quantize.build(m, ["int8-wo", "int8-wo"], X, "int8-wo"), bad)  # fails the gate
    paths = []
    for variant, board in ((good, "attiny85"), (bad, "attiny85"), (good, "esp32c3")):
        path = d / f"{board}-{variant.stem}.json"
        with contextlib.redirect_stdout(io.StringIO()):  # keep the JSON out of the tests' captured output
            code = main(
                ["test", str(variant), "--board", board, "--emulate", "--vectors", str(data), "--json"]
                + ["--record", str(path)]
            )
        assert code == (1 if variant == bad else 0)
        paths.append(path)
    emu = record_mod.load(paths[2])
    c = emu.cycles
    cycles = record_mod.CycleSummary("hardware", round(c.min * 1.1), round(c.median * 1.1), round(c.max * 1.1))
    hw = replace(emu, target="serial:/dev/ttyACM0", cycles=replace(cycles, microseconds_median=c.microseconds_median))
    record_mod.save(hw, d / "esp32c3-board.json")
    return d, paths + [d / "esp32c3-board.json"]


def test_json_report_groups_per_board_and_variant_with_limits(records, cli):
    d, paths = records
    code, out, err = cli("report", *paths, "--json")
    assert code == 0, err
    r = json.loads(out)
    assert (r["records"], r["records_passed"], r["records_failed"]) == (4, 3, 1)
    assert [b["board"] for b in r["boards"]] == ["attiny85", "esp32c3"]
    tiny = r["boards"][0]
    assert {e["verdict"] for e in tiny["entries"]} == {"PASSED", "FAILED"}
    failed = next(e for e in tiny["entries"] if e["verdict"] == "FAILED")
    assert any("flip rate" in reason for reason in failed["reasons"])
    assert failed["metrics"]["flips"] > 0 and "fn_change" in failed["metrics"]
    s = tiny["entries"][0]["sizes"]
    assert s["flash_limit"] == 8192 and s["ram_limit"] == 512 and 0 < s["flash_percent"] < 100
    assert tiny["entries"][0]["cycles"]["provenance"] == "exact"
    (pair,) = r["emulator_vs_board"]
    assert pair["board"] == "esp32c3" and pair["emulator_provenance"] == "estimate"
    assert pair["ratio"] == pytest.approx(1.1, abs=1e-3)


def test_markdown_report_has_the_tables(records, cli, tmp_path):
    _, paths = records
    code, out, err = cli("report", *paths, "-o", tmp_path / "report.md")
    assert code == 0, err
    assert "wrote" in out and "board / emulator = 1.100" in out
    md = (tmp_path / "report.md").read_text()
    assert "## attiny85" in md and "## esp32c3" in md and "## Emulator vs board" in md
    assert "| FAILED |" in md and "| PASSED |" in md and "/ 8192 B" in md and "<img" not in md


def test_missing_damaged_or_unknown_inputs_are_user_errors(records, cli, tmp_path):
    _, paths = records
    code, _, err = cli("report", paths[0], tmp_path / "nope.json", "-o", tmp_path / "r.html")
    assert code == 2 and "nope.json" in err and not (tmp_path / "r.html").exists()
    (tmp_path / "cut.json").write_text(paths[0].read_text()[:200])
    code, _, err = cli("report", tmp_path / "cut.json")
    assert code == 2 and "cut.json" in err and "damaged" in err
    (tmp_path / "thin.json").write_text(json.dumps({"format": "hasaki-hil-validation", "version": record_mod.VERSION}))
    code, _, err = cli("report", tmp_path / "thin.json")
    assert code == 2 and "thin.json" in err and "verdict" in err
    code, _, err = cli("report", paths[0], "-o", tmp_path / "r.pdf")
    assert code == 2 and "NAME.html" in err


def _chromium(*args, tmp_path):
    run = subprocess.run(
        ["chromium", *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args],
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    return run.stdout


def test_html_report_renders_in_headless_chromium(records, cli, tmp_path):
    if shutil.which("chromium") is None:
        pytest.skip("chromium is not installed (Debian package `chromium`, listed in .ci/apt-packages)")
    from matplotlib.image import imread

    _, paths = records
    page = tmp_path / "report.html"
    code, out, err = cli("report", *paths, "-o", page, "--json")
    assert code == 0, err
    assert json.loads(out)["figures"] == ["cycles", "errors", "error_distribution", "emulator_vs_board"]
    text = page.read_text()
    assert "http://" not in text and "https://" not in text  # self-contained: nothing to fetch
    dom = _chromium("--dump-dom", page.as_uri(), tmp_path=tmp_path)
    assert "hasaki-hil validation report" in dom and "PASSED" in dom and "FAILED" in dom
    for key in ("cycles", "errors", "error_distribution", "emulator_vs_board"):
        assert f'id="plot-{key}"' in dom
    assert dom.count('src="data:image/png;base64,') == 4
    shot = tmp_path / "report.png"
    _chromium(f"--screenshot={shot}", "--window-size=1200,2000", page.as_uri(), tmp_path=tmp_path)
    pixels = imread(shot)
    assert pixels.shape[:2] == (2000, 1200)
    colours = np.unique(pixels.reshape(-1, pixels.shape[2]), axis=0)
    assert len(colours) > 50, "the screenshot is (nearly) blank"
