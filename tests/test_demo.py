import json


def test_demo_runs_the_whole_pipeline_on_the_example(tmp_path, cli):
    code, out, err = cli("demo", "--workdir", tmp_path, "--json")
    assert code == 0, err
    r = json.loads(out)
    assert r["passed"] and r["quantize"]["passed"]
    assert r["tests"]["attiny85"]["cycles"]["provenance"] == "exact"
    assert r["tests"]["esp32c3"]["cycles"]["provenance"] == "estimate"
    assert r["tests"]["esp32"]["target"] == "emulator:xtensa:esp32"
    assert [p["board"] for p in r["flash_plan"] if p["would_flash"]] == ["attiny85", "esp32", "esp32c3"]
    assert (tmp_path / "validation-attiny85.json").is_file() and (tmp_path / "validation-esp32c3.json").is_file()
    page = (tmp_path / "report.html").read_text()
    assert r["report"] == str(tmp_path / "report.html") and "PASSED" in page and "data:image/png" in page
