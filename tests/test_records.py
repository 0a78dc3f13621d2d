"""Typed records: a validation record (from a real `test --emulate` run) and a firmware record
survive save/load unchanged, and every kind of damaged, older or newer file is refused with
exit 2 and the file's name; a Variant knows the dtypes its firmware takes and returns."""

import json
from dataclasses import replace

import numpy as np
import pytest

from hasaki_hil.build import firmware
from hasaki_hil.errors import UserError
from hasaki_hil.gate import record as record_mod
from hasaki_hil.gate import verdict as gate
from hasaki_hil.model import variant as variant_mod
from hasaki_hil.model.mlp import Layer, Model, identity_normalisation
from hasaki_hil.quant import quantize

from .test_quantize import pathology_data, pathology_model


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """One real emulated run on the ATtiny85: its record, its --json output and its firmware record."""
    import contextlib
    import io

    from hasaki_hil.cli.main import main

    d = tmp_path_factory.mktemp("records")
    data = pathology_data(d / "vectors.csv", n=40, seed=7)
    good = d / "good.variant"
    variant_mod.save(quantize.build(pathology_model(), ["f32", "f32"], None, "f32"), good)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["test", str(good), "--board", "attiny85", "--emulate", "--vectors", str(data), "--json"])
        code += main(["build", str(good), "--board", "attiny85", "-o", str(d / "fw"), "--json"])
    assert code == 0
    result = json.loads(out.getvalue().splitlines()[0])
    return d, result


def test_a_record_survives_save_and_load_and_its_json_is_the_command_output(run, tmp_path):
    _, result = run
    rec = record_mod.load(result["record"])
    assert rec.passed and rec.board == "attiny85" and rec.cycles.provenance == "exact" and rec.cycles.has_figures
    assert rec.metrics.flips == 0 and rec.thresholds == gate.Thresholds().resolve(binary=True) and rec.sizes.flash > 0
    assert rec.as_dict() == {k: v for k, v in result.items() if k not in ("record", "passed")}
    assert record_mod.from_result(result) == rec
    record_mod.save(rec, tmp_path / "again.json")
    assert record_mod.load(tmp_path / "again.json") == rec
    saved = json.loads((tmp_path / "again.json").read_text())
    assert saved["format"] == "hasaki-hil-validation" and saved["version"] == record_mod.VERSION
    # a record without a cycle counter keeps only its provenance, and reads back the same
    bare = replace(rec, cycles=record_mod.CycleSummary("none"))
    record_mod.save(bare, tmp_path / "bare.json")
    assert record_mod.load(tmp_path / "bare.json").cycles == record_mod.CycleSummary("none")
    assert json.loads((tmp_path / "bare.json").read_text())["cycles"] == {"provenance": "none"}


def _edit(doc: dict, change: str) -> dict:
    doc = json.loads(json.dumps(doc))
    if change == "missing verdict":
        del doc["verdict"]
    elif change == "rows as text":
        doc["rows"] = "40"
    elif change == "unknown field":
        doc["approved_by"] = "me"
    elif change == "verdict not a verdict":
        doc["verdict"] = "PASSED!"
    elif change == "hash not a sha256":
        doc["firmware_sha256"] = "deadbeef"
    elif change == "unknown metric":
        doc["metrics"]["vibes"] = 1.0
    elif change == "partial cycles":
        del doc["cycles"]["max"]
    elif change == "unknown provenance":
        doc["cycles"]["provenance"] = "trust me"
    elif change == "thresholds out of range":
        doc["thresholds"]["max_flip_rate"] = 2.0
    elif change == "sizes as text":
        doc["sizes"]["flash"] = "small"
    elif change == "count as bool":
        doc["link_retries"] = False
    return doc


@pytest.mark.parametrize(
    "change, says",
    [
        ("missing verdict", "missing: verdict"),
        ("rows as text", "rows has the wrong type"),
        ("unknown field", "unknown field in the record: approved_by"),
        ("verdict not a verdict", "neither PASSED nor FAILED"),
        ("hash not a sha256", "firmware_sha256 is not a sha256"),
        ("unknown metric", "unknown field in metrics: vibes"),
        ("partial cycles", "some figures but not all"),
        ("unknown provenance", "cycles.provenance"),
        ("thresholds out of range", "max-flip-rate must be within"),
        ("sizes as text", "sizes.flash has the wrong type"),
        ("count as bool", "link_retries has the wrong type"),
    ],
)
def test_damaged_records_are_refused_naming_the_file_and_the_field(run, tmp_path, cli, change, says):
    _, result = run
    doc = json.loads(open(result["record"]).read())
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(_edit(doc, change)))
    with pytest.raises(UserError, match="damaged validation record") as e:
        record_mod.load(bad)
    assert str(bad) in str(e.value) and says in str(e.value)
    code, out, err = cli("report", bad)
    assert code == 2 and out == "" and str(bad) in err and says in err and "Traceback" not in err


