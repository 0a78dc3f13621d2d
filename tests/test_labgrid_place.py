"""`--place NAME` through a real labgrid farm on 127.0.0.1: labgrid-coordinator, and a
labgrid-exporter publishing an emulated uno's pty, served by Debian's ser2net over RFC 2217,
as a NetworkSerialPort (tests/farm.py says why not a RawSerialPort). The place is acquired
for the run and released after it, also when the run fails or is interrupted."""

import json

import pytest

from hasaki_hil.build import builder as build
from hasaki_hil.errors import UserError
from hasaki_hil.targets import labgrid_place
from hasaki_hil.targets.emulated_serial import EmulatedSerialBoard

from .conftest import SMOKE
from .farm import LabgridFarm, smoke_variant

PLACE = "uno-desk-1"


@pytest.fixture(scope="module")
def farm(tmp_path_factory):
    if not (SMOKE / "train.csv").is_file():
        pytest.skip(f"smoke dataset not found at {SMOKE} (set HASAKI_SHARED to the folder holding datasets/)")
    pytest.importorskip("labgrid", reason="labgrid not installed: pip install -e '.[dev]' (it brings hasaki-hil[farm])")
    d = tmp_path_factory.mktemp("labgrid")
    variant, vectors = smoke_variant(d, SMOKE)
    fw = build.build(variant, "uno", harness="serial", toolchain_choice="system", out_dir=d / "fw")["firmware"]
    board = EmulatedSerialBoard(fw["elf"], "uno")
    with board as pty, LabgridFarm(d / "farm", pty, 115200) as lab:
        lab.add_place(PLACE)
        yield lab, variant, vectors, pty, d
    assert board.error is None, board.error


@pytest.fixture
def coordinator(farm, monkeypatch):
    monkeypatch.setenv("LG_COORDINATOR", farm[0].address)
    return farm


def acquired_places(lab) -> str:
    """``labgrid-client who``: the places someone holds (empty table when all are free)."""
    return lab.client("who").stdout


def test_place_runs_the_gate_end_to_end_and_releases_the_place(coordinator, cli):
    lab, variant, vectors, pty, d = coordinator
    code, out, err = cli(
        "test", variant, "--board", "uno", "--place", PLACE, "--vectors", vectors, "--json", "--record",
        d / "place.json",
    )  # fmt: skip
    assert code == 0, err
    r = json.loads(out)
    assert r["verdict"] == "PASSED" and r["place"] == PLACE and r["host_reference_mismatches"] == 0
    assert r["port"].startswith("rfc2217://127.0.0.1:") and r["target"] == f"serial:{r['port']}"
    assert r["cycles"]["provenance"] == "emulated"  # an emulated uno behind the place: never "hardware"
    assert json.loads((d / "place.json").read_text())["place"] == PLACE  # the record names the farm's board
    code, out, err = cli("test", variant, "--board", "uno", "--port", pty, "--vectors", vectors, "--json")
    local = json.loads(out)
    assert local["metrics"] == r["metrics"] and local["cycles"] == r["cycles"]
    assert PLACE not in acquired_places(lab)


def test_bench_through_a_place(coordinator, cli):
    lab, variant, vectors, *_ = coordinator
    code, out, err = cli(
        "bench", variant, "--board", "uno", "--place", PLACE, "--vectors", vectors, "--rows", "2", "--repeat", "2",
        "--warmup", "0", "--json",
    )  # fmt: skip
    assert code == 0, err
    r = json.loads(out)
    assert r["place"] == PLACE and r["provenance"] == "emulated" and r["ratio_emulated_link_to_emulator"] == 1.0
    assert PLACE not in acquired_places(lab)


def test_the_place_is_released_after_a_failed_run(coordinator, cli, tmp_path):
    lab, variant, vectors, pty, d = coordinator
    from hasaki_hil.commands import quantize as quantize_cmd

    other = tmp_path / "other.variant"  # the board carries another variant's model: refused, exit 2
    quantize_cmd.quantize(d / "smoke.model", "f32", other)
    code, _, err = cli("test", other, "--board", "uno", "--place", PLACE, "--vectors", vectors)
    assert code == 2 and "refusing its results" in err
    assert PLACE not in acquired_places(lab)


