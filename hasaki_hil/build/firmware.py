"""The Firmware record: what a build produced, read back from the ELF (pyelftools).

Parsing is pure (bytes in, figures out) and kept apart from the code that runs tools.
"""

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from hasaki_hil.errors import UserError
from hasaki_hil.files import docfile

FORMAT = "hasaki-hil-firmware"
VERSION = 1


@dataclass(frozen=True)
class Firmware:
    board: str
    harness: str  # "emu" or "serial" (or "hasaki-header" for a foreign model header)
    toolchain: str  # "system" or "pio"
    elf: str
    image: str  # the flashable HEX or BIN
    sha256: str  # of the ELF
    variant_sha256: str | None
    model_sha256: str | None
    sections: dict  # name -> size in bytes (allocated sections only)
    symbols: dict  # name -> {"address", "size", "kind", "group"}
    flash_bytes: int
    ram_bytes: int  # static RAM: data + bss + noinit
    stack: dict = field(default_factory=dict)  # worst-case estimate, see stack.py
    command: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def sha256_file(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# Where a symbol's bytes come from, for the size report.
def symbol_group(name: str, kind: str, prefix: str = "hsk") -> str:
    if kind == "OBJECT" and (
        name.startswith(f"{prefix}_l")
        or name.startswith(f"{prefix}_in_")
        or name in (f"{prefix}_model_hash", "hsk_qsq")
    ):
        return "model constants"
    if name.startswith(f"{prefix}_work") or name.startswith("hsk_emu_") or name.startswith("hsk_io"):
        return "buffers"
    if name.startswith("hsk_") or name.startswith(f"{prefix}_"):
        return "kernels"
    if name in ("main", "hsk_emu_done") or name.startswith("serial_") or name.startswith("uart"):
        return "harness"
    return "libc / soft-float / startup"


def read_elf(path) -> tuple[dict, dict, dict]:
    """(sections, symbols, memory) of an ELF: allocated section sizes, sized symbols, and
    flash/RAM byte totals (flash: what is programmed; RAM: what occupies data memory)."""
    with open(path, "rb") as f:
        elf = ELFFile(f)
        sections, flash, ram = {}, 0, 0
        for sec in elf.iter_sections():
            flags = sec["sh_flags"]
            if not flags & 0x2 or sec["sh_size"] == 0:  # SHF_ALLOC
                continue
            sections[sec.name] = sec["sh_size"]
            writable, nobits = bool(flags & 0x1), sec["sh_type"] == "SHT_NOBITS"
            if not nobits:
                flash += sec["sh_size"]  # code, constants and the initial values of .data
            if writable:
                ram += sec["sh_size"]
        symbols = {}
        for sec in elf.iter_sections():
            if not isinstance(sec, SymbolTableSection):
                continue
            for sym in sec.iter_symbols():
                kind = sym["st_info"]["type"]
                if sym["st_size"] and kind in ("STT_FUNC", "STT_OBJECT") and sym.name:
                    k = kind[4:]
                    symbols[sym.name] = {
                        "address": sym["st_value"],
                        "size": sym["st_size"],
                        "kind": k,
                        "group": symbol_group(sym.name, k),
                    }
    return sections, symbols, {"flash": flash, "ram": ram}


def size_report(fw: Firmware) -> dict:
    groups: dict[str, int] = {}
    for sym in fw.symbols.values():
        groups[sym["group"]] = groups.get(sym["group"], 0) + sym["size"]
    return {
        "sections": fw.sections,
        "groups": dict(sorted(groups.items(), key=lambda kv: -kv[1])),
        "largest": sorted(({"name": n, **s} for n, s in fw.symbols.items()), key=lambda s: -s["size"])[:15],
    }


def save(fw: Firmware, path) -> None:
    docfile.write(path, {"format": FORMAT, "version": VERSION, **fw.as_dict()})


# The type each field must have in a firmware record (None allowed where the dataclass says so).
_TYPES = {"sections": dict, "symbols": dict, "stack": dict, "command": list, "flash_bytes": int, "ram_bytes": int}
_OPTIONAL = ("variant_sha256", "model_sha256")


def load(path) -> Firmware:
    """The firmware record at ``path`` (the one place it is read); a UserError naming the file
    when it is of another version, or a field is missing, unknown or of the wrong type."""
    doc = docfile.read(path, FORMAT, VERSION, "firmware record")
    body = {k: v for k, v in doc.items() if k not in ("format", "version")}
    names = [f.name for f in fields(Firmware)]
    problems = [f"missing {k}" for k in names[:-2] if k not in body]  # stack and command have defaults
    problems += [f"unknown field {k}" for k in body if k not in names]
    for k, v in body.items():
        want = _TYPES.get(k, str)
        if k in names and not (isinstance(v, want) or (v is None and k in _OPTIONAL)) or isinstance(v, bool):
            problems.append(f"{k} has the wrong type")
    if problems:
        raise UserError(
            f"{os.fspath(path)} is a damaged firmware record ({'; '.join(problems[:3])})",
            hint="build the firmware again: hasaki-hil build VARIANT --board BOARD",
        )
    return Firmware(**body)


def dumps(fw: Firmware) -> str:
    return json.dumps(fw.as_dict())
