"""Issue 17: the flash gate cannot be talked round. Each shortcut that `flash --dry-run` used to
accept is tried on real builds (the uno's and the pico's serial firmware, gated on their emulated
cores behind a pty) and refused with exit 1 and a message naming the binding that failed; with a
record key an edited signed record is refused and an intact one accepted."""

import json
import os
import shutil
from dataclasses import replace

import numpy as np
import pytest

from hasaki_hil.build import firmware
from hasaki_hil.model import variant as variant_mod
from hasaki_hil.model.forward import predict
from hasaki_hil.quant import quantize, reference

from .test_quantize import pathology_data, pathology_model

PORT = "/dev/ttyACM0"
RECORD = "validation-serial-emulated.json"
KEY = "0123456789abcdef-test-key-for-ci"


@pytest.fixture
def setup(tmp_path, monkeypatch):
    monkeypatch.delenv("HASAKI_HIL_RECORD_KEY", raising=False)
    monkeypatch.delenv("HASAKI_HIL_RECORD_KEY_FILE", raising=False)
    data = pathology_data(tmp_path / "vectors.csv", n=120, seed=2)
    X = np.loadtxt(data, delimiter=",")[:, :4]
    good, bad = tmp_path / "good.variant", tmp_path / "bad.variant"
    variant_mod.save(quantize.build(pathology_model(), ["f32", "f32"], None, "f32"), good)
    variant_mod.save(quantize.build(pathology_model(), ["int8-wo", "int8-wo"], X, "int8-wo"), bad)
    return tmp_path, data, good, bad


def gate(cli, variant, folder, vectors, *extra, board="uno"):
    """Build the serial firmware into ``folder`` and run the emulator gate on it (writes the record)."""
    return cli(
        "flash", variant, "--board", board, "--build-dir", folder, "--port", PORT, "--vectors", vectors,
        "--dry-run", "--json", *extra,
    )  # fmt: skip


def flash(cli, variant, folder, *extra, board="uno"):
    """flash relying on the records beside the already-built firmware (no rebuild, no gate)."""
    return cli(
        "flash", variant, "--board", board, "--firmware", folder / "firmware.elf", "--port", PORT, "--dry-run",
        *extra,
    )  # fmt: skip


def refused(result, *says):
    code, out, err = result
    assert code == 1 and (out == "" or json.loads(out)["exit_code"] == 1), err
    assert "no PASSED validation record" in err or "verdict FAILED" in err, err
    for s in says:
        assert s in err, err
    return err


def edit_json(path, change):
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))


def test_an_edited_verdict_is_refused_and_vectors_rerun_the_gate(setup, cli):
    d, data, _, bad = setup
    assert gate(cli, bad, d / "bad", data)[0] == 1  # the gate ran and wrote a FAILED record
    edit_json(d / "bad" / RECORD, lambda doc: doc.update(verdict="PASSED"))
    refused(flash(cli, bad, d / "bad"), "verdict: PASSED does not follow from the record's own metrics")
    # with --vectors the gate runs again on the exact firmware and its fresh FAILED decides
    refused(gate(cli, bad, d / "bad", data), "verdict FAILED", "no older record counts")


def test_a_record_copied_from_another_variant_with_its_hashes_edited_is_refused(setup, cli):
    d, data, good, bad = setup
    assert gate(cli, good, d / "good", data)[0] == 0
    assert gate(cli, bad, d / "bad", data)[0] == 1
    bad_fw = firmware.load(d / "bad" / "firmware.json")

    def forge(doc):
        doc["firmware_sha256"] = bad_fw.sha256
        doc["variant_sha256"] = variant_mod.load(bad).sha256
        for a in doc["artefacts"]:
            a["sha256"] = firmware.sha256_file(d / "bad" / a["name"])

    shutil.copyfile(d / "good" / RECORD, d / "bad" / "validation-copied.json")
    edit_json(d / "bad" / "validation-copied.json", forge)
    err = refused(flash(cli, bad, d / "bad"), "validation-copied.json: ", "variant: the record judged f32 (f32,f32)")
    assert "sizes: the record says" in err


def test_a_hand_written_record_is_refused(setup, cli):
    d, data, _, bad = setup
    assert gate(cli, bad, d / "bad", data)[0] == 1
    fw = firmware.load(d / "bad" / "firmware.json")
    five = {"format": "hasaki-hil-validation", "version": 2, "verdict": "PASSED", "firmware_sha256": fw.sha256}
    five["variant_sha256"] = variant_mod.load(bad).sha256
    (d / "mine.json").write_text(json.dumps(five))
    refused(flash(cli, bad, d / "bad", "--record", d / "mine.json"), "damaged validation record (missing: ")
    shutil.copyfile(d / "mine.json", d / "bad" / "validation-mine.json")
    refused(flash(cli, bad, d / "bad"), "validation-mine.json is a damaged validation record")


