"""The ``export`` command: a variant as one self-contained C header for users' own firmware."""

import sys

from . import atomic, codegen
from . import variant as variant_mod
from .errors import UserError


def export(variant_path, out, name: str | None = None, board: str | None = None) -> dict:
    v = variant_mod.load(variant_path)
    ident = codegen.c_identifier(name or v.name)
    if ident.note:
        print(f"note: {ident.note}", file=sys.stderr)
    if board is not None:
        from .boards import get as get_board

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