def test_older_newer_and_unreadable_records_are_refused(run, tmp_path, cli):
    _, result = run
    doc = json.loads(open(result["record"]).read())
    for version, says in ((1, "older hasaki-hil (format 1"), (record_mod.VERSION + 1, "newer hasaki-hil")):
        path = tmp_path / f"v{version}.json"
        path.write_text(json.dumps({**doc, "version": version}))
        code, _, err = cli("report", path)
        assert code == 2 and str(path) in err and says in err
    cut = tmp_path / "cut.json"
    cut.write_text(json.dumps(doc)[:300])
    code, _, err = cli("report", cut)
    assert code == 2 and str(cut) in err and "damaged or not JSON" in err
    other = tmp_path / "other.json"
    other.write_text(json.dumps({**doc, "format": "hasaki-hil-firmware"}))
    with pytest.raises(UserError, match="no 'hasaki-hil-validation' format tag"):
        record_mod.load(other)


def test_firmware_record_round_trip_and_damage(run, tmp_path):
    d, _ = run
    fw = firmware.load(d / "fw" / "firmware.json")
    assert fw.board == "attiny85" and fw.sha256 == firmware.sha256_file(fw.elf) and fw.flash_bytes > 0
    firmware.save(fw, tmp_path / "firmware.json")
    assert firmware.load(tmp_path / "firmware.json") == fw
    doc = json.loads((tmp_path / "firmware.json").read_text())
    for edit, says in (
        (lambda x: x.pop("image"), "missing image"),
        (lambda x: x.update(flash_bytes="lots"), "flash_bytes has the wrong type"),
        (lambda x: x.update(uploader="mine"), "unknown field uploader"),
        (lambda x: x.update(elf=None), "elf has the wrong type"),
    ):
        bad = json.loads(json.dumps(doc))
        edit(bad)
        (tmp_path / "bad.json").write_text(json.dumps(bad))
        with pytest.raises(UserError, match="damaged firmware record") as e:
            firmware.load(tmp_path / "bad.json")
        assert str(tmp_path / "bad.json") in str(e.value) and says in str(e.value)
    (tmp_path / "new.json").write_text(json.dumps({**doc, "version": firmware.VERSION + 1}))
    with pytest.raises(UserError, match="newer hasaki-hil"):
        firmware.load(tmp_path / "new.json")


def _softmax_model() -> Model:
    rng = np.random.default_rng(1)
    layers = (
        Layer(rng.normal(size=(3, 2)).astype(np.float32), np.zeros(3, np.float32), "relu"),
        Layer(rng.normal(size=(2, 3)).astype(np.float32), np.zeros(2, np.float32), "softmax"),
    )
    return Model(layers=layers, **identity_normalisation(2))


@pytest.mark.parametrize(
    "model, kinds, dtypes",
    [
        (pathology_model, ["int8", "int8"], ("int8", "int8")),  # int8 sigmoid output: int8 on the wire
        (pathology_model, ["f32", "int8"], ("float32", "int8")),
        (pathology_model, ["int8", "f32"], ("int8", "float32")),
        (pathology_model, ["int8-wo", "int8-wo"], ("float32", "float32")),  # weight-only: float activations
        (_softmax_model, ["int8", "int8"], ("int8", "float32")),  # softmax runs in float on the int8 logits
    ],
)
def test_a_variant_knows_its_input_and_output_dtypes(model, kinds, dtypes):
    m = model()
    X = np.random.default_rng(0).random((50, m.n_inputs)).astype(np.float32)
    v = quantize.build(m, kinds, X, "mixed")
    assert (v.input_dtype.name, v.output_dtype.name) == dtypes
    assert (v.input_is_int8, v.output_is_int8) == (dtypes[0] == "int8", dtypes[1] == "int8")
    # the generated C agrees: predict's signature uses the same types
    from hasaki_hil.codegen import cheader

    c = {"int8": "int8_t", "float32": "float"}
    assert cheader._io_types(v) == (c[dtypes[0]], c[dtypes[1]])


def test_the_gate_verdict_is_a_frozen_type():
    m = {"rows": 10, "flips": 2, "flip_rate": 0.2, "l2r": 0.01, "max_abs_error": 0.1}
    judged = gate.verdict(m, gate.Thresholds(max_flip_rate=0.1))
    assert judged == gate.Verdict(False, ("flip rate 20.000% (2 of 10 rows) > 10.000%",))
    with pytest.raises(AttributeError):
        judged.passed = True
