"""quantize-test --scheme auto --board B: the passing candidates built for B, timed on its emulated
core and ranked by measured cycles (issue #19 point 3). Real cross-compilers, real cores."""

import json

import numpy as np
import pytest

from hasaki_hil.model import modelfile
from hasaki_hil.model import variant as variant_mod
from hasaki_hil.model.forward import predict
from hasaki_hil.model.mlp import Layer, Model, identity_normalisation
from tests.test_quantize import pathology_data, pathology_model


@pytest.fixture
def case(tmp_path):
    model = tmp_path / "m.hsk"
    modelfile.save(pathology_model(), model)
    return model, pathology_data(tmp_path / "d.csv", n=400)


def _auto(cli, model, data, *extra):
    code, out, err = cli("quantize-test", model, data, "--scheme", "auto", "--no-header", "--json", *extra)
    assert code == 0, err
    return json.loads(out)


def test_attiny85_picks_the_fewest_measured_cycles(cli, case, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # `build` writes ./build: here, not in the repository
    model, data = case
    chosen_file = tmp_path / "chosen.hskv"
    r = _auto(cli, model, data, "--board", "attiny85", "-o", chosen_file, "--speed-slack", "0")
    a = r["auto"]
    ranking = a["ranking"]
    assert a["board"] == "attiny85" and a["sample_rows"] == 64
    assert len(ranking) == a["passing"] > 2  # every passing candidate was built and timed, no failing one
    assert all(row["fits"] and row["provenance"] == "exact" and row["rows_timed"] == 64 for row in ranking)
    assert all(row["counter"].startswith("avr core") and row["mismatch"] == 0 for row in ranking)
    cycles = [row["cycles_median"] for row in ranking]
    assert cycles == sorted(cycles) and cycles[0] < cycles[-1]
    assert [row["chosen"] for row in ranking] == [True] + [False] * (len(ranking) - 1)
    best = ranking[0]["variant"]
    assert r["candidate"] == best and r["passed"]
    assert variant_mod.load(chosen_file).sha256 == best["sha256"]  # -o writes the chosen variant
    # on this model the size order and the cycle order disagree: the board changes the choice
    plain = _auto(cli, model, data)
    assert plain["candidate"]["sha256"] != best["sha256"]
    # the chosen figure is what `test --emulate` measures on the same 64 rows
    rows64 = tmp_path / "64.csv"
    rows64.write_text("".join(data.read_text().splitlines(keepends=True)[:64]))
    code, out, err = cli("build", chosen_file, "--board", "attiny85", "--toolchain", "system", "--json")
    assert code == 0, err
    code, out, err = cli(
        "test", chosen_file, "--board", "attiny85", "--emulate", "--vectors", rows64, "--no-header", "--json"
    )
    assert code == 0, err
    assert json.loads(out)["cycles"]["median"] == ranking[0]["cycles_median"]


def test_without_board_the_smallest_passing_variant_as_before(cli, case):
    model, data = case
    r = _auto(cli, model, data)
    assert "ranking" not in r["auto"] and "board" not in r["auto"]
    # and int8x16 runs of 1 or 2 layers, each with and without equalisation, full and half fold
    assert r["auto"]["tried"] == 2 * 3**2 - 1 + 2 * 2 * 2
    code, out, _ = cli("quantize-test", model, data, "--scheme", "auto", "--no-header")
    assert code == 0 and "passing candidates on" not in out
    assert r["candidate"]["param_bytes"] == min(
        row["param_bytes"] for row in [r["candidate"]] + [u["variant"] for u in r["auto"]["uniform"] if u["passed"]]
    )


def test_esp32c3_cycles_are_estimates(cli, case):
    model, data = case
    r = _auto(cli, model, data, "--board", "esp32c3")
    ranking = r["auto"]["ranking"]
    assert ranking and all(row["provenance"] == "estimate" and row["mismatch"] == 0 for row in ranking)
    cycles = [row["cycles_median"] for row in ranking]
    assert cycles == sorted(cycles) and r["candidate"] == ranking[0]["variant"]


def test_board_table_in_human_output(cli, case):
    model, data = case
    code, out, err = cli("quantize-test", model, data, "--scheme", "auto", "--no-header", "--board", "attiny85")
    assert code == 0, err
    assert "passing candidates on attiny85" in out and " exact" in out and "flash B" in out


def test_candidates_that_do_not_fit_are_listed_not_chosen(cli, tmp_path):
    """4-100-1: float activations (2 x 100 x 4 B) overflow the ATtiny85's 512 B of RAM, int8 ones
    do not; the smallest passing variant by parameter bytes is one that does not fit."""
    rng = np.random.default_rng(0)
    w1, b1 = rng.normal(size=(100, 4)).astype(np.float32), (rng.normal(size=100) * 0.1).astype(np.float32)
    w2 = (rng.normal(size=(1, 100)) / 20).astype(np.float32)
    m = Model(
        layers=(Layer(w1, b1, "relu"), Layer(w2, np.zeros(1, np.float32), "sigmoid")),
        name="wide",
        **identity_normalisation(4),
    )
    modelfile.save(m, tmp_path / "w.hsk")
    X = rng.random((300, 4))
    np.savetxt(tmp_path / "w.csv", np.column_stack([X, predict(m, X)[:, 0] >= 0.5]), delimiter=",", fmt="%.9g")
    gate = ("--max-flip-rate", "0.02", "--max-new-fn", "off")
    r = _auto(cli, tmp_path / "w.hsk", tmp_path / "w.csv", "--board", "attiny85", "--speed-slack", "0", *gate)
    ranking = r["auto"]["ranking"]
    fits = [row["fits"] for row in ranking]
    assert any(fits) and not all(fits) and fits == sorted(fits, reverse=True)  # fitting ones first
    assert all(
        row["cycles_median"] is None and "RAM" in " ".join(row["fit_reasons"]) for row in ranking if not row["fits"]
    )
    assert r["candidate"] == ranking[0]["variant"] and ranking[0]["chosen"]
    assert set(r["candidate"]["layers"]) <= {"int8", "int8x16"}
    plain = _auto(cli, tmp_path / "w.hsk", tmp_path / "w.csv", *gate)
    assert plain["candidate"]["param_bytes"] < r["candidate"]["param_bytes"]  # the size pick would not fit


def test_within_the_speed_slack_the_fewest_decision_errors_win(cli, case, tmp_path, monkeypatch):
    from hasaki_hil.commands.auto_board import choose

    def row(cycles, flips, new_fn=0, fits=True):
        return {"cycles_median": cycles, "flips": flips, "new_fn": new_fn, "fits": fits}

    ranked = [(row(8500, 4), "a"), (row(10177, 2), "b"), (row(10465, 0), "c"), (row(61000, 0), "f32")]
    assert choose(ranked, 0.25) == "c"  # 10465 <= 1.25 * 8500; f32 is too slow to count
    assert choose(ranked, 0.0) == "a" and choose(ranked, 0.2) == "b"
    assert choose([(row(100, 0, new_fn=1), "x"), (row(110, 3), "y")], 0.25) == "y"  # new FN before flips
    assert choose([(row(None, 0), "p"), (row(None, 0), "q")], 0.25) == "p"  # no emulator: the first that fits
    assert choose([(row(90, 0, fits=False), "big"), (row(100, 1), "ok")], 0.25) == "ok"
    assert choose([(row(90, 0, fits=False), "big")], 0.25) is None
    # the Pareto front over (new FN, flips, cycles, flash)
    from hasaki_hil.commands.auto_board import pareto

    rows = [dict(r, flash_bytes=f) for (r, _), f in zip(ranked, (3738, 3208, 2676, 2804))]
    assert [pareto(r, rows) for r in rows] == [True, True, True, False]  # f32: 0 flips but slower and bigger
    assert not pareto(row(None, 0), rows) and not pareto(row(1, 0, fits=False), rows)
    # end to end: the default slack is 25% and the choice keeps the most decisions within it
    monkeypatch.chdir(tmp_path)
    model, data = case
    a = _auto(cli, model, data, "--board", "attiny85")["auto"]
    assert a["speed_slack"] == 0.25
    timed = [r for r in a["ranking"] if r["fits"]]
    fast = [r for r in timed if r["cycles_median"] <= 1.25 * timed[0]["cycles_median"]]
    chosen = [r for r in a["ranking"] if r["chosen"]]
    assert len(chosen) == 1 and chosen[0] in fast
    assert (chosen[0]["new_fn"], chosen[0]["flips"]) == min((r["new_fn"], r["flips"]) for r in fast)
    assert chosen[0]["pareto"] and any(r["pareto"] for r in timed)


@pytest.mark.parametrize(
    "extra, message",
    [
        (("--scheme", "auto", "--speed-slack", "0.1"), "--speed-slack applies to --scheme auto --board B"),
        (("--scheme", "auto", "--board", "attiny85", "--speed-slack", "-1"), "--speed-slack must be a finite"),
        (("--scheme", "auto", "--board", "attiny85", "--speed-slack", "nan"), "--speed-slack must be a finite"),
        (("--scheme", "auto", "--board", "no-such-board"), "unknown board 'no-such-board'"),
        (("--scheme", "int8", "--board", "attiny85"), "--board ranks the candidates of --scheme auto"),
    ],
)
def test_board_misuse_exits_2(cli, case, extra, message):
    model, data = case
    code, out, err = cli("quantize-test", model, data, "--no-header", *extra)
    assert code == 2 and message in err and "Traceback" not in err
