"""The command line's arguments: every subcommand and its options (cli.py dispatches)."""

import argparse

from . import __version__, gate


def _add_json(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout, nothing else")


def _header_flag(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument(
        "--header",
        dest="header",
        action="store_true",
        default=None,
        help="the CSV's first line is a header (default: detected)",
    )
    g.add_argument("--no-header", dest="header", action="store_false", help="the CSV has no header")


def _gate_flags(p: argparse.ArgumentParser) -> None:
    """The gate's thresholds, the same on every command that gates; defaults from gate.Thresholds."""
    d = gate.Thresholds()
    p.add_argument("--threshold", type=float, default=0.5, help="decision threshold for sigmoid outputs")
    p.add_argument(
        "--max-flip-rate",
        type=float,
        default=d.max_flip_rate,
        help=f"share of decisions that may flip ({d.max_flip_rate})",
    )
    p.add_argument(
        "--max-accuracy-drop",
        type=float,
        default=d.max_accuracy_drop,
        help=f"accuracy loss allowed ({d.max_accuracy_drop})",
    )
    p.add_argument(
        "--max-new-fn",
        type=_count_or_off,
        default=gate.AUTO,
        help="positives the float model catches that may be missed, per class, or off "
        "(default: 0 for a binary sigmoid classifier, off otherwise)",
    )
    p.add_argument(
        "--max-new-fp", type=_count_or_off, help="negatives the float model rejects that may fire, per class (off)"
    )
    p.add_argument("--max-abs-error", type=float, help="largest output error allowed (off)")
    p.add_argument(
        "--max-l2r", type=float, help=f"relative L2 error allowed (off; {gate.REGRESSOR_MAX_L2R} for regressors)"
    )


def _count_or_off(text: str):
    """An integer count, None for ``off``, or ``auto`` (the gate decides by the model);
    argparse turns a ValueError into a usage error."""
    word = text.strip().lower()
    return None if word == "off" else gate.AUTO if word == gate.AUTO else int(text)


def gate_thresholds(args) -> gate.Thresholds:
    return gate.Thresholds(
        max_flip_rate=args.max_flip_rate,
        max_accuracy_drop=args.max_accuracy_drop,
        max_new_fn=args.max_new_fn,
        max_new_fp=args.max_new_fp,
        max_abs_error=args.max_abs_error,
        max_l2r=args.max_l2r,
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hasaki-hil",
        description="Train, quantize and prove a tiny neural network on a microcontroller before flashing it.",
    )
    parser.add_argument("--version", action="version", version=f"hasaki-hil {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("train", help="train a float32 model from a CSV file")
    p.add_argument("data", help="training CSV: inputs then labels per row")
    p.add_argument("-o", "--output", required=True, help="model file to write")
    p.add_argument("--arch", help="layer widths, input first, e.g. 12,8,4,1")
    p.add_argument("--act", help="activation per layer, e.g. relu,relu,sigmoid (default: relu..., sigmoid)")
    p.add_argument("--optimizer", choices=["adam", "sgd"], default="adam")
    p.add_argument("--lr", type=float, default=0.005, help="learning rate (default 0.005)")
    p.add_argument("--momentum", type=float, default=0.0, help="SGD momentum (default 0)")
    p.add_argument("--epochs", type=int, default=200, help="maximum epochs (default 200)")
    p.add_argument("--batch-size", type=int, default=0, help="0 = automatic from the dataset size")
    p.add_argument("--seed", type=int, default=42, help="same seed and data give identical weights; -1 = random")
    p.add_argument("--patience", type=int, default=0, help="early-stopping patience in epochs; 0 = automatic")
    p.add_argument("--min-delta", type=float, default=1e-5, help="smallest validation-loss drop that counts")
    p.add_argument("--lr-decay", type=float, default=0.0, help="lr / (1 + decay * epoch)")
    p.add_argument("--dropout", type=float, default=0.0, help="dropout rate on hidden layers")
    p.add_argument("--l2", type=float, default=0.0, help="L2 weight penalty")
    p.add_argument("--test-file", help="validate on this CSV instead of a 20%% hold-out")
    p.add_argument("--resume", metavar="MODEL", help="continue training from this model file")
    p.add_argument(
        "--normalize",
        choices=["none", "minmax"],
        default="none",
        help="input normalisation the device applies (default none: inputs arrive normalised)",
    )
    p.add_argument("--name", help="model name (default: the output file's stem)")
    p.add_argument(
        "--qat",
        choices=["int8", "int8-wo"],
        help="quantisation-aware training for this scheme (usually with --resume to fine-tune)",
    )
    _header_flag(p)
    _add_json(p)

    p = sub.add_parser("info", help="show a model file: architecture, hash, training settings")
    p.add_argument("model")
    _add_json(p)

    p = sub.add_parser("predict", help="run the float model on input vectors")
    p.add_argument("model")
    p.add_argument(
        "--input",
        action="append",
        required=True,
        metavar="V1,V2,...",
        help="comma-separated inputs; repeat for several vectors",
    )
    _add_json(p)

    p = sub.add_parser("validate", help="errors, accuracy and confusion matrix on labelled data")
    p.add_argument("model")
    p.add_argument("data")
    p.add_argument("--threshold", type=float, default=0.5, help="decision threshold for sigmoid outputs")
    p.add_argument("--min-accuracy", type=float, help="exit 1 when accuracy is below this (0..1)")
    p.add_argument("--per-row", metavar="CSV", help="write each row's error and outputs to this CSV")
    _header_flag(p)
    _add_json(p)

    p = sub.add_parser("import", help="import a C header exported by Hasaki (float or int8)")
    p.add_argument("header", help="the .h file")
    p.add_argument("-o", "--output", required=True, help="model file to write")
    _add_json(p)

    p = sub.add_parser("quantize", help="derive a variant (f32, int8-wo, int8, mixed) from a model")
    p.add_argument("model")
    p.add_argument("--scheme", required=True, choices=["f32", "int8-wo", "int8", "mixed"])
    p.add_argument("--layers", help="per-layer kinds for --scheme mixed, e.g. int8,int8,f32")
    p.add_argument("--calib", metavar="CSV", help="calibration inputs (needed by int8 layers and --equalize)")
    p.add_argument("--equalize", action="store_true", help="equalise channel ranges before quantising")
    p.add_argument("-o", "--output", required=True, help="variant file to write")
    _header_flag(p)
    _add_json(p)

    p = sub.add_parser("quantize-test", help="gate a quantisation scheme against the float model")
    p.add_argument("model")
    p.add_argument("data", help="labelled CSV to test on")
    p.add_argument("--scheme", required=True, choices=["f32", "int8-wo", "int8", "mixed", "auto"])
    p.add_argument("--layers", help="per-layer kinds for --scheme mixed, e.g. int8,int8,f32")
    p.add_argument("--calib", metavar="CSV", help="calibration inputs (default: the test data)")
    p.add_argument("--equalize", action="store_true", help="equalise channel ranges before quantising")
    _gate_flags(p)
    p.add_argument("--reference", metavar="MODEL", help="float model to compare with (default: MODEL itself)")
    p.add_argument("--junit", metavar="XML", help="also write the verdicts as JUnit XML (one case per variant)")
    p.add_argument("-o", "--output", help="write the tested (for auto: the chosen) variant here")
    _header_flag(p)
    _add_json(p)

    p = sub.add_parser("export", help="write a variant as one self-contained C header")
    p.add_argument("variant")
    p.add_argument("-o", "--output", required=True, help="the header to write (*.h)")
    p.add_argument("--name", help="C prefix for every symbol (default: the model name)")
    p.add_argument("--board", help="the board it is for (checked against the registry)")
    _add_json(p)

    p = sub.add_parser("build", help="build firmware for a board, with fit check and size report")
    p.add_argument("variant", help="a variant file, or a Hasaki-exported C header (*.h) to check as it is")
    p.add_argument("--board", required=True)
    p.add_argument(
        "--harness",
        default="emu",
        choices=["emu", "serial"],
        help="emu: for the emulated core; serial: the wire-protocol firmware for a board",
    )
    p.add_argument(
        "--toolchain",
        default="auto",
        choices=["auto", "pio", "system"],
        help="PlatformIO where its platform is installed (auto), or the system cross-compiler",
    )
    p.add_argument("-o", "--output", help="build folder (default build/BOARD/VARIANT-HARNESS)")
    _add_json(p)

    p = sub.add_parser("test", help="run a variant on an emulated core or a board and gate it")
    p.add_argument("variant")
    p.add_argument("--board", required=True)
    p.add_argument("--emulate", action="store_true", help="run on the board's emulated core")
    p.add_argument("--port", help="serial port URL of a board running the serial firmware")
    p.add_argument("--baud", type=int, help="baud rate (default: the board's)")
    p.add_argument("--timeout", type=float, default=2.0, help="seconds to wait for each reply (default 2)")
    p.add_argument("--vectors", required=True, metavar="CSV", help="labelled test vectors")
    _gate_flags(p)
    p.add_argument("--record", help="where to write the validation record (default: beside the firmware)")
    p.add_argument("--junit", metavar="XML", help="also write the verdict as JUnit XML")
    _header_flag(p)
    _add_json(p)

    p = sub.add_parser("serve-emulated", help="run a board's serial firmware on its emulated core behind a pty")
    p.add_argument("firmware", help="the ELF of a serial-harness build (hasaki-hil build --harness serial)")
    p.add_argument("--board", default="uno")
    p.add_argument("--seconds", type=float, default=3600, help="stop after this long (default 1 h)")
    _add_json(p)

    p = sub.add_parser("flash", help="upload firmware only if its exact sha256 passed validation")
    p.add_argument("variant")
    p.add_argument("--board", required=True)
    p.add_argument("--port", help="serial port of the board (upload and the model-hash check)")
    p.add_argument("--vectors", metavar="CSV", help="run the emulator gate on the exact firmware first (uno, attiny85)")
    p.add_argument("--firmware", help="upload this already-built ELF (its firmware.json beside it)")
    p.add_argument("--record", help="the validation record to rely on (default: search beside the firmware)")
    p.add_argument("--force", action="store_true", help="upload without a passing record (written into the record)")
    p.add_argument("--dry-run", action="store_true", help="check the gate and print the upload command only")
    p.add_argument("--build-dir", help="build folder (default build/BOARD/VARIANT-serial)")
    _add_json(p)

    p = sub.add_parser("bench", help="cycles per inference on a board, and the board/emulator ratio")
    p.add_argument("variant")
    p.add_argument("--board", required=True)
    p.add_argument("--port", required=True, help="serial port of the board running the variant's firmware")
    p.add_argument("--vectors", required=True, metavar="CSV", help="input rows to time (labels optional)")
    p.add_argument("--rows", type=int, default=10, help="how many rows (default 10)")
    p.add_argument("--warmup", type=int, default=3, help="untimed passes over the rows first (default 3)")
    p.add_argument("--repeat", type=int, default=20, help="timed runs of each row (default 20)")
    p.add_argument("--baud", type=int, help="baud rate (default: the board's)")
    _add_json(p)

    p = sub.add_parser("boards", help="list the supported boards")
    _add_json(p)

    p = sub.add_parser("demo", help="the main job on the built-in example (models/example)")
    p.add_argument("--workdir", default="build/demo", help="where to write results (default build/demo)")
    _add_json(p)

    p = sub.add_parser("report", help="gather validation records into an HTML or Markdown report")
    p.add_argument("records", nargs="+", metavar="RECORD", help="validation records written by `hasaki-hil test`")
    p.add_argument("-o", "--output", help="report to write: NAME.html (with plots) or NAME.md (tables)")
    _add_json(p)
    return parser
