"""The ``serve-emulated`` command: a board without hardware, its serial firmware on the emulated core behind a pty."""

from hasaki_hil.commands.options import add_json, positive_float
from hasaki_hil.targets import emulated_serial


def add_parser(sub) -> None:
    p = sub.add_parser("serve-emulated", help="run a board's serial firmware on its emulated core behind a pty")
    p.add_argument("firmware", help="the ELF of a serial-harness build (hasaki-hil build --harness serial)")
    p.add_argument("--board", default="uno")
    p.add_argument("--seconds", type=positive_float, default=3600, help="stop after this long (default 1 h)")
    add_json(p)
    p.set_defaults(run=run, render="serve-emulated")


def run(args) -> dict:
    return emulated_serial.serve(args.firmware, args.board, args.seconds, show_progress=not args.json)
