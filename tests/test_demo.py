import json


def test_demo_runs_the_whole_pipeline_on_the_example(tmp_path, cli):
    code, out, err = cli("demo", "--workdir", tmp_path, "--json")
    assert code == 0, err
    r = json.loads(out)
    assert r["passed"] and r["quantize"]["passed"] and r["test"]["verdict"] == "PASSED"
    assert r["test"]["cycles"]["provenance"] == "exact"
    assert (tmp_path / "validation-attiny85.json").is_file()
    page = (tmp_path / "report.html").read_text()
    assert r["report"] == str(tmp_path / "report.html") and "PASSED" in page and "data:image/png" in page
