"""The commands on a model file: ``info``, ``predict``, ``validate`` and ``import`` (of a Hasaki header)."""

import math

import numpy as np

from hasaki_hil.commands.options import add_header_flag, add_json, fraction
from hasaki_hil.data import csvfile as data
from hasaki_hil.data import finite
from hasaki_hil.errors import UserError
from hasaki_hil.files import atomic
from hasaki_hil.gate import metrics
from hasaki_hil.model import hasaki_header, modelfile
from hasaki_hil.model.forward import predict as forward_predict


def parse_vector(text: str, n_inputs: int) -> np.ndarray:
    cells = [c.strip() for c in text.split(",")]
    if len(cells) != n_inputs:
        raise UserError(f"--input has {len(cells)} values; the model takes {n_inputs}")
    values = []
    for i, c in enumerate(cells, start=1):
        try:
            v = float(c)
        except ValueError:
            raise UserError(f"--input value {i} ({c!r}) is not a number") from None
        if not math.isfinite(v):
            raise UserError(f"--input value {i} is {c}; inputs must be finite")
        values.append(v)
    return np.array(values)


def predict(model_path, inputs: list[str]) -> dict:
    model = modelfile.load(model_path)
    X = np.stack([parse_vector(t, model.n_inputs) for t in inputs])

    def where(r: int, c: int) -> str:
        return f"--input {r + 1} value {c + 1}" if len(inputs) > 1 else f"--input value {c + 1}"

    finite.check_inputs(model, X, where)
    out = forward_predict(model, X)
    finite.check_outputs(model, X, out, where)
    result = {"model": str(model_path), "sha256": model.sha256, "outputs": out.astype(float).tolist()}
    if model.is_classifier:
        result["decisions"] = np.asarray(metrics.decide(model.output_activation, out)).astype(int).tolist()
    return result


def validate(
    model_path,
    data_path,
    header: bool | None = None,
    threshold: float = 0.5,
    per_row=None,
    min_accuracy: float | None = None,
) -> dict:
    """Aggregate and per-row errors of the model on labelled data; ``passed`` if the
    accuracy reaches ``min_accuracy`` (when given)."""
    if not 0.0 <= threshold <= 1.0 or (min_accuracy is not None and not 0.0 <= min_accuracy <= 1.0):
        raise UserError("--threshold and --min-accuracy must be within [0, 1]")
    model = modelfile.load(model_path)
    ds = data.load_csv(data_path, model.n_inputs, model.n_outputs, model.output_activation, header=header)
    finite.check_inputs(model, ds.X, finite.csv_place(ds))
    out = forward_predict(model, ds.X)
    finite.check_outputs(model, ds.X, out, finite.csv_place(ds))
    errors = metrics.error_summary(out, ds.Y)
    errors["worst_line"] = int(ds.lines[errors["worst_row"]])
    result = {"model": str(model_path), "sha256": model.sha256, "data": str(data_path), "rows": ds.n_rows, **errors}
    if model.is_classifier:
        result.update(metrics.classification(model.output_activation, out, ds.Y, threshold))
    if min_accuracy is not None:
        acc = result.get("accuracy")
        if acc is None:
            raise UserError("--min-accuracy needs a classifier (sigmoid or softmax output)")
        result["min_accuracy"] = min_accuracy
        result["passed"] = acc >= min_accuracy
    if per_row:
        rows = metrics.row_errors(out, ds.Y)
        head = (
            "line,error,"
            + ",".join(f"out{j}" for j in range(out.shape[1]))
            + ","
            + ",".join(f"label{j}" for j in range(ds.Y.shape[1]))
        )
        lines = [head] + [
            f"{ln},{e:.9g}," + ",".join(f"{v:.9g}" for v in o) + "," + ",".join(f"{v:.9g}" for v in y)
            for ln, e, o, y in zip(ds.lines, rows, out, ds.Y)
        ]
        atomic.write_text(per_row, "\n".join(lines) + "\n")
        result["per_row"] = str(per_row)
    return result


def info(model_path) -> dict:
    model = modelfile.load(model_path)
    return {
        "model": str(model_path),
        "name": model.name,
        "format_version": modelfile.VERSION,
        "sha256": model.sha256,
        "dims": list(model.dims),
        "activations": list(model.activations),
        "parameters": model.n_params,
        "quantized_layers": [k + 1 for k, layer in enumerate(model.layers) if layer.qweights is not None],
        "normalisation": {
            "input_min": model.input_min.astype(float).tolist(),
            "input_max": model.input_max.astype(float).tolist(),
            "input_offset": model.input_offset.astype(float).tolist(),
            "input_scale": model.input_scale.astype(float).tolist(),
        },
        "training": model.training,
    }


def import_file(header, output) -> dict:
    return hasaki_header.import_file(header, output)


def add_parser(sub) -> None:
    p = sub.add_parser("info", help="show a model file: architecture, hash, training settings")
    p.add_argument("model")
    add_json(p)
    p.set_defaults(run=lambda a: info(a.model), render="info")

    p = sub.add_parser("predict", help="run the float model on input vectors")
    p.add_argument("model")
    p.add_argument(
        "--input",
        action="append",
        required=True,
        metavar="V1,V2,...",
        help="comma-separated inputs; repeat for several vectors",
    )
    add_json(p)
    p.set_defaults(run=lambda a: predict(a.model, a.input), render="predict")

    p = sub.add_parser("validate", help="errors, accuracy and confusion matrix on labelled data")
    p.add_argument("model")
    p.add_argument("data")
    p.add_argument("--threshold", type=fraction, default=0.5, help="decision threshold for sigmoid outputs")
    p.add_argument("--min-accuracy", type=fraction, help="exit 1 when accuracy is below this (0..1)")
    p.add_argument("--per-row", metavar="CSV", help="write each row's error and outputs to this CSV")
    add_header_flag(p)
    add_json(p)
    p.set_defaults(run=_run_validate, render="validate")

    p = sub.add_parser("import", help="import a C header exported by Hasaki (float or int8)")
    p.add_argument("header", help="the .h file")
    p.add_argument("-o", "--output", required=True, help="model file to write")
    add_json(p)
    p.set_defaults(run=lambda a: import_file(a.header, a.output), render="import")


def _run_validate(args) -> dict:
    return validate(
        args.model,
        args.data,
        header=args.header,
        threshold=args.threshold,
        per_row=args.per_row,
        min_accuracy=args.min_accuracy,
    )
