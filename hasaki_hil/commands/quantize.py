"""The ``quantize`` and ``quantize-test`` commands."""

from hasaki_hil.commands.options import add_gate_flags, add_header_flag, add_json, gate_thresholds
from hasaki_hil.data import csvfile as data
from hasaki_hil.data import finite
from hasaki_hil.errors import UserError
from hasaki_hil.gate import metrics
from hasaki_hil.gate import verdict as gate
from hasaki_hil.model import modelfile
from hasaki_hil.model import variant as variant_mod
from hasaki_hil.model.forward import predict as float_predict
from hasaki_hil.model.variant import KINDS
from hasaki_hil.quant.int8x16 import OUT16_ACTIVATIONS

SCHEMES = ("f32", "int8-wo", "int8", "int8x16", "mixed")


def _kinds(scheme: str, layers: str | None, model) -> list[str]:
    n_layers = len(model.layers)
    if scheme == "mixed":
        if not layers:
            raise UserError("--scheme mixed needs --layers, e.g. --layers int8,int8,f32")
        kinds = [k.strip() for k in layers.split(",")]
        if len(kinds) != n_layers:
            raise UserError(f"--layers names {len(kinds)} layers; the model has {n_layers}")
        for k in kinds:
            if k not in KINDS:
                raise UserError(f"--layers: unknown layer kind {k!r}", hint="choose from " + ", ".join(KINDS))
        return kinds
    if layers:
        raise UserError("--layers is only for --scheme mixed")
    if scheme == "int8x16":  # int16 activations while the layer before passes them (relu, linear), then int8
        kinds = ["int8x16"]
        for layer in model.layers[:-1]:
            chain = kinds[-1] == "int8x16" and layer.activation in OUT16_ACTIVATIONS
            kinds.append("int8x16" if chain else "int8")
        return kinds
    if scheme not in KINDS:
        raise UserError(f"unknown scheme {scheme!r}", hint="choose from " + ", ".join(SCHEMES + ("auto",)))
    return [scheme] * n_layers


def _calib(model, calib, header, fallback=None):
    if calib is None:
        return fallback
    ds = data.load_csv(
        calib, model.n_inputs, model.n_outputs, model.output_activation, header=header, require_labels=False
    )
    finite.check_inputs(model, ds.X, finite.csv_place(ds))
    return ds.X


def quantize(
    model_path,
    scheme: str,
    out,
    calib=None,
    layers: str | None = None,
    equalize: bool = False,
    header: bool | None = None,
    fold: str = "full",
) -> dict:
    model = modelfile.load(model_path)
    kinds = _kinds(scheme, layers, model)
    calib_X = _calib(model, calib, header)
    if equalize and calib_X is None:
        raise UserError("--equalize needs calibration data (--calib DATA.csv)")
    v = gate.make(model, kinds, calib_X, scheme, equalize, fold)
    sha = variant_mod.save(v, out)
    return {
        "variant": str(out),
        "sha256": sha,
        "parent_sha256": model.sha256,
        "scheme": scheme,
        "layers": kinds,
        "equalized": equalize,
        "fold": fold,
        "param_bytes": v.param_bytes,
        "float_param_bytes": 4 * model.n_params,
    }


