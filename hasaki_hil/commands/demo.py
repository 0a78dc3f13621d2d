"""The ``demo`` command: the main job on the built-in example (``hasaki_hil/examples/smoke``).

Train the example model, validate it, let the quantisation gate pick the smallest passing
variant, build firmware for the ATtiny85, the ESP32 and the ESP32-C3, prove it on their emulated
cores and write the HTML report. Each step is the library function behind the matching CLI command.
"""

import json
from pathlib import Path

from hasaki_hil.commands import model_files as evaluate
from hasaki_hil.commands import quantize as quantize_cmd
from hasaki_hil.commands import test as hil_test
from hasaki_hil.commands.options import add_json
from hasaki_hil.errors import UserError
from hasaki_hil.gate import record as records
from hasaki_hil.gate import verdict as gate
from hasaki_hil.progress import Steps
from hasaki_hil.report import assemble as report
from hasaki_hil.resources import EXAMPLE_DIR
from hasaki_hil.train import training

BOARDS = ("attiny85", "esp32", "esp32c3")  # the boards on the desk: exact, own Xtensa core, unicorn


def demo(workdir, example_dir=EXAMPLE_DIR, boards=BOARDS, show_progress: bool = True) -> dict:
    example_dir = Path(example_dir)
    spec_path = example_dir / "spec.json"
    if not spec_path.is_file():
        raise UserError(
            f"example spec {spec_path} not found", hint="the installed package is incomplete: reinstall hasaki-hil"
        )
    spec = json.loads(spec_path.read_text())
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    model_path = workdir / f"{spec['name']}.model"
    train_csv, test_csv = example_dir / spec["train"], example_dir / spec["test"]
    steps = Steps(4 + len(boards), "demo", enabled=show_progress)
    steps.step(f"train {spec['arch']} on {train_csv.name}")
    trained = training.train_file(
        train_csv,
        model_path,
        arch=spec["arch"],
        act=spec["act"],
        config={"epochs": spec["epochs"]},
        seed=spec["seed"],
        name=spec["name"],
        show_progress=show_progress,
    )
    steps.step(f"validate on {test_csv.name}")
    validated = evaluate.validate(model_path, test_csv, min_accuracy=spec["min_accuracy"])
    # The example is a 1% label-noise problem: allow 1% of decisions to move.
    thresholds = gate.Thresholds(max_flip_rate=0.01, max_accuracy_drop=0.01)
    variant_path = workdir / f"{spec['name']}.variant"
    steps.step("quantisation gate: quantize-test --scheme auto")
    chosen = quantize_cmd.quantize_test(
        model_path, test_csv, "auto", calib=train_csv, thresholds=thresholds, out=variant_path
    )
    result = {"workdir": str(workdir), "train": trained, "validate": validated, "quantize": chosen}
    if not chosen["passed"]:
        result["passed"] = False
        return result
    tests = {}
    for board in boards:
        steps.step(f"build and test on the emulated {board}")
        tests[board] = hil_test.run_test(
            variant_path,
            board,
            test_csv,
            emulate=True,
            thresholds=thresholds,
            record_path=workdir / f"validation-{board}.json",
            show_progress=show_progress,
        )
    result.update(tests=tests, passed=validated["passed"] and all(t["passed"] for t in tests.values()))
    result["flash_plan"] = [flash_decision(board, t) for board, t in tests.items()]
    steps.step("report")
    result["report"] = report.report([t["record"] for t in tests.values()], workdir / "report.html")["output"]
    return result


def flash_decision(board: str, t: dict) -> dict:
    """What `hasaki-hil flash` would do for this board, and why (``t``: a ``test`` result)."""
    rec = records.from_result(t)
    if rec.passed:
        why = (
            f"{rec.scheme} variant {rec.variant_sha256[:12]} PASSED on the emulated {board} "
            f"(firmware {rec.firmware_sha256[:12]}, record {t['record']})"
        )
    else:
        why = f"no: the emulated {board} FAILED ({rec.reasons[0]})"
    return {"board": board, "would_flash": rec.passed, "variant_sha256": rec.variant_sha256, "why": why}


def add_parser(sub) -> None:
    p = sub.add_parser("demo", help="the main job on the built-in example (shipped with the package)")
    p.add_argument("--workdir", default="build/demo", help="where to write results (default ./build/demo)")
    add_json(p)
    p.set_defaults(run=lambda args: demo(args.workdir, show_progress=not args.json), render="demo")
