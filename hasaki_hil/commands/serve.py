"""The ``serve-emulated`` command: a board without hardware, its serial firmware on the emulated core behind a pty."""

from pathlib import Path

from hasaki_hil.build import firmware
from hasaki_hil.commands.options import add_json, positive_float
from hasaki_hil.errors import UserError
from hasaki_hil.targets import emulated_serial


def add_parser(sub) -> None:
    p = sub.add_parser("serve-emulated", help="run a board's serial firmware on its emulated core behind a pty")
    p.add_argument("firmware", help="the ELF of a serial-harness build (hasaki-hil build --harness serial)")
    p.add_argument("--board", help="the board (default: the one in firmware.json beside the ELF)")
    p.add_argument("--seconds", type=positive_float, default=3600, help="stop after this long (default 1 h)")
    add_json(p)
    p.set_defaults(run=run, render="serve-emulated")


def run(args) -> dict:
    return emulated_serial.serve(
        args.firmware, args.board or built_for(args.firmware), args.seconds, show_progress=not args.json
    )


def built_for(elf) -> str:
    """The board a firmware was built for, from the build's firmware.json beside it."""
    record = Path(elf).parent / "firmware.json"
    if not record.is_file():
        raise UserError(
            f"no firmware.json beside {elf}, so the board it was built for is unknown",
            hint="name it: hasaki-hil serve-emulated ELF --board BOARD",
        )
    return firmware.load(record).board