def quantize_test(
    model_path,
    data_path,
    scheme: str,
    calib=None,
    layers: str | None = None,
    equalize: bool = False,
    thresholds: gate.Thresholds | None = None,
    threshold: float = 0.5,
    header: bool | None = None,
    out=None,
    reference=None,
    junit=None,
    board: str | None = None,
    fold: str = "full",
    speed_slack: float | None = None,
) -> dict:
    """Float and quantised metrics side by side, per-layer sensitivity and a verdict.

    With ``scheme="auto"`` and a ``board``, the passing candidates are built for the board and
    ranked by cycles measured on its emulated core (commands/auto_board.py).

    The float reference is the model itself, or ``reference`` (another model file of the
    same shape): a QAT fine-tuned model is judged against the float model it came from.
    """
    t = thresholds or gate.Thresholds()
    t.check()
    if not 0.0 <= threshold <= 1.0:
        raise UserError(f"--threshold must be within [0, 1], got {threshold}")
    if board is not None:
        if scheme != "auto":
            raise UserError("--board ranks the candidates of --scheme auto", hint="add --scheme auto, or drop --board")
        from hasaki_hil.commands import auto_board

        auto_board.check_board(board)
        slack = auto_board.SPEED_SLACK if speed_slack is None else _slack(speed_slack)
    elif speed_slack is not None:
        raise UserError("--speed-slack applies to --scheme auto --board B", hint="add --board, or drop --speed-slack")
    model = modelfile.load(model_path)
    ds = data.load_csv(data_path, model.n_inputs, model.n_outputs, model.output_activation, header=header)
    finite.check_inputs(model, ds.X, finite.csv_place(ds))
    calib_X = _calib(model, calib, header, fallback=ds.X)
    ref_model = model if reference is None else modelfile.load(reference)
    if ref_model.dims != model.dims:
        raise UserError(f"--reference has dims {ref_model.dims}, the model {model.dims}")
    ref = float_predict(ref_model, ds.X)
    finite.check_outputs(ref_model, ds.X, ref, finite.csv_place(ds))
    binary = gate.binary_classifier(model.output_activation, model.n_outputs)
    notes, t = t.defaults_note(binary), t.resolve(binary)
    result = {
        "model": str(model_path),
        "model_sha256": model.sha256,
        "reference_sha256": ref_model.sha256,
        "data": str(data_path),
        "rows": ds.n_rows,
        "calibration": str(calib) if calib else f"{data_path} (no --calib given)",
        "thresholds": t.as_dict(),
        "threshold_defaults": notes,
        "threshold": threshold,
        "float": metrics.compare(ref, ref, model.output_activation, ds.Y, threshold),
        "float_param_bytes": 4 * model.n_params,
    }
    if scheme == "auto":
        if layers or equalize or fold != "full":
            raise UserError(
                "--scheme auto chooses layers, equalisation and folds itself; drop --layers/--equalize/--fold"
            )
        found = gate.auto(model, ds.X, ref, ds.Y, calib_X, t, threshold)
        uniform = [r for r in found.tried if len(set(r.summary["layers"])) == 1]
        result["auto"] = {
            "tried": len(found.tried),
            "passing": found.passing,
            "uniform": [{k: r.as_dict()[k] for k in ("variant", "passed", "reasons")} for r in uniform],
        }
        chosen = found.chosen
        if board is not None and chosen is not None:
            ranking, chosen = auto_board.rank([r for r in found.tried if r.passed], board, ds.X, slack=slack)
            result["auto"].update(
                board=board, sample_rows=min(ds.n_rows, auto_board.SAMPLE_ROWS), ranking=ranking, speed_slack=slack
            )
        if chosen is None and found.chosen is not None:  # passing on the host, none fits the board
            result.update(passed=False, reasons=[f"no passing variant fits {board}"])
            if junit is not None:
                _write_junit(junit, result)
            return result
        if chosen is None:
            result.update(passed=False, reasons=["no variant passes, not even f32"])
            if junit is not None:
                _write_junit(junit, result)
            return result
        v = chosen.variant
        result.update(
            scheme="auto",
            candidate=chosen.summary,
            metrics=chosen.metrics,
            passed=True,
            reasons=list(chosen.reasons),
        )
    else:
        kinds = _kinds(scheme, layers, model)
        v = gate.make(model, kinds, calib_X, scheme, equalize, fold)
        r = gate.evaluate(v, ds.X, ref, ds.Y, t, threshold)
        result.update(scheme=scheme, candidate=r.summary, metrics=r.metrics, passed=r.passed, reasons=list(r.reasons))
        rows = gate.sensitivity(model, kinds, ds.X, ref, ds.Y, calib_X, t, threshold, equalize, fold)
        if rows:
            result["per_layer"] = rows
            result["responsible_layer"] = gate.responsible(rows)
    if out is not None:
        result["variant_file"] = str(out)
        variant_mod.save(v, out)
    if junit is not None:
        _write_junit(junit, result)
    return result


def _slack(value: float) -> float:
    """--speed-slack, checked: a finite fraction >= 0."""
    import math

    if not math.isfinite(value) or value < 0:
        raise UserError(f"--speed-slack must be a finite fraction >= 0, not {value}", hint="e.g. 0.25 for 25%")
    return float(value)


def _write_junit(path, r: dict) -> None:
    """One case for the tested (or chosen) variant; with auto, one per uniform scheme too."""
    from hasaki_hil.gate import junit as junit_mod

    def name(variant: dict) -> str:
        eq = "+equalize" if variant.get("equalized") else ""
        fold = "+fold-half" if variant.get("fold") == "half" else ""
        return ",".join(variant["layers"]) + eq + fold

    cases = []
    if "candidate" in r:
        cases.append(
            junit_mod.case(
                f"{r['scheme']}:{name(r['candidate'])}",
                "hasaki-hil.quantize-test",
                r["passed"],
                r["reasons"][0] if r["reasons"] else "",
                r["reasons"],
            )
        )
    for u in r.get("auto", {}).get("uniform", []):
        cases.append(
            junit_mod.case(
                f"uniform:{name(u['variant'])}",
                "hasaki-hil.quantize-test.auto",
                u["passed"],
                u["reasons"][0] if u["reasons"] else "",
                u["reasons"],
            )
        )
    if not cases:  # auto found nothing that passes
        cases.append(junit_mod.case("auto", "hasaki-hil.quantize-test", False, r["reasons"][0], r["reasons"]))
    junit_mod.write(path, "hasaki-hil quantize-test", cases)


