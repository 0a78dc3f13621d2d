"""Versioned JSON documents (models, variants, records): atomic writes, checked reads."""

import json
import os

from hasaki_hil.errors import UserError
from hasaki_hil.files import atomic


def write(path, doc: dict) -> None:
    atomic.write_text(path, json.dumps(doc, indent=1) + "\n")


def read(path, fmt: str, version: int, what: str) -> dict:
    """The parsed document at ``path``; a UserError naming the file for any problem."""
    path = os.fspath(path)
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise UserError(f"cannot read {what} file {path}: {e.strerror}") from None
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise UserError(
            f"{path} is not a readable {what} file (damaged or not JSON: {e})",
            hint=f"re-create the {what} file from its source",
        ) from None
    if not isinstance(doc, dict) or doc.get("format") != fmt:
        raise UserError(f"{path} is not a hasaki-hil {what} file (no '{fmt}' format tag)")
    found = doc.get("version")
    if not isinstance(found, int):
        raise UserError(f"{path}: {what} file has no valid format version")
    if found > version:
        raise UserError(
            f"{path} was written by a newer hasaki-hil ({what} format {found}; this version reads up to {version})",
            hint="upgrade hasaki-hil",
        )
    return doc


def check_hash(path, doc: dict, computed: str) -> None:
    if doc.get("sha256") != computed:
        raise UserError(
            f"{path} is damaged: its content does not match its sha256 "
            f"(stored {str(doc.get('sha256'))[:12]}..., computed {computed[:12]}...)",
            hint="the file was edited or truncated; re-create it from its source",
        )
