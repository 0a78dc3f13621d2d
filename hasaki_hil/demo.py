"""The ``demo`` command: the main job on the built-in example in ``models/example``.

Trains the example model from its spec, validates it on the example's test file and
gates on the spec's minimum accuracy. Later pipeline stages join here as they land.
"""

import json
from pathlib import Path

from . import evaluate, training
from .errors import UserError

EXAMPLE_DIR = Path(__file__).resolve().parents[1] / "models" / "example"


def run(workdir, example_dir=EXAMPLE_DIR, show_progress: bool = True) -> dict:
    example_dir = Path(example_dir)
    spec_path = example_dir / "spec.json"
    if not spec_path.is_file():
        raise UserError(f"example spec {spec_path} not found", hint="run from a hasaki-hil checkout")
    spec = json.loads(spec_path.read_text())
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    model_path = workdir / f"{spec['name']}.model"
    trained = training.train_file(
        example_dir / spec["train"],
        model_path,
        arch=spec["arch"],
        act=spec["act"],
        config={"epochs": spec["epochs"]},
        seed=spec["seed"],
        name=spec["name"],
        show_progress=show_progress,
    )
    validated = evaluate.validate(model_path, example_dir / spec["test"], min_accuracy=spec["min_accuracy"])
    return {"workdir": str(workdir), "train": trained, "validate": validated, "passed": validated["passed"]}
