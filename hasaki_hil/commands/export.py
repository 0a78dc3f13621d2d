"""The ``export`` command: a variant as one self-contained C header for users' own firmware."""

import sys

from hasaki_hil.codegen import cheader as codegen
from hasaki_hil.commands.options import add_json
from hasaki_hil.errors import UserError
from hasaki_hil.files import atomic
from hasaki_hil.model import variant as variant_mod


def export(variant_path, out, name: str | None = None, board: str | None = None) -> dict:
    v = variant_mod.load(variant_path)
    ident = codegen.c_identifier(name or v.name)
    if ident.note:
        print(f"note: {ident.note}", file=sys.stderr)
    if board is not None:
        from hasaki_hil.boards.registry import get as get_board

        get_board(board)  # an unknown board is a user error, before anything is written
    text = codegen.export(v, ident.name)
    if not str(out).endswith(".h"):
        raise UserError(f"-o {out}: the export is a C header; name it *.h")
    atomic.write_text(out, text)
    return {
        "header": str(out),
        "prefix": ident.name,
        "variant_sha256": v.sha256,
        "scheme": v.scheme,
        "layers": list(v.kinds),
        "bytes": len(text.encode()),
        "board": board,
        "api": f"{ident.name}_predict(const {ident.name}_in_t *in, {ident.name}_out_t *out)",
    }


def add_parser(sub) -> None:
    p = sub.add_parser("export", help="write a variant as one self-contained C header")
    p.add_argument("variant")
    p.add_argument("-o", "--output", required=True, help="the header to write (*.h)")
    p.add_argument("--name", help="C prefix for every symbol (default: the model name)")
    p.add_argument("--board", help="the board it is for (checked against the registry)")
    add_json(p)
    p.set_defaults(run=lambda a: export(a.variant, a.output, name=a.name, board=a.board), render="export")
