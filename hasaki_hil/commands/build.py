"""The ``build`` command: a variant (or a Hasaki-style C header) into firmware for a board."""

from hasaki_hil.build import builder
from hasaki_hil.commands.options import add_json


def add_parser(sub) -> None:
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
    p.add_argument(
        "-o", "--output", "--build-dir", dest="output", help="build folder (default ./build/BOARD/VARIANT-HARNESS)"
    )
    add_json(p)
    p.set_defaults(run=run, render="build")


def run(args) -> dict:
    return builder.build(
        args.variant, args.board, harness=args.harness, toolchain_choice=args.toolchain, out_dir=args.output
    )
