"""The command line's arguments: the top-level parser with one sub-parser per command module."""

import argparse

from hasaki_hil import __version__
from hasaki_hil.commands import (
    bench,
    boards,
    build,
    demo,
    export,
    flash,
    model_files,
    quantize,
    report,
    serve,
    test,
    train,
)

# In the order `hasaki-hil --help` lists them: the pipeline from data to flash, then tools.
COMMAND_MODULES = (train, model_files, quantize, export, build, test, flash, bench, serve, boards, report, demo)


class _Parser(argparse.ArgumentParser):
    """A usage error is a UserError like any other (exit 2, `error:` first, one JSON object
    under --json), with a hint to the command's --help instead of argparse's usage block."""

    def error(self, message):
        from hasaki_hil.errors import UserError

        raise UserError(message, hint=f"{self.prog} --help lists the options")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="hasaki-hil",
        description="Train, quantize and prove a tiny neural network on a microcontroller before flashing it.",
    )
    parser.add_argument("--version", action="version", version=f"hasaki-hil {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)
    for module in COMMAND_MODULES:
        module.add_parser(sub)
    return parser
