"""`hasaki-hil test --emulate`: the firmware on an emulated core, compared and gated, with a record."""

import json

import numpy as np
import pytest

from hasaki_hil.gate import record as records
from hasaki_hil.model import variant as variant_mod
from hasaki_hil.quant import quantize

from .test_quantize import pathology_data, pathology_model


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    d = tmp_path_factory.mktemp("hil")
    data = pathology_data(d / "vectors.csv", n=300, seed=5)
    X = np.loadtxt(data, delimiter=",")[:, :4]
    m = pathology_model()
    good = d / "good.variant"
    bad = d / "bad.variant"
    variant_mod.save(quantize.build(m, ["f32", "f32"], None, "f32"), good)
    variant_mod.save(quantize.build(m, ["int8-wo", "int8-wo"], X, "int8-wo"), bad)  # the pathology: fails
    return d, data, good, bad


@pytest.mark.parametrize("board", ["attiny85", "uno", "esp32c3", "pico", "nucleo_f446re"])
def test_emulated_gate_passes_a_good_variant_and_fails_a_bad_one(setup, cli, board):
    d, data, good, bad = setup
    code, out, err = cli(
        "test", good, "--board", board, "--emulate", "--vectors", data, "--json", "--record", d / f"{board}-good.json"
    )
    r = json.loads(out)
    assert code == 0 and r["verdict"] == "PASSED", (err, r["reasons"])
    assert r["host_reference_mismatches"] == 0
    assert r["cycles"]["provenance"] == ("exact" if board in ("attiny85", "uno") else "estimate")
    assert r["cycles"]["min"] > 0 and r["rows"] == 300 and r["link_retries"] == 0
    if board in ("attiny85", "uno"):  # the AVR core tracks the lowest stack pointer
        assert 0 < r["sizes"]["stack_measured_low_water"] < {"attiny85": 0x25F, "uno": 0x8FF}[board]
        assert 0 < r["sizes"]["stack_measured"] <= r["sizes"]["stack"]  # the static bound holds
    saved = records.load(d / f"{board}-good.json").as_dict()
    assert saved == {k: v for k, v in r.items() if k not in ("record", "passed")}  # --json prints the record
    for key in (
        "firmware_sha256",
        "variant_sha256",
        "vectors_sha256",
        "board",
        "target",
        "metrics",
        "cycles",
        "sizes",
        "verdict",
        "tool_version",
        "time",
    ):
        assert key in saved
    code, out, _ = cli(
        "test", bad, "--board", board, "--emulate", "--vectors", data, "--json", "--record", d / f"{board}-bad.json"
    )
    r = json.loads(out)
    assert code == 1 and r["verdict"] == "FAILED" and r["host_reference_mismatches"] == 0
    assert any("flip rate" in reason for reason in r["reasons"])


def test_emulate_or_port_exactly_one(setup, cli):
    d, data, good, _ = setup
    code, _, err = cli("test", good, "--board", "uno", "--vectors", data)
    assert code == 2 and "exactly one of --emulate or --port" in err


def test_a_board_without_an_emulator_is_refused_with_where_to_test_it(setup, tmp_path):
    """Every board here has an emulated core now; a board entry without one (a private registry's,
    say) is refused before anything is built, with the hint to test on the board."""
    import dataclasses

    import pytest

    from hasaki_hil import boards
    from hasaki_hil.commands.test import run_test
    from hasaki_hil.errors import UserError

    d, data, good, _ = setup
    bare = dataclasses.replace(boards.get("uno"), name="uno_no_emulator", emulator=None)
    with pytest.raises(UserError, match="uno_no_emulator has no emulator") as e:
        run_test(good, bare, data, emulate=True, show_progress=False)
    assert "--port PORT" in e.value.hint
