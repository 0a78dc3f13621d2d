"""--junit on test and quantize-test: JUnit XML that CI systems read, one case per board/variant."""

import xml.etree.ElementTree as ET

import numpy as np

from hasaki_hil.model import modelfile
from hasaki_hil.model import variant as variant_mod
from hasaki_hil.quant import quantize

from .test_quantize import pathology_data, pathology_model


def _check_junit(path) -> list[ET.Element]:
    """The structure JUnit consumers rely on: testsuites > testsuite > testcase, counts that add up."""
    root = ET.parse(path).getroot()
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert len(suites) == 1
    cases = suites[0].findall("testcase")
    for el in (root, suites[0]):
        assert int(el.get("tests")) == len(cases)
        assert int(el.get("failures")) == sum(c.find("failure") is not None for c in cases)
    for c in cases:
        assert c.get("name") and c.get("classname") and float(c.get("time")) >= 0
    return cases


def test_junit_from_the_emulated_gate(tmp_path, cli):
    data = pathology_data(tmp_path / "v.csv", n=120, seed=3)
    X = np.loadtxt(data, delimiter=",")[:, :4]
    good, bad = tmp_path / "good.variant", tmp_path / "bad.variant"
    variant_mod.save(quantize.build(pathology_model(), ["f32", "f32"], None, "f32"), good)
    variant_mod.save(quantize.build(pathology_model(), ["int8-wo", "int8-wo"], X, "int8-wo"), bad)
    for path, board, expected in ((good, "attiny85", 0), (bad, "esp32c3", 1)):
        xml = tmp_path / f"{board}.xml"
        code, _, _ = cli(
            "test",
            path,
            "--board",
            board,
            "--emulate",
            "--vectors",
            data,
            "--junit",
            xml,
            "--record",
            tmp_path / f"{board}.json",
        )
        assert code == expected
        (case,) = _check_junit(xml)
        assert case.get("name").startswith(f"{board}/")
        assert (case.find("failure") is not None) == bool(expected)
        if expected:
            assert "flip rate" in case.find("failure").get("message")


def test_junit_from_quantize_test_auto(tmp_path, cli):
    data = pathology_data(tmp_path / "v.csv", n=300, seed=4)
    modelfile.save(pathology_model(), tmp_path / "m.model")
    code, _, _ = cli("quantize-test", tmp_path / "m.model", data, "--scheme", "auto", "--junit", tmp_path / "q.xml")
    assert code == 0
    cases = _check_junit(tmp_path / "q.xml")
    names = [c.get("name") for c in cases]
    assert names[0].startswith("auto:") and "uniform:int8-wo,int8-wo" in names
    assert cases[0].find("failure") is None
    assert next(c for c in cases if c.get("name") == "uniform:int8-wo,int8-wo").find("failure") is not None
