"""Options shared by several sub-commands, defined once so every command spells them alike."""

import argparse
import math

from hasaki_hil.gate import verdict as gate


def add_json(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout, nothing else")


def add_header_flag(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument(
        "--header",
        dest="header",
        action="store_true",
        default=None,
        help="the CSV's first line is a header (default: detected)",
    )
    g.add_argument("--no-header", dest="header", action="store_false", help="the CSV has no header")


def add_gate_flags(p: argparse.ArgumentParser) -> None:
    """The gate's thresholds, the same on every command that gates; defaults from gate.Thresholds."""
    d = gate.Thresholds()
    p.add_argument("--threshold", type=fraction, default=0.5, help="decision threshold for sigmoid outputs")
    p.add_argument(
        "--max-flip-rate",
        type=fraction,
        default=d.max_flip_rate,
        help=f"share of decisions that may flip ({d.max_flip_rate})",
    )
    p.add_argument(
        "--max-accuracy-drop",
        type=fraction,
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
    p.add_argument("--max-abs-error", type=nonneg_float, help="largest output error allowed (off)")
    p.add_argument(
        "--max-l2r", type=nonneg_float, help=f"relative L2 error allowed (off; {gate.REGRESSOR_MAX_L2R} for regressors)"
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


def _number(text: str, kind=float):
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not {'a whole number' if kind is int else 'a number'}") from None
    if kind is float and not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, not {text}")
    return value


def positive_int(text: str) -> int:
    """A count that must be >= 1 (rows, repetitions, epochs, a baud rate)."""
    value = _number(text, int)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, not {text}")
    return value


def nonneg_int(text: str) -> int:
    """A count where 0 means none or automatic (warm-up passes, batch size, patience)."""
    value = _number(text, int)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0, not {text}")
    return value


def nonneg_float(text: str) -> float:
    value = _number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, not {text}")
    return value


def fraction(text: str) -> float:
    """A share or a probability threshold: within [0, 1]."""
    value = _number(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be within [0, 1], not {text}")
    return value


def positive_float(text: str) -> float:
    """A number of seconds or a rate that must be > 0 (argparse reports a bad one as a usage error)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, not {text}")
    return value


def add_build_dir(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("--build-dir", help=f"build folder (default ./build/{what}, under the current folder)")


def add_place(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--place",
        metavar="NAME",
        help="a labgrid place (coordinator from LG_COORDINATOR): acquire it, use its NetworkSerialPort "
        "as --port, release it afterwards (pip install hasaki-hil[farm])",
    )


def add_toolchain(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--toolchain",
        default="auto",
        choices=["auto", "pio", "system"],
        help="how to build the firmware: PlatformIO where its platform is installed (auto), or the system compiler",
    )