def test_the_place_is_released_on_ctrl_c(coordinator):
    lab, *_ = coordinator
    seen = {}

    class Args:
        place, port, json, emulate = PLACE, None, True, False

    def interrupted(args):
        seen["port"] = args.port
        seen["who"] = acquired_places(lab)
        raise KeyboardInterrupt

    with pytest.raises(labgrid_place.Interrupted, match=f"place {PLACE} released") as e:
        labgrid_place.run_on_place(Args(), interrupted)
    assert e.value.exit_code == 130
    assert PLACE in seen["who"] and seen["port"].startswith("rfc2217://")
    assert PLACE not in acquired_places(lab)


def test_a_real_sigint_mid_run_releases_the_place_and_exits_130(coordinator, tmp_path):
    """The installed command, interrupted by SIGINT while it runs vectors on the place."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    lab, variant, vectors, *_ = coordinator
    long = tmp_path / "long.csv"
    long.write_text("\n".join(Path(vectors).read_text().splitlines() * 20) + "\n")  # seconds of vectors
    hasaki = Path(sys.executable).parent / "hasaki-hil"
    proc = subprocess.Popen(
        [str(hasaki), "test", str(variant), "--board", "uno", "--place", PLACE, "--vectors", str(long)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        deadline = time.monotonic() + 60
        while PLACE not in acquired_places(lab) and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
        time.sleep(1.5)  # into the vectors
        assert proc.poll() is None, proc.communicate()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert f"error: interrupted; labgrid place {PLACE} released" in err and "Traceback" not in err
    assert PLACE not in acquired_places(lab)


def test_unknown_place_and_missing_coordinator_are_user_errors(coordinator, cli, monkeypatch):
    lab, variant, vectors, *_ = coordinator
    code, _, err = cli("test", variant, "--board", "uno", "--place", "nosuch", "--vectors", vectors)
    assert code == 2 and "error: labgrid-client -p nosuch acquire failed" in err and "hint:" in err
    code, _, err = cli("test", variant, "--board", "uno", "--place", PLACE, "--port", "/dev/null", "--vectors", vectors)
    assert code == 2 and "not both" in err
    monkeypatch.setenv("LG_COORDINATOR", "127.0.0.1:1")  # nothing listens there
    code, _, err = cli("test", variant, "--board", "uno", "--place", PLACE, "--vectors", vectors)
    assert code == 2 and "Could not connect to coordinator" in err and "LG_COORDINATOR" in err
    with pytest.raises(UserError, match="NetworkSerialPort"):
        labgrid_place.serial_url("targets:\n  p:\n    resources: []\n", "p")
    raw = "targets:\n  p:\n    resources:\n    - NetworkSerialPort: {host: h, port: 4002, protocol: raw}\n"
    assert labgrid_place.serial_url(raw, "p") == "socket://h:4002"
    assert labgrid_place.serial_url(raw, "p-pattern") == "socket://h:4002"  # labgrid resolved a pattern


def test_the_readmes_exporter_configuration_is_what_labgrid_reads(tmp_path, capsys):
    """The exporter.yaml the README tells users to write for an ATtiny85 and an ESP32 loads with
    labgrid's own exporter config reader, and its keys are USBSerialPort's parameters."""
    import re

    import attr

    pytest.importorskip("labgrid", reason="labgrid not installed: pip install -e '.[dev]'")
    from labgrid.remote.config import ResourceConfig
    from labgrid.resource.udev import USBSerialPort

    from .conftest import ROOT

    blocks = re.findall(r"```text\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.DOTALL)
    (tmp_path / "exporter.yaml").write_text(next(b for b in blocks if "USBSerialPort" in b))
    data = ResourceConfig(str(tmp_path / "exporter.yaml")).data  # it prints what it renders
    capsys.readouterr()
    fields = set(attr.fields_dict(USBSerialPort))
    assert set(data) == {"attiny85-desk", "esp32-desk"}
    for group in data.values():
        assert set(group) == {"USBSerialPort"} and set(group["USBSerialPort"]) <= fields
    from hasaki_hil.boards.registry import get

    assert data["attiny85-desk"]["USBSerialPort"]["speed"] == get("attiny85").baud
    assert data["esp32-desk"]["USBSerialPort"]["speed"] == get("esp32").baud