def test_a_symlinked_record_is_refused(setup, cli):
    d, data, good, _ = setup
    assert gate(cli, good, d / "good", data)[0] == 0
    (d / "good" / RECORD).rename(d / "elsewhere.json")  # the genuine record, moved out and linked back in
    os.symlink(d / "elsewhere.json", d / "good" / "validation-link.json")
    refused(flash(cli, good, d / "good"), "validation-link.json: symlink")
    refused(flash(cli, good, d / "good", "--record", d / "good" / "validation-link.json"), "symlink")
    shutil.copyfile(d / "elsewhere.json", d / "good" / RECORD)  # the regular file is accepted
    assert flash(cli, good, d / "good")[0] == 0


def test_a_swapped_hex_is_refused(setup, cli):
    d, data, good, bad = setup
    assert gate(cli, good, d / "good", data)[0] == 0
    gate(cli, bad, d / "bad", data)
    shutil.copyfile(d / "bad" / "firmware.hex", d / "good" / "firmware.hex")  # avrdude uploads the HEX
    refused(flash(cli, good, d / "good"), "artefact firmware.hex: sha256 ")


def test_a_swapped_bin_or_uf2_is_refused(setup, cli):
    d, data, good, _ = setup
    code, _, err = gate(cli, good, d / "pico", data, board="pico")
    assert code == 0, err
    rec = json.loads((d / "pico" / RECORD).read_text())
    names = {a["name"]: a for a in rec["artefacts"]}
    assert set(names) == {"firmware.elf", "firmware.bin", "firmware.uf2"}
    assert names["firmware.bin"]["address"] == 0x10000000  # the RP2040's flash, where boot2 sits
    for name in ("firmware.bin", "firmware.uf2"):
        path = d / "pico" / name
        original = path.read_bytes()
        path.write_bytes(original[:-1] + bytes([original[-1] ^ 0xFF]))
        refused(flash(cli, good, d / "pico", board="pico"), f"artefact {name}: sha256 ")
        path.write_bytes(original)
    code, _, err = flash(cli, good, d / "pico", board="pico")
    assert code == 0, err


def test_firmware_json_pointing_at_another_image_is_refused(setup, cli):
    d, data, good, bad = setup
    assert gate(cli, good, d / "good", data)[0] == 0
    gate(cli, bad, d / "bad", data)
    fw = firmware.load(d / "good" / "firmware.json")
    firmware.save(replace(fw, image=str(d / "bad" / "firmware.hex")), d / "good" / "firmware.json")
    refused(flash(cli, good, d / "good"), "the uploader would write it, and the record does not bind it")


def test_a_one_vector_record_is_refused(setup, cli, tmp_path):
    d, data, good, _ = setup
    one = tmp_path / "one.csv"
    one.write_text(data.read_text().splitlines()[0] + "\n")
    code, out, _ = gate(cli, good, d / "good", one)
    assert code == 0 and json.loads(out)["gate"]["verdict"] == "PASSED"  # genuine, and proves nothing
    refused(flash(cli, good, d / "good"), "vectors: the record judged 1 rows; at least 100 are required")


def test_a_record_with_loosened_thresholds_is_refused(setup, cli):
    d, data, _, bad = setup
    code, _, err = gate(
        cli, bad, d / "bad", data, "--max-flip-rate", "1", "--max-accuracy-drop", "1", "--max-new-fn", "off"
    )
    assert code == 0, err  # the bad variant passes limits that allow everything
    refused(flash(cli, bad, d / "bad"), "thresholds: max_flip_rate 1.0 in the record, 0.001 asked for")


def test_a_stale_passed_record_never_outvotes_a_fresh_failed_run(setup, cli, tmp_path):
    d, data, _, bad = setup
    # the rows where the bad variant decides as the float model does: on those alone it passes
    rows = np.loadtxt(data, delimiter=",")
    v = variant_mod.load(bad)
    agree = (reference.run(v, rows[:, :4]).outputs[:, 0] >= 0.5) == (predict(v.parent, rows[:, :4])[:, 0] >= 0.5)
    easy = tmp_path / "easy.csv"
    np.savetxt(easy, rows[agree], delimiter=",", fmt="%.9g")
    assert 0 < agree.sum() < len(rows)
    assert gate(cli, bad, d / "bad", easy)[0] == 0
    shutil.copyfile(d / "bad" / RECORD, d / "bad" / "validation-old.json")  # a stale PASSED, kept
    before = (d / "bad" / "flash.json").read_text()
    refused(gate(cli, bad, d / "bad", data), "verdict FAILED", "no older record counts")
    assert (d / "bad" / "flash.json").read_text() == before  # nothing was (dry-)uploaded


def test_force_is_loud_and_says_why_in_flash_json(setup, cli):
    d, data, _, bad = setup
    gate(cli, bad, d / "bad", data)
    code, out, err = flash(cli, bad, d / "bad", "--force", "--json")
    assert code == 0 and "WARNING: --force" in err
    saved = json.loads((d / "bad" / "flash.json").read_text())
    assert saved["forced"] and saved["record"] is None and any("verdict: FAILED" in w for w in saved["refused_because"])


