"""JUnit XML for CI systems: one test case per board and variant, a failure element when
the verdict is FAILED. Written atomically."""

import xml.etree.ElementTree as ET

from hasaki_hil.files import atomic
from hasaki_hil.gate.record import ValidationRecord


def case(name: str, classname: str, passed: bool, message: str, details: list[str], seconds: float = 0.0) -> dict:
    return {
        "name": name,
        "classname": classname,
        "passed": passed,
        "message": message,
        "details": details,
        "seconds": seconds,
    }


def record_case(rec: ValidationRecord, path) -> dict:
    """The case for one validation record; its reasons list what failed first (faults, reference
    mismatches, then the gate's failing limits)."""
    return case(
        f"{rec.board}/{rec.scheme}:{rec.variant_sha256[:12]}",
        f"hasaki-hil.test.{rec.board}",
        rec.passed,
        rec.reasons[0] if rec.reasons else "",
        [*rec.reasons, f"record: {path}"],
    )


def write(path, suite: str, cases: list[dict]) -> None:
    failures = sum(not c["passed"] for c in cases)
    root = ET.Element("testsuites", tests=str(len(cases)), failures=str(failures), errors="0")
    ts = ET.SubElement(
        root,
        "testsuite",
        name=suite,
        tests=str(len(cases)),
        failures=str(failures),
        errors="0",
        skipped="0",
        time=f"{sum(c['seconds'] for c in cases):.3f}",
    )
    for c in cases:
        tc = ET.SubElement(ts, "testcase", name=c["name"], classname=c["classname"], time=f"{c['seconds']:.3f}")
        if not c["passed"]:
            failure = ET.SubElement(tc, "failure", message=c["message"], type="GateFailed")
            failure.text = "\n".join(c["details"])
        else:
            out = ET.SubElement(tc, "system-out")
            out.text = "\n".join(c["details"])
    ET.indent(root)
    atomic.write_bytes(path, ET.tostring(root, encoding="utf-8", xml_declaration=True))