def side_by_side(r: dict) -> list[tuple[str, str, str]]:
    """Rows (metric, float, candidate) for the terminal table."""
    f, m = r["float"], r["metrics"]
    rows = [("parameter bytes", str(r["float_param_bytes"]), str(r["candidate"]["param_bytes"]))]
    if "label_mae" in m:  # Hasaki's own figure
        rows.append(("mean |out - label|", f"{m['reference_label_mae']:.4g}", f"{m['label_mae']:.4g}"))
    for key, fmt in (
        ("accuracy", "{:.4%}"),
        ("flips", "{}"),
        ("flip_rate", "{:.3%}"),
        ("max_abs_error", "{:.4g}"),
        ("mean_abs_error", "{:.4g}"),
        ("rmse", "{:.4g}"),
        ("l2r", "{:.4g}"),
        ("cosine", "{:.6f}"),
        ("nse", "{:.6f}"),
        ("fn", "{}"),
        ("fp", "{}"),
    ):
        if key in m:
            rows.append((key, fmt.format(f[key]), fmt.format(m[key])))
    return rows


def _add_variant_flags(p) -> None:
    """How a variant is derived, the same for quantize and quantize-test."""
    p.add_argument("--layers", help="per-layer kinds for --scheme mixed, e.g. int8,int8,f32")
    p.add_argument("--equalize", action="store_true", help="equalise channel ranges before quantising")
    p.add_argument(
        "--fold",
        choices=list(gate.FOLDS),
        default="full",
        help="int8x16 layers: each weight column's exponent moves into its input's int16 step whole "
        "(full, default) or its square root (half); docs/formats.md",
    )


def add_parser(sub) -> None:
    p = sub.add_parser("quantize", help="derive a variant (f32, int8-wo, int8, int8x16, mixed) from a model")
    p.add_argument("model")
    p.add_argument("--scheme", required=True, choices=SCHEMES)
    p.add_argument("--calib", metavar="CSV", help="calibration inputs (needed by int8 layers and --equalize)")
    _add_variant_flags(p)
    p.add_argument("-o", "--output", required=True, help="variant file to write")
    add_header_flag(p)
    add_json(p)
    p.set_defaults(run=_run_quantize, render="quantize")

    p = sub.add_parser("quantize-test", help="gate a quantisation scheme against the float model")
    p.add_argument("model")
    p.add_argument("data", help="labelled CSV to test on")
    p.add_argument("--scheme", required=True, choices=SCHEMES + ("auto",))
    p.add_argument("--calib", metavar="CSV", help="calibration inputs (default: the test data)")
    _add_variant_flags(p)
    add_gate_flags(p)
    p.add_argument("--reference", metavar="MODEL", help="float model to compare with (default: MODEL itself)")
    p.add_argument("--junit", metavar="XML", help="also write the verdicts as JUnit XML (one case per variant)")
    p.add_argument("-o", "--output", help="write the tested (for auto: the chosen) variant here")
    p.add_argument(
        "--board",
        help="with --scheme auto: build the passing candidates for this board and choose by cycles "
        "measured on its emulated core, then flash, then RAM",
    )
    p.add_argument(
        "--speed-slack",
        type=float,
        metavar="FRACTION",
        help="with --board: candidates within this fraction of the fastest count as fast enough, and of "
        "those the one with the fewest new false negatives, then flips, is chosen (default 0.25; 0: the fastest)",
    )
    add_header_flag(p)
    add_json(p)
    p.set_defaults(run=_run_quantize_test, render="quantize-test")


def _run_quantize(args) -> dict:
    return quantize(
        args.model,
        args.scheme,
        args.output,
        calib=args.calib,
        layers=args.layers,
        equalize=args.equalize,
        header=args.header,
        fold=args.fold,
    )


def _run_quantize_test(args) -> dict:
    return quantize_test(
        args.model,
        args.data,
        args.scheme,
        calib=args.calib,
        layers=args.layers,
        equalize=args.equalize,
        thresholds=gate_thresholds(args),
        threshold=args.threshold,
        header=args.header,
        out=args.output,
        reference=args.reference,
        junit=args.junit,
        board=args.board,
        fold=args.fold,
        speed_slack=args.speed_slack,
    )