def test_with_a_key_a_signed_record_is_accepted_and_an_edited_one_refused(setup, cli, monkeypatch, tmp_path):
    d, data, good, _ = setup
    assert gate(cli, good, d / "unsigned", data)[0] == 0  # written without a key
    code, _, err = flash(cli, good, d / "unsigned")
    assert code == 0 and "records are unsigned and checked only for consistency" in err
    monkeypatch.setenv("HASAKI_HIL_RECORD_KEY", KEY)
    refused(flash(cli, good, d / "unsigned"), "signature: the record is unsigned, and a record key is set")
    code, out, err = gate(cli, good, d / "good", data)
    assert code == 0, err
    assert json.loads((d / "good" / RECORD).read_text())["signature"]["algorithm"] == "HMAC-SHA256"
    code, out, err = flash(cli, good, d / "good", "--json")
    assert code == 0 and json.loads(out)["signed"] is True and "unsigned" not in err
    # an edit the consistency checks cannot see (the time), and the signature can
    edit_json(d / "good" / RECORD, lambda doc: doc.update(time="2020-01-01T00:00:00+00:00"))
    refused(flash(cli, good, d / "good"), "signature: the record's HMAC does not verify")
    # a key file works the same; another key does not verify the record either
    monkeypatch.delenv("HASAKI_HIL_RECORD_KEY")
    (tmp_path / "key").write_text("another-key-of-enough-length\n")
    monkeypatch.setenv("HASAKI_HIL_RECORD_KEY_FILE", str(tmp_path / "key"))
    assert gate(cli, good, d / "good", data)[0] == 0
    monkeypatch.setenv("HASAKI_HIL_RECORD_KEY_FILE", str(tmp_path / "nokey"))
    code, _, err = flash(cli, good, d / "good")
    assert code == 2 and "cannot read the record key file" in err


def test_the_uploader_gets_private_copies_checked_against_the_record(setup, cli, tmp_path):
    """A real upload hands the uploader copies in a private folder, hashed after copying: a file
    swapped after the checks (between check and upload) is never written to the board."""
    from hasaki_hil.boards import registry as boards
    from hasaki_hil.commands import flash as flash_cmd
    from hasaki_hil.errors import GateFailed
    from hasaki_hil.gate import flash_policy
    from hasaki_hil.gate import record as record_mod

    d, data, good, bad = setup
    assert gate(cli, good, d / "good", data)[0] == 0
    fw = firmware.load(d / "good" / "firmware.json")
    cmd = flash_cmd.uploader_command(boards.get("uno"), fw.as_dict(), PORT)
    assert flash_policy.uploaded_paths(cmd) == [fw.image]
    rec = record_mod.load(d / "good" / RECORD)
    private = tmp_path / "private"
    private.mkdir()
    staged = flash_policy.stage(cmd, [fw.image], private, rec)
    (copy,) = private.iterdir()
    assert staged[-1] == f"flash:w:{copy}:i" and copy.read_bytes() == (d / "good" / "firmware.hex").read_bytes()
    gate(cli, bad, d / "bad", data)
    shutil.copyfile(d / "bad" / "firmware.hex", fw.image)  # swapped after the record was checked
    with pytest.raises(GateFailed, match="artefact firmware.hex: changed between the check and the upload"):
        flash_policy.stage(cmd, [fw.image], tmp_path, rec)
    # the other uploaders' command lines name their files too
    nucleo = {"elf": "/b/firmware.elf", "image": "/b/firmware.bin", "toolchain": "system"}
    assert flash_policy.uploaded_paths(flash_cmd.uploader_command(boards.get("nucleo_f446re"), nucleo, None)) == [
        "/b/firmware.elf"
    ]


def test_a_record_of_other_vectors_does_not_count_when_vectors_are_given(setup, cli, tmp_path):
    """Where the board cannot be emulated, flash --vectors checks the record judged exactly those vectors."""
    from hasaki_hil.gate import binding, flash_policy
    from hasaki_hil.gate import record as record_mod
    from hasaki_hil.gate import verdict as gate_verdict

    d, data, good, _ = setup
    assert gate(cli, good, d / "good", data)[0] == 0
    rec = record_mod.load(d / "good" / RECORD)
    fw = firmware.load(d / "good" / "firmware.json")
    v = variant_mod.load(good)
    same = flash_policy.policy(v, gate_verdict.Thresholds(), 0.5, data, 100)
    kw = {"fw": fw, "board": "uno", "variant": v, "uploaded": [fw.image], "key": None}
    assert binding.failures(rec, policy=same, **kw) == []
    fewer = tmp_path / "fewer.csv"
    fewer.write_text("".join(data.read_text().splitlines(keepends=True)[:60]))
    other = flash_policy.policy(v, gate_verdict.Thresholds(), 0.5, fewer, 100)
    assert binding.failures(rec, policy=other, **kw) == [
        f"vectors: the record judged other vectors (120 rows of {data}), not the 60 rows given"
    ]
