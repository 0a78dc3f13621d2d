"""The ``boards`` command: the supported boards, straight from the registry."""

from hasaki_hil.boards import registry
from hasaki_hil.commands.options import add_json


def add_parser(sub) -> None:
    p = sub.add_parser("boards", help="list the supported boards")
    add_json(p)
    p.set_defaults(run=lambda args: registry.listing(), render="boards")
